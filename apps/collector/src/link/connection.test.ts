/**
 * Unit tests of the collector's link against a fake of the console's ingest endpoint, written here: a `ws`
 * server that speaks the protocol with the shared codec and does only what each test tells it to. It keeps
 * these tests fast and lets them script misbehaviour (no acks, closed sockets, unanswered pings); the real
 * console's ingest is covered by the cross-process tests in test/.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeCollectorFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type CollectorMessage, type ConsoleMessage, type Hello, type TelemetryBatch } from '@cerebro/shared/protocol/messages';
import { Link, type LinkOptions } from './connection';
import { Spool } from './spool';

const TOKEN = 'cbt_test_token_0001';

/** One collector connection as the fake console saw it. */
interface FakeSession {
  readonly ws: WebSocket;
  hello: Hello | null;
  /** Batch seqs received, in arrival order. */
  readonly batches: number[];
  /** Every decoded message (hello, batches, results, errors). */
  readonly messages: CollectorMessage[];
  /** Seqs received and not yet acked by the fake; `maxOutstanding` is the most there ever were at once. */
  readonly outstanding: Set<number>;
  maxOutstanding: number;
}

interface FakeConsoleOptions {
  /** durableSeq of the welcome, per connection index (0 = first connection); default 0. */
  durableSeq?: (connection: number) => number;
  maxInFlight?: number;
  /** Ack every batch as soon as it arrives; default true. */
  autoAck?: boolean;
  /** Answer hello with a welcome at once; default true (false: the test calls welcome()). */
  autoWelcome?: boolean;
  /** Whether connection #n answers pings with pongs; default true. */
  answerPings?: (connection: number) => boolean;
}

/** A fake of the console's ingest: welcome on hello, then optional automatic acks. */
class FakeConsole {
  readonly sessions: FakeSession[] = [];
  readonly decodeErrors: string[] = [];

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly options: FakeConsoleOptions,
  ) {
    wss.on('connection', (ws) => this.accept(ws));
  }

  static async start(options: FakeConsoleOptions = {}): Promise<FakeConsole> {
    // Pongs are sent by hand in accept(), so a test can play a console that hangs.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return new FakeConsole(wss, options);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ingest`;
  }

  send(session: FakeSession, message: ConsoleMessage): void {
    session.ws.send(encodeMessage(message));
  }

  welcome(session: FakeSession): void {
    const index = this.sessions.indexOf(session);
    const durableSeq = this.options.durableSeq?.(index) ?? 0;
    this.send(session, {
      type: 'welcome',
      v: PROTOCOL_VERSION,
      sessionId: `session-${index}`,
      durableSeq,
      maxSeq: durableSeq,
      serverTimeMs: Date.now(),
      limits: { maxFrameBytes: 1 << 20, maxSamplesPerBatch: 20_000, maxInFlight: this.options.maxInFlight ?? 32 },
    });
  }

  ack(session: FakeSession, seq: number): void {
    session.outstanding.delete(seq);
    this.send(session, { type: 'ack', seq });
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the fake console did not close within 2 s')), 2000);
      this.wss.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private accept(ws: WebSocket): void {
    const index = this.sessions.length;
    const session: FakeSession = { ws, hello: null, batches: [], messages: [], outstanding: new Set(), maxOutstanding: 0 };
    this.sessions.push(session);
    if (this.options.answerPings?.(index) ?? true) ws.on('ping', (data) => ws.pong(data));
    ws.on('message', (data: Buffer) => {
      const r = decodeCollectorFrame(data);
      if (!r.ok) {
        this.decodeErrors.push(r.error.message);
        return;
      }
      const msg = r.value;
      session.messages.push(msg);
      if (msg.type === 'hello') {
        session.hello = msg;
        if (this.options.autoWelcome ?? true) this.welcome(session);
      } else if (msg.type === 'batch') {
        session.batches.push(msg.seq);
        session.outstanding.add(msg.seq);
        session.maxOutstanding = Math.max(session.maxOutstanding, session.outstanding.size);
        if (this.options.autoAck ?? true) this.ack(session, msg.seq);
      }
    });
  }
}

/** Poll `check` until it is true; fail with `what` after `timeoutMs`. */
async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Spool `n` batches (seq 1..n on a fresh spool). */
function spoolBatches(spool: Spool, n: number): number[] {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const seq = spool.takeSeq();
    const batch: TelemetryBatch = { type: 'batch', seq, ts: Date.now(), metrics: { k: ['cpu.util'], v: [seq] } };
    spool.append(seq, encodeMessage(batch), 1);
    seqs.push(seq);
  }
  return seqs;
}

interface Harness {
  readonly fake: FakeConsole;
  readonly spool: Spool;
  /** Start a link to the fake console over the spool (at most one per test). */
  startLink(extra?: Partial<LinkOptions>): { link: Link; logs: string[] };
}

/** A fake console and a spool in a fresh temp dir; one after hook stops the link, then the fake, then the spool. */
async function setup(t: TestContext, options: FakeConsoleOptions = {}): Promise<Harness> {
  const fake = await FakeConsole.start(options);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-'));
  const spool = Spool.open({ dir, maxBytes: 1 << 20 });
  let link: Link | null = null;
  t.after(async () => {
    // The link stops first, so the fake's close is not taken for an outage.
    await link?.stop();
    await fake.close();
    spool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    fake,
    spool,
    startLink(extra = {}) {
      const logs: string[] = [];
      link = new Link({
        url: fake.url,
        token: TOKEN,
        hostId: 'host-1',
        hostname: 'web-01',
        agentVersion: '0.0.0-test',
        spool,
        log: (level, message) => logs.push(`${level}: ${message}`),
        backoffBaseMs: 20,
        backoffMaxMs: 50,
        ...extra,
      });
      link.start();
      return { link, logs };
    },
  };
}

function session(fake: FakeConsole, index: number): FakeSession {
  const s = fake.sessions[index];
  assert.ok(s, `no connection #${index}`);
  return s;
}

test('the link says hello with the token, host and the spool epoch, oldestSeq and nextSeq', async (t) => {
  const { fake, spool, startLink } = await setup(t, { autoAck: false });
  spoolBatches(spool, 5);
  spool.ack(1);
  startLink();
  await waitFor('a hello', () => fake.sessions[0]?.hello != null);
  const hello = session(fake, 0).hello;
  assert.deepEqual(hello, {
    type: 'hello',
    v: PROTOCOL_VERSION,
    hostId: 'host-1',
    hostname: 'web-01',
    token: TOKEN,
    agent: { name: 'cerebro-collector', version: '0.0.0-test' },
    epoch: spool.epoch,
    oldestSeq: 2,
    nextSeq: 6,
  });
  assert.equal(session(fake, 0).messages[0]?.type, 'hello', 'hello is the first message');
});

test('after a welcome with durableSeq 2 it drops seqs ≤ 2 and sends the rest in order; acks empty the spool', async (t) => {
  const { fake, spool, startLink } = await setup(t, { durableSeq: () => 2 });
  spoolBatches(spool, 6);
  const { link } = startLink();
  await waitFor('batches 3..6', () => (fake.sessions[0]?.batches.length ?? 0) >= 4);
  assert.deepEqual(session(fake, 0).batches, [3, 4, 5, 6]);
  await waitFor('the spool to be empty', () => spool.stats().pendingBatches === 0);
  assert.equal(spool.oldestSeq, 7);
  assert.equal(link.stats.state, 'connected');
  assert.equal(link.stats.sessionId, 'session-0');
  await waitFor('the link to count 4 acks', () => link.stats.acks === 4);

  // A batch spooled while connected goes out on notify().
  spoolBatches(spool, 1);
  link.notify();
  await waitFor('batch 7', () => session(fake, 0).batches.includes(7));
  await waitFor('the spool to be empty again', () => spool.stats().pendingBatches === 0);
  assert.deepEqual(session(fake, 0).batches, [3, 4, 5, 6, 7]);
});

test('it never has more unacked frames out than welcome.limits.maxInFlight', async (t) => {
  const { fake, spool, startLink } = await setup(t, { autoAck: false, maxInFlight: 2 });
  spoolBatches(spool, 7);
  const { link } = startLink();
  await waitFor('the first window', () => (fake.sessions[0]?.batches.length ?? 0) >= 2);
  await sleep(150); // room for a window overrun to show
  const s = session(fake, 0);
  assert.deepEqual(s.batches, [1, 2]);
  assert.equal(link.stats.inFlight, 2);
  // Ack one at a time, oldest first: each ack lets exactly one more frame out.
  for (let acked = 1; acked <= 7; acked++) {
    fake.ack(s, acked);
    const expected = Math.min(7, acked + 2);
    await waitFor(`batches up to ${expected}`, () => s.batches.length === expected);
  }
  await waitFor('the spool to be empty', () => spool.stats().pendingBatches === 0);
  assert.deepEqual(s.batches, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(s.maxOutstanding, 2);
});

test('when the console closes the socket, the link reconnects and resends exactly the unacked batches', async (t) => {
  const { fake, spool, startLink } = await setup(t, { autoAck: false });
  spoolBatches(spool, 4);
  const { link } = startLink();
  await waitFor('4 batches on the first connection', () => (fake.sessions[0]?.batches.length ?? 0) === 4);
  const first = session(fake, 0);
  fake.ack(first, 1);
  fake.ack(first, 2);
  await waitFor('2 acks applied', () => spool.stats().pendingBatches === 2);
  first.ws.close(1001, 'console restarting');

  await waitFor('a second connection with its batches', () => (fake.sessions[1]?.batches.length ?? 0) === 2);
  const second = session(fake, 1);
  assert.equal(second.hello?.oldestSeq, 3);
  assert.equal(second.hello?.nextSeq, 5);
  assert.equal(second.hello?.epoch, spool.epoch);
  await sleep(100);
  assert.deepEqual(second.batches, [3, 4], 'only the unacked batches, in order, once each');
  assert.equal(link.stats.connects, 2);
  assert.equal(fake.decodeErrors.length, 0);
});

test('an INVALID_MESSAGE error naming a seq drops that batch, counted, and the stream goes on', async (t) => {
  const { fake, spool, startLink } = await setup(t, { autoAck: false, maxInFlight: 1 });
  spoolBatches(spool, 3);
  const { logs } = startLink();
  await waitFor('batch 1', () => (fake.sessions[0]?.batches.length ?? 0) === 1);
  const s = session(fake, 0);
  // Errors that do not condemn the batch leave it in the spool.
  fake.send(s, { type: 'error', code: 'STORAGE_FAILURE', message: 'disk full', fatal: false, seq: 1 });
  fake.send(s, { type: 'error', code: 'INVALID_MESSAGE', message: 'no seq given', fatal: false });
  await waitFor('the warnings', () => logs.filter((l) => /console error/.test(l)).length === 2);
  assert.equal(spool.rejectedBatches, 0);
  assert.equal(spool.stats().pendingBatches, 3);

  fake.send(s, { type: 'error', code: 'INVALID_MESSAGE', message: 'batch.ts: expected milliseconds', fatal: false, seq: 1 });
  await waitFor('batch 2 after the rejection freed the window', () => s.batches.length === 2);
  assert.equal(spool.rejectedBatches, 1);
  assert.deepEqual(
    [...new Set(seqsOf(spool))],
    [2, 3],
  );
  assert.ok(logs.some((l) => /^error: console rejected batch 1 as invalid and it was dropped: batch\.ts: expected milliseconds$/.test(l)), logs.join('\n'));
});

test('a console that stops answering pings is detected and the link reconnects', async (t) => {
  // A hung console on the first connection: the TCP connection stays up but no pong ever comes back.
  const { fake, spool, startLink } = await setup(t, { autoAck: false, answerPings: (connection) => connection > 0 });
  spoolBatches(spool, 1);
  const { link, logs } = startLink({ heartbeatMs: 60 });
  await waitFor('batch 1 on the first connection', () => (fake.sessions[0]?.batches.length ?? 0) === 1);
  await waitFor('a second connection', () => fake.sessions[1]?.hello != null, 3000);
  assert.ok(logs.includes('warn: no answer from the console for 120 ms; reconnecting'), logs.join('\n'));
  await waitFor('the second welcome', () => link.stats.connects === 2);
  await waitFor('batch 1 resent on the second connection', () => session(fake, 1).batches.includes(1));
  fake.ack(session(fake, 1), 1);
  await waitFor('the spool to be empty', () => spool.stats().pendingBatches === 0);
});

test('a console that answers pings keeps the same connection', async (t) => {
  const { fake, startLink } = await setup(t);
  const { link } = startLink({ heartbeatMs: 30 });
  await waitFor('connected', () => link.stats.state === 'connected');
  await sleep(300); // ten heartbeats
  assert.equal(fake.sessions.length, 1);
  assert.equal(link.stats.connects, 1);
});

test('a link stopped while the welcome is on its way stays stopped and never reconnects', async (t) => {
  const { fake, startLink } = await setup(t, { autoWelcome: false });
  const { link } = startLink();
  await waitFor('a hello', () => fake.sessions[0]?.hello != null);
  const stopped = link.stop();
  // The welcome leaves the console before it reads the collector's close frame, so it arrives during the close.
  fake.welcome(session(fake, 0));
  await stopped;
  assert.equal(link.stats.state, 'stopped');
  await sleep(300); // several backoff periods (backoffMaxMs 50)
  assert.equal(fake.sessions.length, 1, 'the stopped link connected again');
  assert.equal(link.stats.state, 'stopped');
});

/** Seqs still pending in the spool. */
function seqsOf(spool: Spool): number[] {
  const out: number[] = [];
  let after = 0;
  for (let next = spool.nextAfter(after); next; next = spool.nextAfter(after)) {
    out.push(next.seq);
    after = next.seq;
  }
  return out;
}
