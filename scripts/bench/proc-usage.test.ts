import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuPctOfCore, parseProcStat, parseProcStatus, readTreeUsage } from './proc-usage';
import { median, percentile } from './stats';

// A real line from /proc/<pid>/stat of a node process (fields 14–17: utime stime cutime cstime).
const NODE_STAT = '18345 (node) S 18300 18300 17 0 -1 4194560 14093 0 0 0 95 23 4 1 20 0 11 0 7123456 1154883584 15321 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

test('parseProcStat reads pid, comm, state, ppid and the four CPU times', () => {
  const s = parseProcStat(NODE_STAT);
  assert.deepEqual(s, { pid: 18345, comm: 'node', state: 'S', ppid: 18300, utime: 95, stime: 23, cutime: 4, cstime: 1, threads: 11 });
});

test('parseProcStat counts fields from the last parenthesis, whatever comm holds', () => {
  const s = parseProcStat(NODE_STAT.replace('(node)', '(we ird) (x) 1 2)'));
  assert.equal(s?.comm, 'we ird) (x) 1 2');
  assert.equal(s?.utime, 95);
  assert.equal(s?.cstime, 1);
});

test('parseProcStat refuses text that is not a stat line', () => {
  assert.equal(parseProcStat(''), null);
  assert.equal(parseProcStat('12 (short) S 1 2 3'), null);
  assert.equal(parseProcStat('x (node) S 1'), null);
});

test('parseProcStatus reads VmRSS, VmHWM, RssAnon and RssFile in kB; absent fields are 0', () => {
  const text = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t   61724 kB\nVmRSS:\t   59980 kB\nRssAnon:\t   31000 kB\nRssFile:\t   28980 kB\nThreads:\t11\n';
  assert.deepEqual(parseProcStatus(text), { rssKb: 59980, hwmKb: 61724, rssAnonKb: 31000, rssFileKb: 28980 });
  assert.deepEqual(parseProcStatus('Name:\tkthreadd\n'), { rssKb: 0, hwmKb: 0, rssAnonKb: 0, rssFileKb: 0 });
});

test('readTreeUsage agrees with process.cpuUsage for this process (clock ticks are 1/100 s)', () => {
  const a = readTreeUsage(process.pid);
  const cpu0 = process.cpuUsage();
  const until = performance.now() + 300;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  const b = readTreeUsage(process.pid);
  const cpu = process.cpuUsage(cpu0);
  assert.ok(a && b && x > 0);
  const procSec = b.cpuSec - a.cpuSec;
  assert.ok(Math.abs(procSec - (cpu.user + cpu.system) / 1e6) < 0.08, `/proc says ${procSec} s, cpuUsage ${(cpu.user + cpu.system) / 1e6} s`);
  assert.ok(cpuPctOfCore(a, b) > 10); // loose: the machine is shared and noisy
  // rssKb sums the whole tree (under tsx it includes its esbuild child), so it may exceed the root's own peak.
  assert.ok(b.rssKb > 0, 'tree RSS read');
  assert.ok(b.rootHwmKb > 0 && b.rssKb >= b.rootHwmKb / 4, `root VmHWM ${b.rootHwmKb} kB is plausible against tree RSS ${b.rssKb} kB`);
});

test('median and percentile use nearest rank and ignore non-finite values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([]), null);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
  assert.equal(percentile([5, Number.NaN, 1], 50), 1);
});
