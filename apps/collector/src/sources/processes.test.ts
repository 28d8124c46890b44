import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseCmdline, parsePidIo, parsePidStat, parseStatusUid } from './procfs-pid';
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
    readBps: 1_048_576, writeBps: 8192, // 7851/io: 1 MiB read and 8 KiB written between t0 and t1
  });
  assertNear(py?.cpuPct, 4, 'python3: utime+stime 12 → 16 ticks in 1 s');
  assert.equal(first.procs?.[2]?.readBps, null, 'no previous scan: no disk rate');
  assert.equal(out.procs?.find((p) => p.pid === SLEEP)?.readBps, null, 'no io file (as for a process we may not trace): null');
  const kthreadd = out.procs?.find((p) => p.pid === 2);
  assert.equal(kthreadd?.cmd, '', 'kernel threads have no command line');
  assert.equal(out.procs?.find((p) => p.pid === SLEEP)?.user, 'nobody');
  assert.equal(out.value('proc.count'), 4);
  assert.equal(out.value('proc.threads'), 13 + 1 + 2 + 1);
  assert.equal(out.value('proc.zombies'), 0);
});

const io = (read: number, write: number): string =>
  `rchar: ${read * 3}\nwchar: ${write * 2}\nsyscr: 10\nsyscw: 4\nread_bytes: ${read}\nwrite_bytes: ${write}\ncancelled_write_bytes: 0\n`;

test('parsePidIo takes read_bytes and write_bytes (disk I/O), not rchar/wchar (page-cache hits too)', () => {
  assert.deepEqual(parsePidIo(io(4096, 8192)), { readBytes: 4096, writeBytes: 8192 });
  assert.equal(parsePidIo('rchar: 5\nwchar: 0\n'), null, 'a kernel without task I/O accounting');
});

test('ProcessesSource: disk read and write rates per process from /proc/<pid>/io; a process born since the last scan owns all its I/O', (t) => {
  const tree = stageTree(fixture('edge/proc'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new ProcessesSource(testContext(tree.dir, '/nonexistent', clock), { intervalTicks: 1, passwdPath });
  writeFileSync(`${tree.dir}/4242/io`, io(1_000_000, 0));
  writeFileSync(`${tree.dir}/4545/io`, io(0, 0));

  const first = new RecordingOutput();
  src.collect(first);
  const p1 = new Map(first.procs?.map((p) => [p.pid, p]));
  assert.equal(p1.get(4242)?.readBps, null, 'no earlier scan: no rate (its 1 MB may be from any time since it started)');
  assert.equal(p1.get(4444)?.readBps, null, 'no io file: null, not 0');

  writeFileSync(`${tree.dir}/4242/io`, io(5_000_000, 2_000_000));
  // 4545 exits and a new process takes its pid (another starttime), having read 6 MB at its start.
  // Its start time: 1 s after T0 (T0 is 10^10 clock ticks after the fixture's boot).
  writeFileSync(`${tree.dir}/4545/stat`, '4545 (fresh) R 1 4545 4545 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 10000000100 0 10 0\n');
  writeFileSync(`${tree.dir}/4545/io`, io(6_000_000, 0));
  // 4646 was not listed by the first scan, yet it started long before it: its 9 GB are not this interval's.
  mkdirSync(`${tree.dir}/4646`);
  writeFileSync(`${tree.dir}/4646/stat`, '4646 (old) S 1 4646 4646 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0 12345 0 10 0\n');
  writeFileSync(`${tree.dir}/4646/cmdline`, 'old\0');
  writeFileSync(`${tree.dir}/4646/status`, 'Name:\told\nUid:\t0\t0\t0\t0\n');
  writeFileSync(`${tree.dir}/4646/io`, io(9e9, 0));
  clock.t += 2000;
  const second = new RecordingOutput();
  src.collect(second);
  const p2 = new Map(second.procs?.map((p) => [p.pid, p]));
  assert.equal(p2.get(4242)?.readBps, 2_000_000, '4 MB read in 2 s');
  assert.equal(p2.get(4242)?.writeBps, 1_000_000, '2 MB written in 2 s');
  assert.equal(p2.get(4545)?.name, 'fresh');
  assert.equal(p2.get(4545)?.readBps, 3_000_000, 'born since the last scan: its 6 MB were read within the 2 s');
  assert.equal(p2.get(4545)?.writeBps, 0);
  assert.equal(p2.get(4646)?.readBps, null, 'started before the last scan but not in it: no rate yet');
  assert.equal(p2.get(4444)?.writeBps, null);

  // Switched off in the config (sources.processes.diskIo false): no io file is read, the rates are null.
  const off = new ProcessesSource(testContext(tree.dir, '/nonexistent', clock), { intervalTicks: 1, passwdPath, diskIo: false });
  off.collect(new RecordingOutput());
  clock.t += 1000;
  const offOut = new RecordingOutput();
  off.collect(offOut);
  assert.deepEqual(offOut.procs?.map((p) => [p.readBps, p.writeBps]), offOut.procs?.map(() => [null, null]));
  assert.ok((offOut.procs?.length ?? 0) >= 2);

  // Counters never go back on a live process; a reading that does (a copied tree, a bug) gives 0, not a negative rate.
  writeFileSync(`${tree.dir}/4242/io`, io(4_000_000, 2_000_000));
  clock.t += 1000;
  const third = new RecordingOutput();
  src.collect(third);
  assert.equal(third.procs?.find((p) => p.pid === 4242)?.readBps, 0);
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

  assert.ok(src.ioFiles.isOpen(spin.pid ?? -1), 'its io file is kept open too');

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
  assert.equal(src.ioFiles.openCount, 0);
});

test('ProcessesSource on the real /proc: a process writing to disk shows its write rate; one it may not trace shows null', async (t) => {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  // A real disk-backed directory (test/artifacts; /tmp may be tmpfs, whose pages are never written back).
  const dir = mkdtempSync(join(process.cwd(), 'test/artifacts/io-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = new ProcessesSource({ procRoot: '/proc', sysRoot: '/sys', now: () => Date.now(), log: () => {} }, { intervalTicks: 1 });
  t.after(() => src.close());
  src.collect(new RecordingOutput());
  // Started after the first scan: its 32 MB written (and fsynced) belong to the second scan's interval.
  const script = `const fs = require('fs'); const b = Buffer.alloc(1 << 20, 7); const fd = fs.openSync(${JSON.stringify(join(dir, 'out.bin'))}, 'w');
for (let i = 0; i < 32; i++) fs.writeSync(fd, b); fs.fsyncSync(fd); fs.closeSync(fd); setTimeout(() => {}, 20000);`;
  const writer = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  t.after(() => writer.kill('SIGKILL'));
  const deadline = Date.now() + 10_000;
  let row;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const out = new RecordingOutput();
    src.collect(out);
    row = out.procs?.find((p) => p.pid === writer.pid);
    if ((row?.writeBps ?? 0) > 0) break;
  }
  assert.ok(row !== undefined, 'the writer is listed');
  // The scan interval is ~0.5 s, so 32 MB give tens of MB/s; a generous floor for a busy machine.
  assert.ok((row.writeBps ?? 0) >= 1_000_000, `its disk writes are its own (${row.writeBps} B/s)`);
  // pid 1 of this machine's namespace refuses its io file even to root (no ptrace access); where it is readable, skip that half.
  const init = new RecordingOutput();
  src.collect(init);
  const one = init.procs?.find((p) => p.pid === 1);
  if (one !== undefined && src.ioFiles.deniedCount > 0) {
    assert.equal(one.readBps, null, 'an io file we may not read is null, not 0');
    // A refusal is remembered for the pid, and forgotten when another process takes the pid.
    const denied = src.ioFiles.deniedCount;
    src.ioFiles.forget(1);
    assert.equal(src.ioFiles.deniedCount, denied - 1);
    assert.equal(src.ioFiles.read(1), null);
    assert.equal(src.ioFiles.deniedCount, denied, 'asked again after forget(), and refused again');
  }
});
