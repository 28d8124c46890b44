import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TelemetryBatch } from '@cerebro/shared/protocol/messages';
import { closeStateDatabase, openStateDatabase } from '../state/database';
import { makeTempDir, openEnv } from '../state/test-helpers';
import { DEFAULT_REGISTRY_OPTIONS, HostRegistry, statusOf } from './registry';

const T0 = 1_800_000_000_000;

function batch(seq: number, extra: Partial<TelemetryBatch> = {}): TelemetryBatch {
  return { type: 'batch', seq, ts: T0 + seq * 1000, metrics: { k: ['load.1'], v: [1] }, ...extra };
}

test('statusOf: live while batches arrive, stale after 10 s or when disconnected, lost after 60 s', () => {
  const doc = { lastSeenMs: T0, connected: true } as Parameters<typeof statusOf>[0];
  const o = DEFAULT_REGISTRY_OPTIONS;
  assert.equal(statusOf(doc, T0 + 9_999, o), 'live');
  assert.equal(statusOf(doc, T0 + 10_000, o), 'stale');
  assert.equal(statusOf({ ...doc, connected: false }, T0 + 1_000, o), 'stale');
  assert.equal(statusOf(doc, T0 + 60_000, o), 'lost');
  assert.equal(statusOf({ ...doc, connected: false }, T0 + 60_000, o), 'lost');
});

test('the registry persists hosts, keeps the latest tables in memory, and reopens disconnected', async (t) => {
  const dir = makeTempDir(t);
  const env = openEnv(dir);
  const logs: string[] = [];
  const log = (_level: string, message: string): number => logs.push(message);
  try {
    let db = await openStateDatabase({ env });
    let registry = await HostRegistry.open(db, log, { persistEveryMs: 60_000 });
    const events: string[] = [];
    registry.on('host', (h) => events.push(`${h.id}:${h.status}:${h.connected}`));
    registry.connected('h1', 'web-1', { name: 'cerebro-collector', version: '0.1.0' }, '127.0.0.1:1');
    const proc = { pid: 1, ppid: 0, name: 'init', cmd: '/sbin/init', user: 'root', state: 'S', cpuPct: 0, rssBytes: 1, threads: 1, fds: null, startMs: T0 };
    registry.batch('h1', batch(1, { procs: [proc] }), 1);
    // Routine batches (no status change) are not written at once: persistEveryMs throttles them.
    registry.batch('h1', batch(2), 1);
    registry.batch('h1', batch(3, { spool: { pendingBatches: 0, pendingBytes: 0, droppedBatches: 4, droppedSamples: 40, droppedBytes: 400 } }), 1);
    registry.batch('h1', batch(4, { spool: { pendingBatches: 0, pendingBytes: 0, droppedBatches: 9, droppedSamples: 90, droppedBytes: 900 } }), 1);
    assert.equal(registry.processes('h1')?.procs?.[0]?.cmd, '/sbin/init');
    assert.equal(registry.get('h1')?.lastSeq, 4);
    assert.equal(registry.get('h1')?.spool?.droppedBatches, 9);
    // A spool drop is logged once a minute per host, with the total so far, not once per replayed batch.
    assert.equal(logs.filter((m) => m.includes('has dropped')).length, 1);
    assert.match(logs.find((m) => m.includes('has dropped')) ?? '', /web-1 \(h1\) has dropped 4 batches \(40 samples\)/);
    registry.disconnected('h1');
    await registry.close();
    assert.ok(events.includes('h1:live:true') && events.includes('h1:live:false'), events.join(' '));
    await closeStateDatabase(db);

    db = await openStateDatabase({ env });
    registry = await HostRegistry.open(db, log);
    const h = registry.get('h1');
    assert.ok(h);
    assert.equal(h.hostname, 'web-1');
    assert.equal(h.lastSeq, 4, 'close() wrote the throttled updates');
    assert.equal(h.spool?.droppedBatches, 9);
    assert.equal(h.connected, false);
    assert.equal(registry.processes('h1'), null, 'tables are live state, not persisted');
    await registry.close();
    await closeStateDatabase(db);
  } finally {
    await env.close();
  }
});

test('source failures are recorded and cleared by a full report where they succeed', async (t) => {
  const dir = makeTempDir(t);
  const env = openEnv(dir);
  try {
    const db = await openStateDatabase({ env });
    const registry = await HostRegistry.open(db, () => undefined);
    registry.connected('h2', 'db-1', { name: 'c', version: '1' }, 'x');
    registry.batch('h2', batch(1, { sources: [{ source: 'disks', ok: false, durationMs: 1, error: "couldn't read /proc/diskstats: EACCES" }] }), 1);
    assert.deepEqual(registry.get('h2')?.sourceErrors.map((e) => e.source), ['disks']);
    registry.batch('h2', batch(2, { sources: [{ source: 'cpu', ok: true, durationMs: 1 }] }), 1);
    assert.equal(registry.get('h2')?.sourceErrors.length, 1, 'a report that does not mention disks keeps its error');
    registry.batch('h2', batch(3, { sources: [{ source: 'disks', ok: true, durationMs: 1 }] }), 1);
    assert.equal(registry.get('h2')?.sourceErrors.length, 0);
    await registry.close();
    await closeStateDatabase(db);
  } finally {
    await env.close();
  }
});
