/**
 * Misbehaving clients each get a clear error and a close, while a well-behaved collector on the same
 * console keeps streaming on its one connection.
 */
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { CLOSE_CODES, type ProtocolErrorCode } from '@cerebro/shared/protocol/errors';
import { PROTOCOL_VERSION, type ConsoleMessage, type Hello } from '@cerebro/shared/protocol/messages';
import { createTokenFile, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import fs from 'node:fs';

interface Outcome {
  readonly messages: ConsoleMessage[];
  readonly closeCode: number;
  readonly closeReason: string;
}

/** Open a raw connection, run `act`, and collect what the console answers until it closes (bounded). */
function exchange(url: string, act: (ws: WebSocket) => void, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    const messages: ConsoleMessage[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`the console did not close the connection within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
    }, timeoutMs);
    ws.on('open', () => act(ws));
    ws.on('message', (data: Buffer) => {
      const m = decodeConsoleFrame(data);
      if (m.ok) messages.push(m.value);
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ messages, closeCode: code, closeReason: reason.toString() });
    });
  });
}

function hello(token: string, overrides: Partial<Record<keyof Hello, unknown>> = {}): Hello {
  return {
    type: 'hello',
    v: PROTOCOL_VERSION,
    hostId: 'bad-client',
    hostname: 'bad-client',
    token,
    agent: { name: 'test', version: '0' },
    epoch: 'badclientepoch01',
    oldestSeq: 1,
    nextSeq: 1,
    ...overrides,
  } as Hello;
}

function assertRefused(o: Outcome, code: ProtocolErrorCode, messagePattern: RegExp): void {
  const error = o.messages.find((m) => m.type === 'error');
  assert.ok(error && error.type === 'error', `an error message arrived before the close (got ${JSON.stringify(o.messages)}, close ${o.closeCode})`);
  assert.equal(error.code, code);
  assert.equal(error.fatal, true);
  assert.match(error.message, messagePattern);
  assert.equal(o.closeCode, CLOSE_CODES[code as keyof typeof CLOSE_CODES], `close code for ${code}`);
}

test('bad clients are refused clearly while a good collector keeps streaming', async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const tokenFile = createTokenFile(home, home);
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  const goodHost = `it-good-${process.pid}`;
  const collector = await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), hostId: goodHost, intervalMs: 250 });
  const seqBefore = await waitFor('the good collector streaming', async () => {
    const h = (await con.api('hosts')).find((x) => x.id === goodHost);
    return h && h.lastSeq >= 4 ? h.lastSeq : null;
  }, 15_000);
  const url = con.info.ingestUrl;

  await t.test('garbage bytes', async () => {
    const o = await exchange(url, (ws) => ws.send(Buffer.from([0xc1, 0xff, 0x00, 0x13, 0x37])));
    assertRefused(o, 'MALFORMED_FRAME', /not valid msgpack/);
  });

  await t.test('truncated msgpack', async () => {
    const frame = encodeMessage(hello(token));
    const o = await exchange(url, (ws) => ws.send(frame.subarray(0, Math.floor(frame.length / 2))));
    assertRefused(o, 'MALFORMED_FRAME', /not valid msgpack/);
  });

  await t.test('a text frame', async () => {
    const o = await exchange(url, (ws) => ws.send('{"type":"hello"}'));
    assertRefused(o, 'MALFORMED_FRAME', /binary msgpack/);
  });

  await t.test('a wrong protocol version', async () => {
    const o = await exchange(url, (ws) => ws.send(encodeMessage(hello(token, { v: PROTOCOL_VERSION + 1 }))));
    assertRefused(o, 'UNSUPPORTED_VERSION', /protocol version/);
  });

  await t.test('a wrong token', async () => {
    const o = await exchange(url, (ws) => ws.send(encodeMessage(hello('cbt_not-the-right-token-at-all'))));
    assertRefused(o, 'UNAUTHORIZED', /unknown token/);
  });

  await t.test('a batch before any hello', async () => {
    const o = await exchange(url, (ws) => ws.send(encodeMessage({ type: 'batch', seq: 1, ts: Date.now(), metrics: { k: [], v: [] } })));
    assertRefused(o, 'HELLO_EXPECTED', /first message must be hello/);
  });

  await t.test('an oversized frame', async () => {
    // Above the console's 4 MiB limit but within what the socket accepts: the console explains and closes.
    const o = await exchange(url, (ws) => ws.send(Buffer.alloc(5 * 1024 * 1024, 0x91)));
    assertRefused(o, 'FRAME_TOO_LARGE', /exceeds the limit of 4194304 bytes/);
  });

  await t.test('a frame far over every limit', async () => {
    // Over the WebSocket layer's own cap the socket is closed with 1009 (message too big) before decoding.
    const o = await exchange(url, (ws) => ws.send(Buffer.alloc(9 * 1024 * 1024, 0x91)));
    assert.equal(o.closeCode, 1009);
  });

  await t.test('an invalid batch after a valid hello is refused by seq, the connection stays', async () => {
    const messages: ConsoleMessage[] = [];
    const ws = new WebSocket(url, { perMessageDeflate: false });
    t.after(() => ws.terminate());
    ws.on('message', (d: Buffer) => {
      const m = decodeConsoleFrame(d);
      if (m.ok) messages.push(m.value);
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(encodeMessage(hello(token, { hostId: `it-invalid-${process.pid}` })));
    await waitFor('welcome', () => messages.some((m) => m.type === 'welcome'), 5_000);
    ws.send(encodeMessage({ type: 'batch', seq: 1, ts: Date.now(), metrics: { k: ['a', 'b'], v: [1] } }));
    ws.send(encodeMessage({ type: 'batch', seq: 2, ts: Date.now(), metrics: { k: ['a'], v: [1] } }));
    const error = await waitFor('an error for seq 1', () => messages.find((m) => m.type === 'error' && m.seq === 1), 5_000);
    assert.ok(error.type === 'error');
    assert.equal(error.code, 'INVALID_MESSAGE');
    assert.equal(error.fatal, false);
    assert.match(error.message, /k has 2 keys but v has 1 values/);
    await waitFor('an ack for seq 2', () => messages.some((m) => m.type === 'ack' && m.seq === 2), 5_000);
    assert.equal(ws.readyState, WebSocket.OPEN);
  });

  await t.test('a client that ignores the ack window is slowed, not buffered, and loses nothing', async () => {
    const hostId = `it-flood-${process.pid}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const acked = new Set<number>();
    let welcome: ConsoleMessage | undefined;
    ws.on('message', (d: Buffer) => {
      const m = decodeConsoleFrame(d);
      if (!m.ok) return;
      if (m.value.type === 'ack') acked.add(m.value.seq);
      if (m.value.type === 'welcome') welcome = m.value;
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(encodeMessage(hello(token, { hostId, epoch: 'floodclientepoch' })));
    await waitFor('welcome', () => welcome, 5_000);
    assert.ok(welcome?.type === 'welcome');
    const window = welcome.limits.maxInFlight;
    const before = (await con.api('stats')).readPauses;
    // 20 ack windows' worth in one go, none awaited: a real collector never has more than one window unacked.
    const n = 20 * window;
    const keys = Array.from({ length: 50 }, (_, i) => `flood.metric_${i}`);
    const t0 = Date.now() - n * 1000;
    for (let seq = 1; seq <= n; seq++) ws.send(encodeMessage({ type: 'batch', seq, ts: t0 + seq * 1000, metrics: { k: keys, v: keys.map((_, i) => seq + i) } }));
    await waitFor(`acks for all ${n} batches`, () => acked.size === n, 30_000);
    assert.equal(ws.readyState, WebSocket.OPEN, 'the connection stays open');
    const stats = await con.api('stats');
    assert.ok(stats.readPauses > before, `its reads were paused (readPauses ${before} → ${stats.readPauses})`);
    assert.match(con.proc.output, new RegExp(`collector ${hostId} .*beyond its ack window of ${window}: its reads are paused`));
    const host = (await con.api('hosts')).find((h) => h.id === hostId);
    assert.equal(host?.lastSeq, n, 'every batch was stored');
    ws.close();
  });

  // The good collector never lost its connection and kept delivering.
  const seqAfter = await waitFor('the good collector still streaming', async () => {
    const h = (await con.api('hosts')).find((x) => x.id === goodHost);
    return h && h.lastSeq >= seqBefore + 8 ? h.lastSeq : null;
  }, 15_000);
  const status = await waitFor('collector status', () => collector.status(), 5_000);
  assert.equal(status.link.connects, 1, 'the good collector stayed on its first connection');
  const stats = await con.api('stats');
  for (const code of ['MALFORMED_FRAME', 'UNSUPPORTED_VERSION', 'UNAUTHORIZED', 'FRAME_TOO_LARGE', 'HELLO_EXPECTED', 'INVALID_MESSAGE']) {
    assert.ok((stats.rejectedFrames[code] ?? 0) >= 1, `console counted ${code} (${JSON.stringify(stats.rejectedFrames)})`);
  }
  t.diagnostic(`good collector went from seq ${seqBefore} to ${seqAfter} meanwhile; rejected: ${JSON.stringify(stats.rejectedFrames)}`);
});
