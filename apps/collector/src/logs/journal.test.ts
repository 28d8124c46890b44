/**
 * The journal source against a FAKE `journalctl` (a shell script put first on PATH): no journald can run
 * on the build machines (no systemd), so the fake prints `-o json` lines as journalctl does, records the
 * arguments it was started with, and then either follows (sleeps) or exits, as the test asks.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogRecord } from '@cerebro/shared/protocol/messages';
import { DEFAULT_LOGS } from './config';
import { journalUnavailable, parseJournalLine } from './journal';
import { createLogCollector, type LogCollector } from './log-collector';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function entry(cursor: string, message: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ __CURSOR: cursor, __REALTIME_TIMESTAMP: '1731240000123456', MESSAGE: message, PRIORITY: '6', SYSLOG_IDENTIFIER: 'sshd', _SYSTEMD_UNIT: 'ssh.service', _PID: '4242', ...extra });
}

test('journal JSON maps PRIORITY, SYSLOG_IDENTIFIER/_SYSTEMD_UNIT, _PID and __REALTIME_TIMESTAMP', () => {
  assert.deepEqual(parseJournalLine(entry('c1', 'Accepted publickey', { PRIORITY: '3' })), { ts: 1731240000123, msg: 'Accepted publickey', level: 'error', unit: 'sshd', pid: 4242, cursor: 'c1' });
  const noIdent = parseJournalLine(entry('c2', [104, 105, 0xff], { SYSLOG_IDENTIFIER: undefined, PRIORITY: undefined }));
  assert.equal(noIdent?.unit, 'ssh.service');
  assert.equal(noIdent?.msg, 'hi\ufffd', 'a byte-array MESSAGE is decoded');
  assert.equal(noIdent?.level, 'unknown', 'without PRIORITY the level comes from the text');
  assert.equal(parseJournalLine('{"MESSAGE":"no cursor"}'), null);
  assert.equal(parseJournalLine('not json'), null);
});

function fakeJournal(t: TestContext, output: string[], exitAfter: boolean): { env: NodeJS.ProcessEnv; argsFile: string; pidFile: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-journal-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const out = path.join(dir, 'out.jsonl');
  fs.writeFileSync(out, output.map((l) => l + '\n').join(''));
  const argsFile = path.join(dir, 'args');
  const pidFile = path.join(dir, 'pid');
  fs.writeFileSync(
    path.join(bin, 'journalctl'),
    `#!/bin/sh\n# FAKE journalctl for tests: prints canned -o json lines, records its arguments.\necho "$*" >> '${argsFile}'\necho $$ > '${pidFile}'\ncat '${out}'\n${exitAfter ? "# first run exits, later runs follow\nif [ ! -f '" + dir + "/ran' ]; then touch '" + dir + "/ran'; exit 3; fi\n" : ''}exec sleep 1000\n`,
    { mode: 0o755 },
  );
  return { env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` }, argsFile, pidFile, dir };
}

function start(t: TestContext, state: string, env: NodeJS.ProcessEnv, nextSeq = 1): { lc: LogCollector; records: LogRecord[]; notices: string[]; tick: () => void } {
  const made = createLogCollector({ config: { ...DEFAULT_LOGS, files: [], journal: true }, stateDir: state, spoolNextSeq: nextSeq, log: () => undefined, journal: { env, backoffBaseMs: 100 } });
  assert.ok(made.collector);
  const lc = made.collector;
  lc.start();
  t.after(() => lc.stop());
  const records: LogRecord[] = [];
  const notices: string[] = [];
  let seq = nextSeq;
  return {
    lc,
    records,
    notices,
    tick() {
      lc.collect((n) => notices.push(n));
      records.push(...(lc.take(seq++).logs ?? []));
      lc.committed();
    },
  };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('entries from a fake journalctl become records; a dead child restarts after the last cursor read; stop kills it', async (t) => {
  const fake = fakeJournal(t, [entry('c1', 'one'), entry('c2', 'login password=hunter2', { PRIORITY: '4' })], true);
  const state = path.join(fake.dir, 'state');
  fs.mkdirSync(state);
  const j = start(t, state, fake.env);
  await until('two runs of journalctl', () => fs.existsSync(fake.argsFile) && fs.readFileSync(fake.argsFile, 'utf8').trim().split('\n').length >= 2);
  await sleep(100);
  j.tick();
  const runs = fs.readFileSync(fake.argsFile, 'utf8').trim().split('\n');
  assert.equal(runs[0], '-o json --all --follow --no-pager --lines=0', 'the first start, without a cursor, begins at the end');
  assert.equal(runs[1], '-o json --all --follow --no-pager --after-cursor=c2', 'the restart continues after the last entry read');
  assert.ok(j.notices.some((n) => /journalctl exited with code 3; restarting it/.test(n)), j.notices.join('\n'));
  // The second run printed the same canned lines again (a real journalctl would not, given the cursor).
  assert.deepEqual(j.records.slice(0, 2), [
    { ts: 1731240000123, src: 'journal', level: 'info', msg: 'one', unit: 'sshd', pid: 4242 },
    { ts: 1731240000123, src: 'journal', level: 'warn', msg: 'login password=<redacted>', unit: 'sshd', pid: 4242 },
  ]);
  const pid = Number(fs.readFileSync(fake.pidFile, 'utf8'));
  assert.doesNotThrow(() => process.kill(pid, 0), 'the follower is running');
  j.lc.stop();
  await until('the journalctl child to be killed', () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });

  // A new collector resumes after the cursor of the last entry shipped.
  const again = start(t, state, fake.env, 100);
  await until('a third run', () => fs.readFileSync(fake.argsFile, 'utf8').trim().split('\n').length >= 3);
  assert.equal(fs.readFileSync(fake.argsFile, 'utf8').trim().split('\n')[2], '-o json --all --follow --no-pager --after-cursor=c2');
  again.lc.stop();
});

test('"auto" without a journal says so once and follows nothing (no journald here)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-journal-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const emptyJournalDir = path.join(dir, 'journal');
  fs.mkdirSync(emptyJournalDir);
  const fake = fakeJournal(t, [], false);
  assert.match(journalUnavailable(fake.env, [emptyJournalDir]) ?? '', /no journal files in .*journal \(systemd-journald does not run here\)/);
  assert.equal(journalUnavailable({ PATH: dir }, [emptyJournalDir]), 'journalctl is not installed');
  fs.writeFileSync(path.join(emptyJournalDir, 'system.journal'), '');
  assert.equal(journalUnavailable(fake.env, [emptyJournalDir]), null);
  fs.rmSync(path.join(emptyJournalDir, 'system.journal'));
  const made = createLogCollector({ config: { ...DEFAULT_LOGS, files: [], journal: 'auto' }, stateDir: dir, spoolNextSeq: 1, log: () => undefined, journal: { env: fake.env, dirs: [emptyJournalDir] } });
  assert.equal(made.collector, null);
  assert.equal(made.notices.length, 1);
  assert.match(made.notices[0] ?? '', /the systemd journal is not collected: no journal files/);
});
