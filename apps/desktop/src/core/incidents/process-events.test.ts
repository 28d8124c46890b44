import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '@cerebro/shared/api/contract';
import type { LogRecord, ProcessRow, SocketRow } from '@cerebro/shared/protocol/messages';
import type { AlertEvent } from '../alerts/scorer';
import { exitKey, loopKey, ProcessEvents } from './process-events';

/** Processes are children of supervisord (pid 2) unless `ppid` says otherwise. */
function proc(pid: number, name: string, startMs: number, cmd = `/usr/bin/${name} --serve`, ppid = 2): ProcessRow {
  return { pid, ppid, name, cmd, user: 'u', state: 'S', cpuPct: 0, rssBytes: 1, threads: 1, fds: 3, startMs };
}

function listen(pid: number, port: number): SocketRow {
  return { proto: 'tcp', state: 'LISTEN', localAddr: '127.0.0.1', localPort: port, remoteAddr: '0.0.0.0', remotePort: 0, inode: pid * 10, pid, process: null };
}

const OPTS = { minAgeMs: 60_000, confirmMs: 1_500, stableMs: 10_000, restartWindowMs: 60_000, restartCount: 3, exitClearMs: 30 * 60_000, gapMs: 60_000 };
/** A shell and a supervisor that are always there. */
const SHELL = proc(1, 'bash', 0, '-bash', 0);
const SUPERVISOR = proc(2, 'supervisord', 0, '/usr/bin/python3 /usr/bin/supervisord', 0);

/** Feeds tables every `step` ms over [from, to) and collects the events. */
function run(ev: ProcessEvents, from: number, to: number, step: number, table: (ts: number) => { procs: ProcessRow[]; sockets?: SocketRow[] }): AlertEvent[] {
  const out: AlertEvent[] = [];
  for (let ts = from; ts < to; ts += step) {
    const t = table(ts);
    out.push(...ev.observe('h1', ts, [SHELL, SUPERVISOR, ...t.procs], t.sockets));
  }
  return out;
}

test('a listening service that ran for minAge and went away raises one exit alert, resolved when it runs again', () => {
  const ev = new ProcessEvents(OPTS);
  // The server started at 5 s; its listener is in the socket tables (every 10 s).
  assert.deepEqual(run(ev, 10_000, 100_000, 1000, (ts) => ({ procs: [proc(42, 'srv', 5_000)], ...(ts % 10_000 === 0 ? { sockets: [listen(42, 8080)] } : {}) })), []);
  // Killed after the table of 99 s.
  const gone = run(ev, 100_000, 130_000, 1000, () => ({ procs: [] }));
  assert.equal(gone.length, 1, JSON.stringify(gone));
  const open = gone[0]!;
  assert.equal(open.type, 'open');
  assert.equal(open.seriesKey, exitKey('srv', 42));
  assert.equal(open.seriesKey, 'event.proc_exit{name=srv,pid=42}');
  assert.equal(open.startMs, 99_001, 'onset right after the last table that had it');
  assert.equal(open.tsMs, 101_000, 'raised once confirmMs passed without an instance');
  assert.equal(open.baseline, 1);
  assert.deepEqual(open.points, [[99_001, 0]]);
  // Restarted at 130 s: resolves once it has run stableMs.
  const back = run(ev, 130_000, 150_000, 1000, () => ({ procs: [proc(77, 'srv', 130_000)] }));
  assert.deepEqual(
    back.map((e) => [e.type, e.alertId, e.tsMs]),
    [['resolve', open.alertId, 140_000]],
  );
});

test('a pid that execs another program, or is reused by one, is another process: the service it ran exited', () => {
  for (const next of [proc(42, 'srv', 5_000, '/usr/bin/srv --migrate'), proc(42, 'sh', 5_000, 'sh -c true')]) {
    const ev = new ProcessEvents(OPTS);
    run(ev, 10_000, 100_000, 1000, (ts) => ({ procs: [proc(42, 'srv', 5_000)], ...(ts % 10_000 === 0 ? { sockets: [listen(42, 8080)] } : {}) }));
    // From 100 s the same pid shows another command line (an exec), or another name and command line.
    const after = run(ev, 100_000, 110_000, 1000, () => ({ procs: [next] }));
    assert.deepEqual(after.map((e) => [e.type, e.seriesKey, e.startMs]), [['open', exitKey('srv', 42), 99_001]], `then ${next.name} ${next.cmd}`);
  }
});

test('exits that are not trouble raise nothing: young processes, processes that never listened, a quick restart', () => {
  const ev = new ProcessEvents(OPTS);
  // A listener that lived 30 s (less than minAge), a long-lived process with no listener (an editor).
  run(ev, 0, 30_000, 1000, (ts) => ({ procs: [proc(10, 'young', 0), proc(11, 'vim', 0)], ...(ts === 10_000 ? { sockets: [listen(10, 9000)] } : {}) }));
  assert.deepEqual(run(ev, 30_000, 40_000, 1000, (ts) => ({ procs: ts < 35_000 ? [proc(11, 'vim', 0)] : [] })), []);
  // A long-lived listener restarted by its supervisor between two tables: a new pid, no gap.
  const ev2 = new ProcessEvents(OPTS);
  run(ev2, 0, 90_000, 1000, (ts) => ({ procs: [proc(20, 'api', 0)], ...(ts === 10_000 ? { sockets: [listen(20, 80)] } : {}) }));
  assert.deepEqual(run(ev2, 90_000, 200_000, 1000, () => ({ procs: [proc(21, 'api', 89_500)] })), [], 'one restart is not an exit nor a loop');
});

test('a process that used to stay up and now keeps restarting raises a restart loop; it resolves after a quiet window', () => {
  const ev = new ProcessEvents(OPTS);
  run(ev, 0, 120_000, 2000, () => ({ procs: [proc(100, 'pay', 0)] }));
  // From 120 s every table (2 s) catches a new short-lived instance of the same identity.
  let pid = 200;
  const loop = run(ev, 120_000, 180_000, 2000, (ts) => ({ procs: [proc(pid++, 'pay', ts - 300)] }));
  assert.equal(loop.length, 1, JSON.stringify(loop));
  assert.equal(loop[0]!.type, 'open');
  assert.equal(loop[0]!.seriesKey, loopKey('pay'));
  assert.equal(loop[0]!.startMs, 119_700, 'onset: the first new instance started');
  assert.equal(loop[0]!.tsMs, 124_000, 'raised at the third start');
  assert.deepEqual(loop[0]!.points, [[119_700, 1], [121_700, 2], [123_700, 3]]);
  // Fixed at 180 s: one instance stays up; a window later the loop resolves.
  const fixed = run(ev, 180_000, 260_000, 2000, () => ({ procs: [proc(999, 'pay', 180_000)] }));
  assert.deepEqual(fixed.map((e) => [e.type, e.alertId]), [['resolve', loop[0]!.alertId]]);
  // The fixed instance's own start (180 s) is the last start: the first table a full window after it.
  assert.equal(fixed[0]!.tsMs, 242_000);
});

/** A supervisor's log line, as the collector ships it (the writer named by the file it holds open). */
function line(ts: number, msg: string, unit = 'supervisord'): LogRecord {
  return { ts, src: 'file:/var/log/supervisor/supervisord.log', level: 'info', msg, unit, pid: 2 };
}

test('a crash loop no table catches is seen from the supervisor\'s own lines: spawned pids count as starts', () => {
  const ev = new ProcessEvents(OPTS);
  run(ev, 0, 120_000, 1000, () => ({ procs: [proc(100, 'pay', 0)] }));
  // Killed at 120 s; supervisord restarts it every second and every instance dies within milliseconds:
  // the tables show no instance at all, only supervisord's lines say what happens.
  const out: AlertEvent[] = [];
  for (let ts = 120_000, pid = 500; ts < 130_000; ts += 1000, pid++) {
    ev.observeLogs('h1', [line(ts - 400, `2026-11-26 05:50:01,123 INFO spawned: 'pay' with pid ${pid}`), line(ts - 300, `2026-11-26 05:50:01,223 INFO exited: pay (exit status 1; not expected)`)]);
    out.push(...ev.observe('h1', ts, [SHELL, SUPERVISOR]));
  }
  const opened = out.filter((e) => e.type === 'open');
  assert.equal(opened.length, 1, JSON.stringify(out));
  assert.equal(opened[0]!.seriesKey, loopKey('pay'));
  assert.equal(opened[0]!.startMs, 119_600, 'onset: the first spawned line');
  assert.equal(opened[0]!.tsMs, 122_000, 'raised at the table after the third start');
  assert.deepEqual(opened[0]!.points, [[119_600, 1], [120_600, 2], [121_600, 3]]);
  // The same lines from a process that is no supervisor, or a program no table ever showed, count nothing.
  const other = new ProcessEvents(OPTS);
  run(other, 0, 120_000, 1000, () => ({ procs: [proc(100, 'pay', 0)] }));
  const none: AlertEvent[] = [];
  for (let ts = 120_000, pid = 500; ts < 130_000; ts += 1000, pid++) {
    other.observeLogs('h1', [line(ts - 400, `INFO spawned: 'pay' with pid ${pid}`, 'tail'), line(ts - 400, `INFO spawned: 'ghost' with pid ${pid + 1000}`)]);
    none.push(...other.observe('h1', ts, [SHELL, SUPERVISOR, proc(100, 'pay', 0)]));
  }
  assert.deepEqual(none, []);
});

test('a supervisor\'s program is matched to its process by a spawned pid a table showed; a start is counted once', () => {
  const ev = new ProcessEvents(OPTS);
  ev.observe('h1', 0, [SHELL, SUPERVISOR]);
  // Program `payments` runs as process `pay-worker`: supervisord's line names the program and the pid.
  ev.observeLogs('h1', [line(500, `INFO spawned: 'payments' with pid 100`)]);
  run(ev, 1000, 120_000, 1000, () => ({ procs: [proc(100, 'pay-worker', 600)] }));
  assert.equal(ev.processOfProgram('h1', 'payments'), 'pay-worker');
  assert.equal(ev.processOfProgram('h1', 'other'), 'other', 'unknown programs keep their name');
  // Restarts from 120 s; the table at 121 s also catches the first new instance (pid 501): one start, not two.
  const out: AlertEvent[] = [];
  for (let ts = 120_000, pid = 501; ts < 124_000; ts += 1000, pid++) {
    ev.observeLogs('h1', [line(ts - 400, `INFO spawned: 'payments' with pid ${pid}`)]);
    out.push(...ev.observe('h1', ts, [SHELL, SUPERVISOR, ...(pid === 501 ? [proc(501, 'pay-worker', ts - 390)] : [])]));
  }
  const opened = out.filter((e) => e.type === 'open');
  assert.equal(opened.length, 1, JSON.stringify(out));
  assert.equal(opened[0]!.seriesKey, loopKey('pay-worker'));
  assert.equal(opened[0]!.tsMs, 122_000, 'three distinct starts by 122 s (pid 501 counted once)');
  assert.equal(opened[0]!.points.length, 3);
});

test('systemd\'s scheduled restarts count as starts, and the instance a table then catches is the same start', () => {
  const ev = new ProcessEvents({ ...OPTS, restartCount: 4 });
  run(ev, 0, 120_000, 1000, () => ({ procs: [proc(100, 'pay', 0, '/usr/bin/pay --serve', 3)] }));
  const SYSTEMD = proc(3, 'systemd', 0, '/sbin/init', 0);
  const out: AlertEvent[] = [];
  for (let ts = 120_000, pid = 700; ts < 126_000; ts += 1000, pid++) {
    ev.observeLogs('h1', [line(ts - 500, 'pay.service: Scheduled restart job, restart counter is at 3.', 'systemd')]);
    // Every table catches the instance systemd just started (0.3 s after the line).
    out.push(...ev.observe('h1', ts, [SHELL, SUPERVISOR, SYSTEMD, proc(pid, 'pay', ts - 200, '/usr/bin/pay --serve', 3)]));
  }
  const opened = out.filter((e) => e.type === 'open');
  assert.equal(opened.length, 1, JSON.stringify(out));
  assert.equal(opened[0]!.tsMs, 123_000, 'four starts (not eight) at the fourth table');
  assert.deepEqual(opened[0]!.points.map(([t]) => t), [119_500, 120_500, 121_500, 122_500]);
});

test('short-lived by design (a sleep loop, a cron job) is never a restart loop; tables out of order are ignored', () => {
  const ev = new ProcessEvents(OPTS);
  let pid = 300;
  // `sleep 1` run again every second by a shell loop: never ran for minAge.
  assert.deepEqual(run(ev, 0, 300_000, 1000, (ts) => ({ procs: [proc(pid++, 'sleep', ts - 100, 'sleep 1')] })), []);
  assert.deepEqual(ev.observe('h1', 100_000, [SHELL]), [], 'an older table (spool replay) changes nothing');
  // A tool that runs `bash -c …` again and again, one of them long: a shell's children are not a service.
  const tool = new ProcessEvents(OPTS);
  run(tool, 0, 120_000, 2000, () => ({ procs: [proc(400, 'bash', 0, '/bin/bash', 1)] }));
  assert.deepEqual(run(tool, 120_000, 240_000, 2000, (ts) => ({ procs: [proc(pid++, 'bash', ts - 300, '/bin/bash', 1)] })), []);
});

test('processes already running at a host\'s first table are not starts', () => {
  const ev = new ProcessEvents(OPTS);
  // The console starts while many instances of a pre-forked server run (all started at 0).
  const table = [1, 2, 3, 4, 5].map((i) => proc(i + 10, 'worker', 0, 'worker --pool'));
  assert.deepEqual(run(ev, 120_000, 200_000, 1000, () => ({ procs: table })), []);
});

test('open event alerts from before a restart of the console resolve when their process runs again', () => {
  const ev = new ProcessEvents(OPTS);
  const adopted: Alert = { id: 'exit-old', hostId: 'h1', seriesKey: exitKey('srv', 42), severity: 'critical', state: 'open', startMs: 50_000, peakScore: 0.9, lastScore: 1, evidence: { baseline: 1, points: [] }, noise: false };
  ev.adopt([adopted, { ...adopted, id: 'metric', seriesKey: 'cpu.util_pct' }]);
  const out = run(ev, 100_000, 130_000, 1000, () => ({ procs: [proc(43, 'srv', 100_000)] }));
  assert.deepEqual(out.map((e) => [e.type, e.alertId, e.seriesKey, e.tsMs]), [['resolve', 'exit-old', exitKey('srv', 42), 110_000]]);
});

test('identities per host are bounded', () => {
  const ev = new ProcessEvents({ ...OPTS, maxIdentities: 50 });
  for (let ts = 0; ts < 100; ts++) ev.observe('h1', ts * 1000, [proc(1000 + ts, `p${ts}`, ts * 1000)]);
  // No direct view of the map: a fresh long-lived listener still gets its exit raised (the map kept working).
  run(ev, 100_000, 200_000, 1000, (ts) => ({ procs: [proc(5, 'db', 100_000)], ...(ts === 110_000 ? { sockets: [listen(5, 5432)] } : {}) }));
  const out = run(ev, 200_000, 205_000, 1000, () => ({ procs: [] }));
  assert.deepEqual(out.map((e) => e.seriesKey), [exitKey('db', 5)]);
});

test('after a gap in the tables (the host was down) tracking starts over: no exit per service it ran', () => {
  const ev = new ProcessEvents(OPTS);
  run(ev, 0, 120_000, 1000, (ts) => ({ procs: [proc(42, 'srv', 0), proc(43, 'db', 0)], ...(ts === 10_000 ? { sockets: [listen(42, 80), listen(43, 5432)] } : {}) }));
  // Rebooted: five minutes without a table, then only db is back (srv starts later).
  assert.deepEqual(run(ev, 420_000, 440_000, 1000, () => ({ procs: [proc(7, 'db', 410_000)] })), []);
});

test('a supervisor and its programs are known as parent and child, by name', () => {
  const ev = new ProcessEvents(OPTS);
  run(ev, 0, 5_000, 1000, () => ({ procs: [proc(100, 'cerebro-pay', 0)] }));
  assert.equal(ev.parentOf('h1', 'cerebro-pay', 'supervisord'), true);
  assert.equal(ev.parentOf('h1', 'supervisord', 'cerebro-pay'), true, 'either way round');
  assert.equal(ev.parentOf('h1', 'cerebro-pay', 'bash'), false);
  assert.equal(ev.parentOf('other', 'cerebro-pay', 'supervisord'), false);
  assert.equal(ev.supervisorOf('h1', 'cerebro-pay'), 'supervisord', 'run by a supervisor: a service');
  assert.equal(ev.supervisorOf('h1', 'supervisord'), null);
  assert.equal(ev.supervisorOf('h1', 'never-seen'), null);
});
