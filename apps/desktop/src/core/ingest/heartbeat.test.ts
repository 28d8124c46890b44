/**
 * The heartbeat against a connection whose reads this console paused (server.ts, the ack window): its
 * pongs wait unread behind the paused reads, so the silence is the console's own and must not close it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type ConsoleMessage } from '@cerebro/shared/protocol/messages';
import { ConsoleCore } from '../console';
import { TokenStore } from './tokens';

const HEARTBEAT_MS = 150;

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a connection whose reads are paused for longer than two heartbeats stays open, and every batch is acked once the WAL commits', async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-heartbeat-'));
  const { token } = TokenStore.inHome(home).create();
  const logs: string[] = [];
  const core = await ConsoleCore.start({ home, log: (level, m) => logs.push(`${level} ${m}`), ingest: { port: 0, plaintext: true, heartbeatMs: HEARTBEAT_MS }, api: { port: 0 }, maintenanceMs: 60_000 });
  // Mocked: a disk that stalls. The WAL's commits wait until released (a real LMDB commit cannot be held).
  const wal = core.ingest['deps'].wal;
  const append = wal.append.bind(wal);
  let release = (): void => undefined;
  const stalled = new Promise<void>((r) => (release = r));
  wal.append = (...args) => stalled.then(() => append(...args));
  t.after(async () => {
    release(); // the console's stop waits for the commits in flight
    await core.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const ws = new WebSocket(core.info.ingestUrl, { perMessageDeflate: false });
  t.after(() => ws.terminate());
  const acked = new Set<number>();
  let welcome: ConsoleMessage | undefined;
  let closed: number | null = null;
  ws.on('message', (d: Buffer) => {
    const m = decodeConsoleFrame(d);
    if (!m.ok) return;
    if (m.value.type === 'ack') acked.add(m.value.seq);
    if (m.value.type === 'welcome') welcome = m.value;
  });
  ws.on('close', (code) => (closed = code));
  await new Promise((r) => ws.once('open', r));
  const hostId = 'paused-host';
  ws.send(encodeMessage({ type: 'hello', v: PROTOCOL_VERSION, hostId, hostname: hostId, token, agent: { name: 'test', version: '0' }, epoch: 'pausedhostepoch1', oldestSeq: 1, nextSeq: 1 }));
  const w = await until('the welcome', () => welcome, 10_000);
  assert.ok(w.type === 'welcome');
  // Three ack windows at once, beyond what the console lets wait for their commit: it pauses the reads.
  const n = 3 * w.limits.maxInFlight;
  const t0 = Date.now() - n * 1000;
  for (let seq = 1; seq <= n; seq++) ws.send(encodeMessage({ type: 'batch', seq, ts: t0 + seq * 1000, metrics: { k: ['m'], v: [seq] } }));
  await until('the reads to be paused', () => core.ingest.stats.readPauses > 0, 10_000);

  // Ten heartbeats with the reads paused: the pongs to its pings are not read meanwhile.
  await new Promise((r) => setTimeout(r, 10 * HEARTBEAT_MS));
  assert.equal(closed, null, `the connection stays open (${logs.filter((l) => l.includes('did not answer pings')).join('; ')})`);
  assert.equal(ws.readyState, WebSocket.OPEN);
  assert.equal(acked.size, 0, 'nothing acked while the WAL stalls');

  release();
  await until(`acks for all ${n} batches`, () => acked.size === n || closed !== null, 15_000);
  assert.equal(acked.size, n);
  assert.equal(core.registry.get(hostId)?.lastSeq, n, 'every batch was stored');
  assert.equal(ws.readyState, WebSocket.OPEN, 'still open after the reads resumed');
  assert.ok(!logs.some((l) => l.includes('did not answer pings')), 'no heartbeat close was logged');
});
