/**
 * The log pipeline on real files in a temp dir: appends, partial lines, rotation by rename and by
 * copytruncate, files that appear later, offsets that survive a restart (and a crash before the spool
 * append), garbage bytes, the batch byte cap, the rate limit and redaction.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogRecord, LogStats } from '@cerebro/shared/protocol/messages';
import { DEFAULT_LOGS, type LogsConfig } from './config';
import { createLogCollector, syslogProgram, type LogCollector } from './log-collector';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup(t: TestContext): { dir: string; state: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-logs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const state = path.join(dir, 'state');
  fs.mkdirSync(state);
  fs.mkdirSync(path.join(dir, 'logs'));
  return { dir, state };
}

function config(dir: string, extra: Partial<LogsConfig> = {}): LogsConfig {
  return { ...DEFAULT_LOGS, files: [path.join(dir, 'logs', '*.log')], journal: false, startAt: 'beginning', multiline: { ...DEFAULT_LOGS.multiline, idleMs: 0 }, partialLineMs: 300, rescanMs: 500, ...extra };
}

class Harness {
  seq: number;
  readonly notices: string[] = [];
  readonly records: LogRecord[] = [];
  stats: LogStats | null = null;
  readonly lc: LogCollector;
  constructor(
    t: TestContext,
    dir: string,
    state: string,
    extra: Partial<LogsConfig> = {},
    nextSeq = 1,
  ) {
    this.seq = nextSeq;
    const made = createLogCollector({ config: config(dir, extra), stateDir: state, spoolNextSeq: nextSeq, log: () => undefined });
    assert.ok(made.collector, 'a collector is created');
    this.lc = made.collector;
    this.lc.start();
    t.after(() => this.lc.stop());
  }
  /** One tick whose batch reaches the spool. */
  tick(commit = true): LogRecord[] {
    this.lc.collect((n) => this.notices.push(n));
    const part = this.lc.take(this.seq++);
    if (part.logStats) this.stats = part.logStats;
    if (commit) this.lc.committed();
    this.records.push(...(part.logs ?? []));
    return part.logs ?? [];
  }
  msgs(): string[] {
    return this.records.map((r) => r.msg);
  }
}

const lines = (from: number, to: number, prefix = 'line'): string => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}\n`).join('');

test('appended lines arrive once and in order, with source, level and read time', (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, 'INFO start\nERROR boom\n');
  const h = new Harness(t, dir, state);
  const before = Date.now();
  h.tick();
  fs.appendFileSync(file, lines(1, 3));
  h.tick();
  h.tick();
  assert.deepEqual(h.msgs(), ['INFO start', 'ERROR boom', 'line 1', 'line 2', 'line 3']);
  assert.deepEqual(h.records.slice(0, 2).map((r) => r.level), ['info', 'error']);
  assert.ok(h.records.every((r) => r.src === `file:${file}` && r.ts >= before && r.ts <= Date.now()));
  assert.equal(h.stats?.records, 5);
  assert.equal(h.stats?.sources, 1);
});

test('a partial last line waits for its newline, and is flushed after partialLineMs if none comes', async (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, 'first\nsec');
  const h = new Harness(t, dir, state);
  h.tick();
  assert.deepEqual(h.msgs(), ['first']);
  fs.appendFileSync(file, 'ond\nthi');
  h.tick();
  assert.deepEqual(h.msgs(), ['first', 'second'], 'the rest of the line completes it');
  await sleep(350);
  h.tick();
  assert.deepEqual(h.msgs(), ['first', 'second', 'thi'], 'flushed after the timeout');
  fs.appendFileSync(file, 'rd\n');
  h.tick();
  assert.deepEqual(h.msgs(), ['first', 'second', 'thi', 'rd']);
});

test('rotation by rename: the old file is read to its end, then the new one from its start', (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, lines(1, 3));
  const h = new Harness(t, dir, state);
  h.tick();
  const fd = fs.openSync(file, 'a');
  fs.writeSync(fd, lines(4, 5));
  fs.renameSync(file, path.join(dir, 'logs', 'app.log.1'));
  fs.writeSync(fd, lines(6, 7)); // the writer has not reopened yet
  fs.closeSync(fd);
  fs.writeFileSync(file, lines(8, 9));
  h.tick();
  h.tick();
  assert.deepEqual(h.msgs(), lines(1, 9).trim().split('\n'));
  assert.ok(h.records.every((r) => r.src === `file:${file}`));
});

test('copytruncate: a file that shrank is read again from its start', (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, lines(1, 50));
  const h = new Harness(t, dir, state);
  h.tick();
  fs.copyFileSync(file, path.join(dir, 'logs', 'app.log.1'));
  fs.truncateSync(file, 0);
  fs.appendFileSync(file, lines(51, 52));
  h.tick();
  // Truncated and refilled beyond the old size before the next poll: the size alone cannot show it.
  fs.truncateSync(file, 0);
  fs.appendFileSync(file, lines(53, 100, 'longer line'));
  h.tick();
  assert.deepEqual(h.msgs(), [...lines(1, 52).trim().split('\n'), ...lines(53, 100, 'longer line').trim().split('\n')]);
});

test('a file that appears later is found at the next rescan and read from its start', async (t) => {
  const { dir, state } = setup(t);
  fs.writeFileSync(path.join(dir, 'logs', 'a.log'), 'a1\n');
  const h = new Harness(t, dir, state, { startAt: 'end' });
  h.tick();
  assert.deepEqual(h.msgs(), [], 'startAt end: an existing file at the first start is read from its end');
  fs.writeFileSync(path.join(dir, 'logs', 'b.log'), 'b1\nb2\n');
  fs.writeFileSync(path.join(dir, 'logs', 'c.txt'), 'not matched\n');
  fs.appendFileSync(path.join(dir, 'logs', 'a.log'), 'a2\n');
  await sleep(550);
  h.tick();
  assert.deepEqual(h.msgs().sort(), ['a2', 'b1', 'b2']);
});

test('offsets survive a restart: nothing lost, nothing repeated; a crash before the spool append re-reads the batch', (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, lines(1, 3));
  const a = new Harness(t, dir, state);
  a.tick();
  fs.appendFileSync(file, lines(4, 5));
  a.tick();
  a.lc.stop();
  fs.appendFileSync(file, lines(6, 7));
  const b = new Harness(t, dir, state, {}, a.seq);
  b.tick();
  assert.deepEqual([...a.msgs(), ...b.msgs()], lines(1, 7).trim().split('\n'));

  // Batch seq S is prepared but the process dies before the append: the next start (spool nextSeq = S) re-reads it.
  fs.appendFileSync(file, lines(8, 9));
  const crashedSeq = b.seq;
  const lost = b.tick(false);
  assert.deepEqual(lost.map((r) => r.msg), ['line 8', 'line 9']);
  const c = new Harness(t, dir, state, {}, crashedSeq);
  c.tick();
  assert.deepEqual(c.msgs(), ['line 8', 'line 9']);
  // And had the append happened (spool nextSeq > S), they would not come again.
  c.lc.stop();
  const d = new Harness(t, dir, state, {}, c.seq);
  d.tick();
  assert.deepEqual(d.msgs(), []);
});

test('a file rotated while the collector was stopped is finished from its saved offset under the rotated name', (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, lines(1, 2));
  const a = new Harness(t, dir, state);
  a.tick();
  a.lc.stop();
  fs.appendFileSync(file, lines(3, 4));
  fs.renameSync(file, path.join(dir, 'logs', 'app.log.1'));
  fs.writeFileSync(file, lines(5, 6));
  const b = new Harness(t, dir, state, {}, a.seq);
  b.tick();
  assert.deepEqual(b.msgs().sort(), ['line 3', 'line 4', 'line 5', 'line 6']);
});

test('binary garbage and invalid UTF-8 become replacement characters, never an exception', (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'bin.log');
  fs.writeFileSync(file, Buffer.concat([Buffer.from('ok\n'), Buffer.from([0xff, 0xfe, 0x00, 0x01, 0xc3, 0x0a]), Buffer.from('\x1b[31mred\x1b[0m\r\n'), Buffer.from([0xe2, 0x82])]));
  const h = new Harness(t, dir, state, { partialLineMs: 0 });
  h.tick();
  assert.deepEqual(h.msgs(), ['ok', '\ufffd\ufffd\ufffd\ufffd\ufffd', 'red', '\ufffd']);
});

test('the batch byte cap leaves the rest for the next tick; the rate limit drops, counts and reports', (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'big.log');
  fs.writeFileSync(file, Array.from({ length: 300 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(1000)}\n`).join(''));
  const h = new Harness(t, dir, state, { maxBatchBytes: 64 * 1024, rateLimit: { perSec: 1_000_000, burst: 1_000_000 } });
  const first = h.tick();
  assert.ok(first.length > 10 && first.length < 70, `a 64 KiB cap holds ~60 records of 1 KB, got ${first.length}`);
  for (let i = 0; i < 10; i++) h.tick();
  assert.equal(h.records.length, 300, 'nothing dropped by the cap');
  assert.deepEqual(h.msgs().map((m) => Number(m.slice(0, 4))), Array.from({ length: 300 }, (_, i) => i));

  const limited = setup(t);
  fs.writeFileSync(path.join(limited.dir, 'logs', 'storm.log'), lines(1, 100));
  const r = new Harness(t, limited.dir, limited.state, { rateLimit: { perSec: 1, burst: 10 } });
  r.tick();
  assert.equal(r.records.length, 10);
  assert.equal(r.stats?.droppedRateLimit, 90);
  assert.ok(r.notices.some((n) => /rate limit of 1 records\/s .* dropped 90 records/.test(n)), r.notices.join('\n'));
});

test('secrets are redacted before batching and counted', (t) => {
  const { dir, state } = setup(t);
  fs.writeFileSync(path.join(dir, 'logs', 'app.log'), 'login password=hunter2\nAuthorization: Bearer abc.def.ghi123\n');
  const h = new Harness(t, dir, state, { redact: ['(?<=user=)\\w+'] });
  fs.appendFileSync(path.join(dir, 'logs', 'app.log'), 'user=bob ok\n');
  h.tick();
  assert.deepEqual(h.msgs(), ['login password=<redacted>', 'Authorization: Bearer <redacted>', 'user=<redacted> ok']);
  assert.equal(h.stats?.redactions, 3);
});

test('with nothing to follow there is no collector at all (no timers, no reads)', () => {
  const made = createLogCollector({ config: { ...DEFAULT_LOGS, files: 'auto', journal: false }, stateDir: os.tmpdir(), spoolNextSeq: 1, log: () => undefined });
  if (fs.existsSync('/var/log/syslog') || fs.existsSync('/var/log/messages')) return; // auto follows them on such a host
  assert.equal(made.collector, null);
});

test('rename rotation where the new file is only found by a rescan: the old file\'s last lines still come first', async (t) => {
  const { dir, state } = setup(t);
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, lines(1, 2));
  const h = new Harness(t, dir, state);
  h.tick();
  const fd = fs.openSync(file, 'a');
  fs.renameSync(file, path.join(dir, 'logs', 'app.log.1'));
  h.tick(); // sees the path gone: drains the old inode
  fs.writeSync(fd, lines(3, 4)); // the writer has not reopened yet
  fs.closeSync(fd);
  fs.writeFileSync(file, lines(5, 6)); // ... now it has
  await sleep(550);
  h.tick(); // the rescan finds the new file in the same tick as the old one's last lines are read
  assert.deepEqual(h.msgs(), lines(1, 6).trim().split('\n'));
});

test('a syslog line names its program; an application line with a level where the host goes does not', () => {
  assert.deepEqual(syslogProgram('Nov 10 12:00:00 web-01 sshd[123]: Accepted publickey for ops'), { unit: 'sshd', pid: 123 });
  assert.deepEqual(syslogProgram('2024-11-10T12:00:00.123456+00:00 web-01 kernel: Out of memory: Killed process 7 (java)'), { unit: 'kernel' });
  assert.equal(syslogProgram('2026-11-25T23:58:00.000Z ERROR ledger: cannot post entry 17'), null);
  assert.equal(syslogProgram('2026-11-25T23:58:00.000Z INFO orders: request 5 ok'), null);
  assert.equal(syslogProgram('GET /index.html 200'), null);
});
