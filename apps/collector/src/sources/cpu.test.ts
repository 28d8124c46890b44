import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuSource, parseStat } from './cpu';
import { RecordingOutput, T0, fixture, assertNear, overlayTree, readFixture, stageTree, testContext } from './test-support';

test('parseStat reads the real /proc/stat fixture', () => {
  const s = parseStat(readFixture('host/t0/proc/stat'));
  assert.deepEqual(s.total, { user: 9674, nice: 0, system: 5708, idle: 128216, iowait: 358, irq: 0, softirq: 108, steal: 10 });
  assert.deepEqual(s.cores.map((c) => c.core), ['0', '1']);
  assert.equal(s.cores[1]?.times.iowait, 341);
  assert.equal(s.ctxt, 1815052);
  assert.equal(s.forks, 7924);
  assert.equal(s.procsRunning, 3);
  assert.equal(s.procsBlocked, 0);
  assert.equal(s.btime, 1795626146);
  assert.ok(s.intr > 0);
});

test('parseStat rejects text without a cpu line', () => {
  assert.throws(() => parseStat('ctxt 5\n'), /no cpu line/);
});

test('CpuSource: first tick has gauges only, second tick has exact shares and rates', (t) => {
  const tree = stageTree(fixture('host/t0'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new CpuSource(testContext(`${tree.dir}/proc`, '/nonexistent', clock));
  t.after(() => src.close());

  const first = new RecordingOutput();
  src.collect(first);
  assert.deepEqual(first.names(), ['proc.blocked', 'proc.running']);
  assert.equal(first.value('proc.running'), 3);

  overlayTree(tree.dir, fixture('host/t1'));
  clock.t += 1000;
  const out = new RecordingOutput();
  src.collect(out);
  // t0 → t1: user +121, system +76, idle +56, iowait +1; 254 jiffies in all.
  assertNear(out.value('cpu.user_pct'), (121 / 254) * 100, 'cpu.user_pct');
  assertNear(out.value('cpu.system_pct'), (76 / 254) * 100, 'cpu.system_pct');
  assertNear(out.value('cpu.idle_pct'), (56 / 254) * 100, 'cpu.idle_pct');
  assertNear(out.value('cpu.iowait_pct'), (1 / 254) * 100, 'cpu.iowait_pct');
  assertNear(out.value('cpu.util_pct'), 100 - (57 / 254) * 100, 'cpu.util_pct');
  assert.equal(out.value('cpu.steal_pct'), 0);
  assert.equal(out.value('cpu.irq_pct'), 0);
  // cpu0: user +82, system +41, idle +2 → 125 jiffies.
  assertNear(out.value('cpu.util_pct', { core: '0' }), (123 / 125) * 100, 'cpu.util_pct');
  assertNear(out.value('cpu.user_pct', { core: '0' }), (82 / 125) * 100, 'cpu.user_pct');
  assert.equal(out.value('cpu.idle_pct', { core: '0' }), undefined, 'idle is not reported per core');
  assert.equal(out.value('cpu.ctx_switches_ps'), 1818490 - 1815052);
  assert.equal(out.value('proc.forks_ps'), 8580 - 7924);
  assert.equal(typeof out.value('cpu.interrupts_ps'), 'number');
  assert.equal(out.value('proc.running'), 6);
});

test('CpuSource: a counter that goes backwards skips only its own rate', (t) => {
  const tree = stageTree(fixture('host/t1'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new CpuSource(testContext(`${tree.dir}/proc`, '/nonexistent', clock));
  src.collect(new RecordingOutput());
  overlayTree(tree.dir, fixture('reset'));
  clock.t += 2000;
  const out = new RecordingOutput();
  src.collect(out);
  src.close();
  assert.equal(out.value('cpu.ctx_switches_ps'), undefined, 'ctxt went 1818490 → 12');
  assert.equal(out.value('cpu.util_pct', { core: '1' }), undefined, 'cpu1 restarted from zero');
  assertNear(out.value('cpu.util_pct', { core: '0' }), 30, 'cpu0 util');
  // Totals: user +10, nice +10, system +10, idle +70 of 100 jiffies.
  assertNear(out.value('cpu.user_pct'), 20, 'cpu.user_pct');
  assertNear(out.value('cpu.util_pct'), 30, 'cpu.util_pct');
  assert.equal(out.value('proc.forks_ps'), 25, '50 forks over 2 s');
});
