/**
 * Log lines reach the console exactly once, in order, through rotation by rename, copytruncate and a
 * collector restart: a child process writes numbered lines to a followed file while the test rotates it
 * (rename + SIGHUP, as logrotate does), restarts the real collector, and truncates the file mid-stream
 * (copytruncate). The console's GET /logs must then hold every number once, in order.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLine, LogSearchView } from '@cerebro/shared/api/contract';
import { Proc, createTokenFile, startCollector, startConsole, tempDir, waitFor, type RunningConsole } from '../helpers/cerebro';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Appends "seq=N ..." lines (two every 10 ms) with O_APPEND; SIGHUP reopens the path (after a rename);
// SIGTERM writes the last number to COUNT and exits.
const WRITER = `
const fs = require('fs');
const [file, countFile] = process.argv.slice(1);
let fd = fs.openSync(file, 'a');
let n = 0;
process.on('SIGHUP', () => { fs.closeSync(fd); fd = fs.openSync(file, 'a'); });
process.on('SIGTERM', () => { fs.writeFileSync(countFile, String(n)); process.exit(0); });
setInterval(() => { for (let i = 0; i < 2; i++) { n++; fs.writeSync(fd, 'seq=' + n + ' GET /api/items?page=' + (n % 7) + ' took ' + (n % 13) + 'ms\\n'); } }, 10);
`;

/** Every record of `hostId` the console serves, oldest first (GET /logs pages newest first). */
async function allLogs(con: RunningConsole, hostId: string): Promise<LogLine[]> {
  const out: LogLine[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: LogSearchView = await con.api('logs', undefined, { host: hostId, limit: 1000, from: 0, to: Date.now() + 60_000, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    if (!page.cursor || page.records.length === 0) break;
    cursor = page.cursor;
  }
  return out.reverse();
}

test('every line of a rotated, restarted and truncated file arrives exactly once, in order', async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const tokenFile = createTokenFile(home, home);
  const hostId = `it-logs-${process.pid}`;
  const logDir = path.join(home, 'applogs');
  fs.mkdirSync(logDir);
  const file = path.join(logDir, 'app.log');
  const countFile = path.join(home, 'count');
  const config = path.join(home, 'collector.json');
  fs.writeFileSync(config, JSON.stringify({ logs: { files: [path.join(logDir, '*.log')], journal: false, startAt: 'beginning' } }));
  const stateDir = path.join(home, 'collector');
  const collectorOptions = { ingestUrl: con.info.ingestUrl, tokenFile, stateDir, hostId, intervalMs: 500, args: ['--config', config] };
  let collector = await startCollector(t, collectorOptions);

  const writer = new Proc('writer', spawn(process.execPath, ['-e', WRITER, file, countFile], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.after(() => writer.stop('SIGKILL'));
  const shipped = async (min: number): Promise<number> =>
    waitFor(`at least ${min} log records at the console`, async () => {
      if (!collector.proc.running) throw new Error(`collector exited:\n${collector.proc.tail()}`);
      const n = (await allLogs(con, hostId)).length;
      return n >= min ? n : null;
    }, 20_000, 300);

  await shipped(100);
  // Rotation by rename: the writer keeps writing to the renamed file until SIGHUP makes it reopen the path.
  fs.renameSync(file, path.join(logDir, 'app.log.1'));
  await sleep(300);
  writer.child.kill('SIGHUP');
  await sleep(1500);
  const afterRename = await shipped(400);
  t.diagnostic(`${afterRename} records after the rename rotation`);

  // Collector restart while the writer goes on: the lines written meanwhile come from the saved offset.
  assert.equal(await collector.proc.stop('SIGTERM'), 0, collector.proc.tail());
  await sleep(1500);
  collector = await startCollector(t, collectorOptions);
  await sleep(2000);

  // copytruncate: logrotate copies the file, then truncates it in place; the writer (O_APPEND) goes on at 0.
  // Lines written between the copy and the truncate are lost by copytruncate itself, so the writer is paused
  // across it and the collector given time to read everything first.
  writer.child.kill('SIGSTOP');
  await sleep(1500);
  fs.copyFileSync(file, path.join(logDir, 'app.log.2'));
  fs.truncateSync(file, 0);
  writer.child.kill('SIGCONT');
  await sleep(2000);
  await writer.stop('SIGTERM');
  const total = Number(fs.readFileSync(countFile, 'utf8'));
  assert.ok(total > 1000, `the writer wrote ${total} lines`);

  const records = await waitFor(`all ${total} lines at the console`, async () => {
    const all = await allLogs(con, hostId);
    return all.length >= total ? all : null;
  }, 20_000, 500);
  const numbers = records.map((r) => Number(/^seq=(\d+) /.exec(r.msg)?.[1]));
  const dupes = numbers.filter((n, i) => numbers.indexOf(n) !== i);
  assert.deepEqual(dupes.slice(0, 10), [], `no line twice (${dupes.length} duplicates)`);
  assert.equal(records.length, total, 'every line once');
  const firstOutOfOrder = numbers.findIndex((n, i) => n !== i + 1);
  if (firstOutOfOrder >= 0) {
    const at = numbers.indexOf(firstOutOfOrder + 1);
    t.diagnostic(`line ${firstOutOfOrder + 1} is at position ${at}: ${records.slice(Math.max(0, at - 2), at + 3).map((r) => `${r.msg.slice(0, 9)} ts=${r.ts} id=${r.id}`).join(' | ')}; around its place: ${records.slice(firstOutOfOrder - 1, firstOutOfOrder + 2).map((r) => `${r.msg.slice(0, 9)} ts=${r.ts} id=${r.id}`).join(' | ')}`);
  }
  assert.equal(firstOutOfOrder, -1, `in order; from position ${firstOutOfOrder}: ${numbers.slice(Math.max(0, firstOutOfOrder - 3), firstOutOfOrder + 5).join(', ')} (ts ${records.slice(Math.max(0, firstOutOfOrder - 3), firstOutOfOrder + 5).map((r) => r.ts).join(', ')})`);
  assert.ok(records.every((r) => r.src === `file:${file}` && r.level === 'unknown'), 'one stream, under the path that was followed');

  // The collector's counters reached the console too.
  const host = await con.api('host', hostId);
  t.diagnostic(`host logs counters: ${JSON.stringify((host as unknown as { logStats?: unknown }).logStats ?? null)}`);
  assert.equal(await collector.proc.stop('SIGINT'), 0, collector.proc.tail());
});
