import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { parseCmdline, parsePidStat, parseStatusUid } from './procfs-pid';
import { ProcessesSource } from './processes';
import { RecordingOutput, T0, assertNear, fixture, overlayTree, readFixture, stageTree, testContext } from './test-support';

const PY = 7851; // python3 /tmp/sockserver.py in the host fixture
const SLEEP = 7853; // sleep 600, run as nobody
const BTIME_MS = 1795626146 * 1000;
const passwdPath = fixture('edge/passwd');

test('parsePidStat takes comm from the first ( to the last )', () => {
  assert.deepEqual(parsePidStat(readFixture('edge/proc/4242/stat')), {
    pid: 4242, comm: '(my (odd) name)', state: 'S', ppid: 1, cpuTicks: 300, threads: 3, starttime: 12345, rssPages: 404,
  });
  assert.deepEqual(parsePidStat(readFixture('host/t0/proc/7851/stat')), {
    pid: PY, comm: 'python3', state: 'S', ppid: 1, cpuTicks: 12, threads: 2, starttime: 71951, rssPages: 3582,
  });
  assert.equal(parsePidStat('12 (truncated'), null);
  assert.equal(parsePidStat('12 (x) S 1 2'), null);
});

test('parseStatusUid takes the effective uid; parseCmdline joins arguments', () => {
  assert.equal(parseStatusUid(readFixture('edge/proc/4545/status')), 33);
  assert.equal(parseStatusUid('Name:\tx\n'), null);
  assert.equal(parseCmdline(readFixture('edge/proc/4242/cmdline')), '/usr/bin/odd --name my (odd) name');
  assert.equal(parseCmdline(''), '');
  assert.equal(parseCmdline('a'.repeat(600) + '\0').length, 512);
});

test('ProcessesSource on the host fixture: rows, cpu% from the tick delta, owner names', (t) => {
  const tree = stageTree(fixture('host/t0'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new ProcessesSource(testContext(`${tree.dir}/proc`, '/nonexistent', clock), { intervalTicks: 1, passwdPath });
  const first = new RecordingOutput();
  src.collect(first);
  assert.deepEqual(first.procs?.map((p) => p.pid), [1, 2, PY, SLEEP]);
  assert.equal(first.procs?.[2]?.cpuPct, 0, 'no previous scan: no cpu%');

  overlayTree(tree.dir, fixture('host/t1'));
  clock.t += 1000;
  const out = new RecordingOutput();
  src.collect(out);
  const py = out.procs?.find((p) => p.pid === PY);
  assert.deepEqual({ ...py, cpuPct: 0 }, {
    pid: PY, ppid: 1, name: 'python3', cmd: '/root/.pyenv/versions/3.11.7/bin/python3 /tmp/sockserver.py',
    user: 'root', state: 'S', cpuPct: 0, rssBytes: 3582 * 4096, threads: 2, fds: 15, startMs: BTIME_MS + 719510,
  });
  assertNear(py?.cpuPct, 4, 'python3: utime+stime 12 → 16 ticks in 1 s');
  const kthreadd = out.procs?.find((p) => p.pid === 2);
  assert.equal(kthreadd?.cmd, '', 'kernel threads have no command line');
  assert.equal(out.procs?.find((p) => p.pid === SLEEP)?.user, 'nobody');
  assert.equal(out.value('proc.count'), 4);
  assert.equal(out.value('proc.threads'), 13 + 1 + 2 + 1);
  assert.equal(out.value('proc.zombies'), 0);
});

test('ProcessesSource on edge cases: odd comm, vanished pid, zombie, unknown uid, interval', (t) => {
  const tree = stageTree(fixture('edge/proc'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new ProcessesSource(testContext(tree.dir, '/nonexistent', clock), { passwdPath });

  const out = new RecordingOutput();
  src.collect(out);
  const byPid = new Map(out.procs?.map((p) => [p.pid, p]));
  assert.deepEqual([...byPid.keys()], [4242, 4444, 4545], '4343 vanished before its stat was read');
  assert.equal(byPid.get(4242)?.name, '(my (odd) name)');
  assert.equal(byPid.get(4242)?.user, 'alice');
  assert.equal(byPid.get(4242)?.fds, 3, 'fd 0, 3 and 4');
  assert.equal(byPid.get(4242)?.startMs, 1_700_000_000_000 + 123_450);
  assert.equal(byPid.get(4444)?.state, 'Z');
  assert.equal(byPid.get(4444)?.user, '4321', 'a uid without a name is shown as the number');
  assert.equal(byPid.get(4444)?.fds, null, 'no fd directory');
  assert.equal(byPid.get(4545)?.cmd, 'nginx: worker process');
  assert.equal(byPid.get(4545)?.user, 'www-data');
  assert.equal(out.value('proc.zombies'), 1);

  clock.t += 1000;
  const skipped = new RecordingOutput();
  src.collect(skipped);
  assert.equal(skipped.procs, undefined, 'intervalTicks 2: the second tick does not scan');
  assert.equal(skipped.samples.size, 0);

  // Before the third tick: 4242 exits and its pid is reused by a new process; 4545 exits.
  rmSync(`${tree.dir}/4545`, { recursive: true });
  writeFileSync(`${tree.dir}/4242/stat`, '4242 (fresh) R 1 4242 4242 0 -1 0 0 0 0 0 150 50 0 0 20 0 1 0 99999 0 10 0\n');
  writeFileSync(`${tree.dir}/4242/cmdline`, 'fresh\0--flag\0');
  clock.t += 1000;
  const third = new RecordingOutput();
  src.collect(third);
  const fresh = third.procs?.find((p) => p.pid === 4242);
  assert.equal(fresh?.cmd, 'fresh --flag', 'a new starttime means a new process: cmdline read again');
  assertNear(fresh?.cpuPct, 100, 'born since the last scan: 200 ticks over 2 s');
  assert.equal(third.procs?.some((p) => p.pid === 4545), false);
});

test('ProcessesSource on the real /proc keeps stat files open: a busy child shows CPU, an exited one disappears and its descriptor is closed', async (t) => {
  const { spawn } = await import('node:child_process');
  const spin = spawn(process.execPath, ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}'], { stdio: 'ignore' });
  const idle = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => {
    spin.kill('SIGKILL');
    idle.kill('SIGKILL');
  });
  await new Promise((r) => setTimeout(r, 300));
  const src = new ProcessesSource({ procRoot: '/proc', sysRoot: '/sys', now: () => Date.now(), log: () => {} }, { intervalTicks: 1 });
  t.after(() => src.close());

  const first = new RecordingOutput();
  src.collect(first);
  assert.ok(first.procs?.some((p) => p.pid === idle.pid), 'the idle child is listed');
  assert.ok(src.statFiles.isOpen(idle.pid ?? -1) && src.statFiles.isOpen(spin.pid ?? -1), 'the children\'s stat files are kept open');

  await new Promise((r) => setTimeout(r, 1000));
  const keptBefore = src.statFiles.keptReads;
  const second = new RecordingOutput();
  src.collect(second);
  assert.ok(src.statFiles.keptReads - keptBefore >= (second.procs?.length ?? 0) - 5, 'the second scan reads through kept descriptors');
  const busy = second.procs?.find((p) => p.pid === spin.pid);
  // A generous bound: on a busy shared machine the spinner may get a fraction of a core.
  assert.ok(busy !== undefined && busy.cpuPct > 5, `the spinning child uses CPU (${busy?.cpuPct} %)`);
  assert.ok((busy?.fds ?? 0) >= 3, `its descriptors are counted (${busy?.fds})`);

  idle.kill('SIGKILL');
  await new Promise((r) => idle.once('exit', r));
  await new Promise((r) => setTimeout(r, 50));
  const third = new RecordingOutput();
  src.collect(third);
  assert.equal(third.procs?.some((p) => p.pid === idle.pid), false, 'the exited child is gone from the table');
  assert.equal(src.statFiles.isOpen(idle.pid ?? -1), false, 'its descriptor was closed');
  assert.ok(src.statFiles.openCount <= (third.procs?.length ?? 0), 'no descriptor is kept for a process not in the table');
  src.close();
  assert.equal(src.statFiles.openCount, 0);
});
