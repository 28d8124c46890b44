import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { MemorySource, parseMeminfo, parseVmstat } from './memory';
import { RecordingOutput, T0, assertNear, fixture, overlayTree, readFixture, stageTree, testContext } from './test-support';

const KB = 1024;

test('parseMeminfo converts kB to bytes and keeps plain counts', () => {
  const m = parseMeminfo(readFixture('host/t0/proc/meminfo'));
  assert.equal(m.get('MemTotal'), 24684092 * KB);
  assert.equal(m.get('MemAvailable'), 24061904 * KB);
  assert.equal(m.get('Active(anon)') !== undefined, true, 'names with parentheses are kept');
  assert.equal(m.get('HugePages_Total'), 0);
});

test('parseVmstat reads counters', () => {
  const v = parseVmstat(readFixture('host/t0/proc/vmstat'));
  assert.equal(v.get('pgmajfault'), 558);
  assert.equal(v.get('oom_kill'), 0);
  assert.equal(v.get('pswpin'), 0);
});

test('MemorySource: absolute gauges on the first tick, paging rates on the second', (t) => {
  const tree = stageTree(fixture('host/t0'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new MemorySource(testContext(`${tree.dir}/proc`, '/nonexistent', clock));
  t.after(() => src.close());
  const first = new RecordingOutput();
  src.collect(first);
  assert.equal(first.value('mem.major_faults_ps'), undefined);
  assert.equal(first.value('mem.total_bytes'), 24684092 * KB);

  overlayTree(tree.dir, fixture('host/t1'));
  clock.t += 1000;
  const out = new RecordingOutput();
  src.collect(out);
  assert.equal(out.value('mem.available_bytes'), 23922584 * KB);
  assert.equal(out.value('mem.used_bytes'), (24684092 - 23922584) * KB);
  assertNear(out.value('mem.used_pct'), ((24684092 - 23922584) / 24684092) * 100, 'mem.used_pct');
  assert.equal(out.value('mem.free_bytes'), 23845184 * KB);
  assert.equal(out.value('mem.cached_bytes'), 265548 * KB);
  assert.equal(out.value('mem.buffers_bytes'), 2928 * KB);
  assert.equal(out.value('mem.swap_total_bytes'), 0);
  assert.equal(out.value('mem.swap_used_bytes'), 0);
  assert.equal(out.value('mem.swap_used_pct'), 0, 'no swap → 0, not NaN');
  assert.equal(out.value('mem.swap_in_pps'), 0);
  assert.equal(out.value('mem.swap_out_pps'), 0);
  assert.equal(out.value('mem.major_faults_ps'), 2);
  assert.equal(out.value('mem.oom_kills'), 0);
});

test('MemorySource: no oom_kill line (kernel < 4.13) → no mem.oom_kills', (t) => {
  const tree = stageTree(fixture('host/t0'));
  t.after(tree.cleanup);
  const vmstat = readFixture('host/t0/proc/vmstat').replace(/^oom_kill .*\n/m, '');
  writeFileSync(`${tree.dir}/proc/vmstat`, vmstat);
  const src = new MemorySource(testContext(`${tree.dir}/proc`, '/nonexistent'));
  const out = new RecordingOutput();
  src.collect(out);
  src.close();
  assert.equal(out.value('mem.oom_kills'), undefined);
  assert.equal(out.value('mem.total_bytes'), 24684092 * KB);
});
