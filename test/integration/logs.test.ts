/**
 * Logs end to end: a simulated collector ships log batches to a real console process; search, templates,
 * the live tail, a new-template alert and the CLI see them; a SIGKILL and a restart (WAL replay) keep
 * every record exactly once, and a collector resending unacked batches doubles nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { LIVE_PATH, LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, type LiveEvent, type LogLine, type RouteResponses } from '@cerebro/shared/api/contract';
import type { LogRecord } from '@cerebro/shared/protocol/messages';
import { ROOT, createTokenFile, startConsole, tempDir, waitFor, type RunningConsole } from '../helpers/cerebro';
import { LogCollector } from '../helpers/log-collector';

const HOST = 'it-logs-host';
const MARK = `mark${process.pid}`;

function lines(seq: number, n: number, t0: number): LogRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const k = seq * 100 + i;
    if (i === 0 && seq === 3) return { ts: t0 + i, src: 'journal', level: 'error', msg: `payment gateway rejected card ${k}: insufficient funds ${MARK}`, unit: 'pay.service', pid: 4242 };
    return { ts: t0 + i, src: 'file:/var/log/app.log', level: i % 5 === 0 ? 'warn' : 'info', msg: `request ${k} served in ${i} ms ${MARK}` };
  });
}

async function allLines(con: RunningConsole): Promise<LogLine[]> {
  const out: LogLine[] = [];
  let cursor: string | null = null;
  do {
    const page: RouteResponses['logs'] = await con.api('logs', undefined, { host: HOST, limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

function liveTail(con: RunningConsole, filter: Record<string, unknown>): { lines: LogLine[]; close(): void; ready: Promise<void> } {
  const ws = new WebSocket(con.info.apiUrl.replace(/^http/, 'ws') + LIVE_PATH, [LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + con.info.apiToken]);
  const got: LogLine[] = [];
  const ready = new Promise<void>((resolve) => ws.on('open', () => {
    ws.send(JSON.stringify({ op: 'subscribe', id: 't', topic: 'logs', ...filter }));
    resolve();
  }));
  ws.on('message', (d: Buffer) => {
    const e = JSON.parse(d.toString()) as LiveEvent;
    if (e.type === 'logs') got.push(...e.records);
  });
  return { lines: got, close: () => ws.close(), ready };
}

test('log batches are stored, searchable, tailed, alerted on, and survive a SIGKILL without duplicates', { timeout: 120_000 }, async (t) => {
  const home = tempDir(t);
  const args = ['--log-learning-minutes', '0'];
  let con = await startConsole(t, home, {}, args);
  const token = fs.readFileSync(createTokenFile(home, home), 'utf8').trim();
  const collector = new LogCollector(HOST, token);
  t.after(() => collector.close());
  await collector.connect(con.info.ingestUrl);
  const tail = liveTail(con, { hostId: HOST, levels: ['error'] });
  await tail.ready;
  const t0 = Date.now() - 60_000;
  for (let seq = 1; seq <= 5; seq++) await collector.send(seq, lines(seq, 20, t0 + seq * 1000));

  await t.test('search finds them: all, by level, by terms, by template', async () => {
    const all = await allLines(con);
    assert.equal(all.length, 100);
    assert.equal(new Set(all.map((l) => l.id)).size, 100);
    const errors = await con.api('logs', undefined, { host: HOST, level: 'error' });
    assert.deepEqual(errors.records.map((l) => [l.unit, l.pid, l.src]), [['pay.service', 4242, 'journal']]);
    const terms = await con.api('logs', undefined, { q: `REQUEST 201 ${MARK}` });
    assert.equal(terms.records.length, 1);
    const byTemplate = await con.api('logs', undefined, { template: all.find((l) => l.msg.startsWith('request'))!.templateId });
    assert.equal(byTemplate.records.length, 99);
    const bad = await fetch(new URL('/api/v1/logs?level=loud', con.info.apiUrl), { headers: { authorization: `Bearer ${con.info.apiToken}` } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /level "loud" is not one of/);
  });

  await t.test('templates with counts and a sparkline; stats count the records', async () => {
    const view = await con.api('logTemplates', undefined, { host: HOST, from: t0 - 60_000, to: Date.now() });
    const req = view.templates.find((x) => x.text.startsWith('request'));
    assert.equal(req?.count, 99);
    assert.equal(req?.spark.reduce((a, b) => a + b, 0), 99);
    assert.equal((await con.api('stats')).logs?.records, 100);
  });

  await t.test('the live tail got the error line, filtered by the console', async () => {
    await waitFor('the tailed error line', () => tail.lines.length > 0, 5000);
    assert.deepEqual(tail.lines.map((l) => l.level), ['error']);
    tail.close();
  });

  await t.test('a never-seen error template raised a log alert with its text and sample line', async () => {
    const alert = await waitFor('a log alert', async () => (await con.api('alerts')).alerts.find((a) => a.seriesKey.startsWith('log.new')), 5000);
    assert.equal(alert.hostId, HOST);
    assert.equal(alert.severity, 'critical');
    assert.match(alert.evidence.log?.text ?? '', /^payment gateway rejected card/);
    assert.match(alert.evidence.log?.samples[0]?.msg ?? '', /insufficient funds/);
  });

  await t.test('the CLI prints the lines, oldest first', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs'), 'logs', '--host', HOST, '--grep', 'insufficient', '--limit', '5'], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.trim().split('\n');
    assert.equal(out.length, 1);
    assert.match(out[0]!, new RegExp(`${HOST} ERROR +pay.service\\[4242\\]: payment gateway rejected card 300`));
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs'), 'logs', '--level', 'loud'], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--level: level "loud" is not one of/);
  });

  await t.test('SIGKILL, restart: every acked record once; resent batches double nothing', async () => {
    for (let seq = 6; seq <= 8; seq++) await collector.send(seq, lines(seq, 20, t0 + seq * 1000));
    await con.proc.stop('SIGKILL');
    collector.close();
    con = await startConsole(t, home, {}, args);
    assert.equal((await allLines(con)).length, 160, 'everything acked before the kill');
    // A collector that never saw the acks of 7 and 8 sends them again, then a new one.
    await collector.connect(con.info.ingestUrl, 7);
    await collector.send(7, lines(7, 20, t0 + 7000));
    await collector.send(8, lines(8, 20, t0 + 8000));
    await collector.send(9, lines(9, 20, t0 + 9000));
    const after = await allLines(con);
    assert.equal(after.length, 180);
    assert.equal(new Set(after.map((l) => l.msg)).size, 180, 'no record twice');
    await con.proc.stop('SIGTERM');
    con = await startConsole(t, home, {}, args);
    assert.equal((await allLines(con)).length, 180, 'a clean restart keeps them too');
    assert.equal((await con.api('stats')).logs?.records, 180);
  });
});
