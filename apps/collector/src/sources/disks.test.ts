import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisksSource, parseDiskstats } from './disks';
import { RecordingOutput, T0, assertNear, fixture, overlayTree, readFixture, stageTree, testContext } from './test-support';

test('parseDiskstats reads every line, old 14-field format included', () => {
  const host = parseDiskstats(readFixture('host/t0/proc/diskstats'));
  assert.equal(host.length, 10);
  assert.deepEqual(host.find((d) => d.name === 'vda'), {
    name: 'vda', reads: 13708, readSectors: 1097162, readMs: 9880,
    writes: 357809, writeSectors: 3765264, writeMs: 30140, ioTicksMs: 9840,
  });
  const edge = parseDiskstats(readFixture('edge/proc/diskstats'));
  assert.equal(edge.find((d) => d.name === 'nvme0n1')?.ioTicksMs, 3);
});

test('DisksSource: exact rates for vda between the two host snapshots; loop and zram of size 0 skipped', (t) => {
  const tree = stageTree(fixture('host/t0'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new DisksSource(testContext(`${tree.dir}/proc`, fixture('host/sys'), clock));
  t.after(() => src.close());
  const first = new RecordingOutput();
  src.collect(first);
  assert.equal(first.samples.size, 0, 'no rates on the first tick');

  overlayTree(tree.dir, fixture('host/t1'));
  clock.t += 1000;
  const out = new RecordingOutput();
  src.collect(out);
  const dev = { dev: 'vda' };
  assert.equal(out.value('disk.read_bps', dev), 576 * 512);
  assert.equal(out.value('disk.write_bps', dev), 67864 * 512);
  assert.equal(out.value('disk.read_iops', dev), 10);
  assert.equal(out.value('disk.write_iops', dev), 45);
  assert.equal(out.value('disk.util_pct', dev), 2, '20 ms busy in 1000 ms');
  assertNear(out.value('disk.await_ms', dev), 56 / 55, 'await: (3 + 53) ms over 55 I/Os');
  assert.deepEqual([...new Set([...out.samples.keys()].map((k) => k.replace(/^.*\{/, '{')))], ['{dev=vda}']);
});

test('DisksSource skips partitions, RAM disks and empty loop devices', (t) => {
  const tree = stageTree(fixture('edge/proc'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new DisksSource(testContext(tree.dir, fixture('edge/sys'), clock));
  src.collect(new RecordingOutput());
  clock.t += 1000;
  const out = new RecordingOutput();
  src.collect(out);
  src.close();
  const devs = [...new Set([...out.samples.keys()].map((k) => /dev=([^}]+)/.exec(k)?.[1]))].sort();
  assert.deepEqual(devs, ['loop1', 'nvme0n1', 'vda']);
  assert.equal(out.value('disk.await_ms', { dev: 'vda' }), 0, 'no I/O completed → 0, not NaN');
  assert.equal(out.value('disk.util_pct', { dev: 'vda' }), 0);
});
