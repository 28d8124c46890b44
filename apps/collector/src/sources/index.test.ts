import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_SOURCES_CONFIG, closeSources, collectTick, createSources, type SourcesConfig } from './index';
import type { FsStats } from './filesystems';
import { RecordingOutput, T0, fixture, overlayTree, stageTree, testContext } from './test-support';

test('createSources: every source by default, in a stable order; switches turn them off', () => {
  const ctx = testContext('/nonexistent', '/nonexistent');
  assert.deepEqual(createSources(DEFAULT_SOURCES_CONFIG, ctx).map((s) => s.name), [
    'cpu', 'load', 'memory', 'disks', 'filesystems', 'network', 'processes', 'sockets',
  ]);
  const some: SourcesConfig = { ...DEFAULT_SOURCES_CONFIG, sockets: { enabled: false, intervalTicks: 5 }, cpu: { enabled: false } };
  assert.deepEqual(createSources(some, ctx).map((s) => s.name), ['load', 'memory', 'disks', 'filesystems', 'network', 'processes']);
});

test('collectTick reports each source, turns throws into errors and never throws', () => {
  const sources = createSources(DEFAULT_SOURCES_CONFIG, testContext('/nonexistent', '/nonexistent'));
  sources.push({ name: 'broken', collect: () => { throw 'boom'; } });
  sources.push({ name: 'fine', collect: (out) => out.gauge('x.ok', 1) });
  const out = new RecordingOutput();
  const statuses = collectTick(sources, out);
  closeSources(sources);
  assert.equal(statuses.length, 10);
  assert.ok(statuses.every((s) => s.durationMs >= 0), 'every status has a duration');
  const byName = new Map(statuses.map((s) => [s.source, s]));
  assert.match(byName.get('disks')?.error ?? '', /^couldn't read \/nonexistent\/diskstats: ENOENT/);
  assert.match(byName.get('processes')?.error ?? '', /^couldn't read \/nonexistent\/stat/);
  assert.equal(byName.get('broken')?.error, "couldn't collect broken: boom");
  assert.equal(byName.get('fine')?.ok, true);
  assert.equal(out.value('x.ok'), 1);
});

const GOLDEN = fixture('golden/host-two-ticks.json');
const STATFS: Record<string, FsStats> = {
  '/': { bsize: 4096, blocks: 16_000_000, bfree: 12_000_000, bavail: 11_000_000, files: 4_000_000, ffree: 3_900_000 },
  '/dev/shm': { bsize: 4096, blocks: 6_171_023, bfree: 6_171_023, bavail: 6_171_023, files: 6_171_023, ffree: 6_171_022 },
  '/sys/fs/cgroup': { bsize: 4096, blocks: 3_085_511, bfree: 3_085_511, bavail: 3_085_511, files: 3_085_511, ffree: 3_085_500 },
};

/**
 * Golden test: a whole collection (every source) over the host fixture, t0 then t1 one second later.
 * After an intended change, regenerate with
 *   UPDATE_GOLDEN=1 node --import tsx --test apps/collector/src/sources/index.test.ts
 * and review the diff of fixtures/golden/host-two-ticks.json.
 */
test('golden: two ticks over the host fixture match the committed output', (t) => {
  const tree = stageTree(fixture('host'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const config: SourcesConfig = {
    ...DEFAULT_SOURCES_CONFIG,
    processes: { enabled: true, intervalTicks: 1 },
    sockets: { enabled: true, intervalTicks: 1 },
  };
  const sources = createSources(config, testContext(`${tree.dir}/t0/proc`, `${tree.dir}/sys`, clock), {
    statfs: (path) => {
      const s = STATFS[path];
      if (!s) throw Object.assign(new Error(`ENOENT: statfs '${path}'`), { code: 'ENOENT' });
      return s;
    },
    passwdPath: fixture('edge/passwd'),
  });
  t.after(() => closeSources(sources));

  const ticks = [];
  for (const step of ['t0', 't1']) {
    if (step === 't1') {
      overlayTree(`${tree.dir}/t0`, `${tree.dir}/t1`);
      clock.t += 1000;
    }
    const out = new RecordingOutput();
    const statuses = collectTick(sources, out).map(({ source, ok, error }) => ({ source, ok, error }));
    ticks.push({
      step,
      statuses,
      samples: Object.fromEntries([...out.samples].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      procs: out.procs,
      sockets: out.sockets,
      notices: out.notices,
    });
  }
  const actual = JSON.parse(JSON.stringify(ticks)) as unknown;
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(GOLDEN, JSON.stringify(actual, null, 1) + '\n');
    t.diagnostic(`wrote ${GOLDEN}`);
  }
  assert.ok(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1 to create it`);
  assert.deepEqual(actual, JSON.parse(readFileSync(GOLDEN, 'utf8')));
});
