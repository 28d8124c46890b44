import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, decodeCollectorFrame, decodeConsoleFrame, encodeMessage, type DecodeLimits } from './codec';
import { MAX_LOG_MESSAGE_CHARS, MAX_LOGS_PER_BATCH, PROTOCOL_VERSION, type Message } from './messages';
import type { ProtocolError } from './errors';
import { validateCollectorMessage } from './validate';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

const hello = {
  type: 'hello',
  v: PROTOCOL_VERSION,
  hostId: 'host-1',
  hostname: 'web-01',
  token: 'cbt_0123456789abcdef',
  agent: { name: 'cerebro-collector', version: '0.1.0' },
  epoch: 'EpochAbc_123',
  oldestSeq: 1,
  nextSeq: 1,
};

const batch = { type: 'batch', seq: 3, ts: NOW, metrics: { k: ['cpu.util', 'mem.used_bytes'], v: [1.5, 2048] } };

/**
 * Encode a (possibly invalid) message through msgpack and decode it as the console would; returns the error.
 * Going through the codec matters: msgpack carries NaN and Infinity, which JSON could not.
 */
function collectorError(value: Record<string, unknown>, limits: DecodeLimits = DEFAULT_LIMITS): ProtocolError {
  const r = decodeCollectorFrame(encodeMessage(value as unknown as Message), limits);
  if (r.ok) assert.fail(`expected a refusal of ${JSON.stringify(value)}, got ${JSON.stringify(r.value)}`);
  return r.error;
}

function consoleError(value: Record<string, unknown>): ProtocolError {
  const r = decodeConsoleFrame(encodeMessage(value as unknown as Message));
  if (r.ok) assert.fail(`expected a refusal of ${JSON.stringify(value)}, got ${JSON.stringify(r.value)}`);
  return r.error;
}

function assertInvalid(e: ProtocolError, message: RegExp): void {
  assert.equal(e.code, 'INVALID_MESSAGE', e.message);
  assert.match(e.message, message);
}

test('the valid fixtures pass, so every refusal below is due to the one field changed', () => {
  assert.ok(decodeCollectorFrame(encodeMessage(hello as unknown as Message)).ok);
  assert.ok(decodeCollectorFrame(encodeMessage(batch as unknown as Message)).ok);
});

test('hello without a token, or with a mistyped one, names hello.token', () => {
  const { token: _token, ...noToken } = hello;
  assertInvalid(collectorError(noToken), /^hello\.token: expected a string, got nothing$/);
  assertInvalid(collectorError({ ...hello, token: 12345678 }), /^hello\.token: expected a string, got 12345678$/);
  assertInvalid(collectorError({ ...hello, token: 'x'.repeat(513) }), /^hello\.token: expected a string of at most 512 characters, got 513 characters$/);
});

test('hello refuses a bad host id, epoch, agent or seq counter, naming each', () => {
  assertInvalid(collectorError({ ...hello, hostId: 'web 01/../x' }), /^hello\.hostId: expected letters, digits/);
  assertInvalid(collectorError({ ...hello, hostId: '' }), /^hello\.hostId: /);
  assertInvalid(collectorError({ ...hello, epoch: 'short' }), /^hello\.epoch: expected 8–64 letters/);
  assertInvalid(collectorError({ ...hello, agent: 'collector' }), /^hello\.agent: expected a map, got "collector"$/);
  assertInvalid(collectorError({ ...hello, agent: { name: 'c' } }), /^hello\.agent\.version: expected a string, got nothing$/);
  assertInvalid(collectorError({ ...hello, nextSeq: -1 }), /^hello\.nextSeq: expected a non-negative integer, got -1$/);
});

test('batch seq must be a non-negative integer: -1 and 1.5 are refused naming batch.seq', () => {
  assertInvalid(collectorError({ ...batch, seq: -1 }), /^batch\.seq: expected a non-negative integer, got -1$/);
  assertInvalid(collectorError({ ...batch, seq: 1.5 }), /^batch\.seq: expected a non-negative integer, got 1\.5$/);
  assertInvalid(collectorError({ ...batch, seq: '3' }), /^batch\.seq: expected a non-negative integer, got "3"$/);
  assertInvalid(collectorError({ ...batch, seq: 2 ** 53 }), /^batch\.seq: /);
});

test('batch ts in seconds instead of milliseconds is refused naming batch.ts and the unit', () => {
  assertInvalid(collectorError({ ...batch, ts: Math.floor(NOW / 1000) }), /^batch\.ts: expected milliseconds since the epoch, got 1748779200$/);
  assertInvalid(collectorError({ ...batch, ts: NOW * 1000 }), /^batch\.ts: expected milliseconds since the epoch/);
  assertInvalid(collectorError({ ...batch, ts: Number.NaN }), /^batch\.ts: expected a finite number, got NaN$/);
});

test('metrics k and v of different lengths are refused with both counts', () => {
  assertInvalid(collectorError({ ...batch, metrics: { k: ['a', 'b', 'c'], v: [1, 2] } }), /^batch\.metrics: k has 3 keys but v has 2 values; they must pair up$/);
  assertInvalid(collectorError({ ...batch, metrics: { k: ['a'] } }), /^batch\.metrics\.v: expected an array, got nothing$/);
  assertInvalid(collectorError({ ...batch, metrics: [1] }), /^batch\.metrics: expected a map, got an array$/);
});

test('NaN, Infinity and non-numbers among the values are refused naming the index and the series', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const e = collectorError({ ...batch, metrics: { k: ['cpu.util', 'mem.used_bytes'], v: [1, bad] } });
    assertInvalid(e, new RegExp(`^batch\\.metrics\\.v\\[1\\] \\(mem\\.used_bytes\\): expected a finite number, got ${String(bad)}$`));
  }
  assertInvalid(collectorError({ ...batch, metrics: { k: ['cpu.util'], v: [null] } }), /^batch\.metrics\.v\[0\] \(cpu\.util\): expected a finite number, got null$/);
});

test('a non-string, empty or over-long series key is refused naming its index', () => {
  assertInvalid(collectorError({ ...batch, metrics: { k: ['cpu.util', 5], v: [1, 2] } }), /^batch\.metrics\.k\[1\]: expected a series key of 1–256 characters, got 5$/);
  assertInvalid(collectorError({ ...batch, metrics: { k: [''], v: [1] } }), /^batch\.metrics\.k\[0\]: /);
  assert.ok(decodeCollectorFrame(encodeMessage({ ...batch, metrics: { k: ['x'.repeat(256)], v: [1] } } as unknown as Message)).ok, 'a 256-character key is allowed');
  assertInvalid(collectorError({ ...batch, metrics: { k: ['x'.repeat(257)], v: [1] } }), /^batch\.metrics\.k\[0\]: expected a series key of 1–256 characters/);
});

test('more samples than maxSamplesPerBatch are refused naming the limit and the count', () => {
  const limits = { ...DEFAULT_LIMITS, maxSamplesPerBatch: 3 };
  const four = { ...batch, metrics: { k: ['a', 'b', 'c', 'd'], v: [1, 2, 3, 4] } };
  assertInvalid(collectorError(four, limits), /^batch\.metrics\.k: expected at most 3 items, got 4 items$/);
  assert.ok(decodeCollectorFrame(encodeMessage({ ...four, metrics: { k: ['a', 'b', 'c'], v: [1, 2, 3] } } as unknown as Message), limits).ok);
});

test('bad rows inside procs, sockets, inventory, spool, sources and notices name the row and field', () => {
  const proc = { pid: 1, ppid: 0, name: 'init', cmd: '', user: 'root', state: 'S', cpuPct: 0, rssBytes: 0, threads: 1, fds: null, startMs: NOW };
  assertInvalid(collectorError({ ...batch, procs: [proc, { ...proc, fds: -2 }] }), /^batch\.procs\[1\]\.fds: expected a non-negative integer or null, got -2$/);
  assertInvalid(collectorError({ ...batch, procs: [{ ...proc, cpuPct: Number.NaN }] }), /^batch\.procs\[0\]\.cpuPct: expected a finite number, got NaN$/);
  assertInvalid(collectorError({ ...batch, procs: [{ ...proc, readBps: -1 }] }), /^batch\.procs\[0\]\.readBps: expected a non-negative number or null, got -1$/);
  assertInvalid(collectorError({ ...batch, procs: [{ ...proc, writeBps: 'fast' }] }), /^batch\.procs\[0\]\.writeBps: expected a non-negative number or null, got "fast"$/);
  // A collector from before the disk columns sends neither; one that may not read a process's io file sends null.
  const ok = decodeCollectorFrame(encodeMessage({ ...batch, procs: [proc, { ...proc, readBps: null, writeBps: 2048 }] } as unknown as Message));
  assert.ok(ok.ok && ok.value.type === 'batch', JSON.stringify(ok));
  assert.deepEqual(ok.value.procs?.map((p) => [p.readBps, p.writeBps]), [[undefined, undefined], [null, 2048]]);
  const sock = { proto: 'tcp', state: 'LISTEN', localAddr: '::', localPort: 22, remoteAddr: '::', remotePort: 0, inode: 1, pid: null, process: null };
  assertInvalid(collectorError({ ...batch, sockets: [{ ...sock, proto: 'sctp' }] }), /^batch\.sockets\[0\]\.proto: expected tcp, tcp6, udp or udp6, got "sctp"$/);
  assertInvalid(collectorError({ ...batch, sockets: [{ ...sock, process: 7 }] }), /^batch\.sockets\[0\]\.process: expected a string or null, got 7$/);
  assertInvalid(collectorError({ ...batch, inventory: { hostname: 'h' } }), /^batch\.inventory\.os: expected a map, got nothing$/);
  assertInvalid(
    collectorError({ ...batch, spool: { pendingBatches: 1, pendingBytes: 1, droppedBatches: 0.5, droppedSamples: 0, droppedBytes: 0 } }),
    /^batch\.spool\.droppedBatches: expected a non-negative integer, got 0\.5$/,
  );
  assertInvalid(collectorError({ ...batch, sources: [{ source: 'cpu', ok: 'yes', durationMs: 1 }] }), /^batch\.sources\[0\]\.ok: expected a boolean, got "yes"$/);
  assertInvalid(collectorError({ ...batch, notices: ['ok', 3] }), /^batch\.notices\[1\]: expected a string of at most 2048 characters, got 3$/);
});

test('log records pass through typed; a bad level, ts, message or stats field is refused naming the record and field', () => {
  const rec = { ts: NOW, src: 'file:/var/log/app.log', level: 'error', msg: 'boom\n  at main (app.js:3)', unit: 'app', pid: 42 };
  const good = decodeCollectorFrame(encodeMessage({ ...batch, logs: [rec, { ts: NOW, src: 'journal', level: 'info', msg: 'ok' }] } as unknown as Message));
  assert.ok(good.ok && good.value.type === 'batch');
  assert.deepEqual(good.value.type === 'batch' ? good.value.logs : undefined, [rec, { ts: NOW, src: 'journal', level: 'info', msg: 'ok' }]);
  assertInvalid(collectorError({ ...batch, logs: [rec, { ...rec, level: 'loud' }] }), /^batch\.logs\[1\]\.level: expected one of fatal, error, warn, info, debug, trace, unknown, got "loud"$/);
  assertInvalid(collectorError({ ...batch, logs: [{ ...rec, ts: NOW / 1000 }] }), /^batch\.logs\[0\]\.ts: expected milliseconds since the epoch/);
  assertInvalid(collectorError({ ...batch, logs: [{ ...rec, msg: 'x'.repeat(MAX_LOG_MESSAGE_CHARS + 1) }] }), /^batch\.logs\[0\]\.msg: expected a string of at most 16384 characters/);
  assertInvalid(collectorError({ ...batch, logs: [{ ...rec, pid: -1 }] }), /^batch\.logs\[0\]\.pid: expected a non-negative integer, got -1$/);
  assertInvalid(collectorError({ ...batch, logs: Array.from({ length: MAX_LOGS_PER_BATCH + 1 }, () => rec) }), /^batch\.logs: expected at most 5000 items, got 5001 items$/);
  assertInvalid(
    collectorError({ ...batch, logStats: { records: 1, droppedRateLimit: -1, redactions: 0, truncated: 0, sources: 1 } }),
    /^batch\.logStats\.droppedRateLimit: expected a non-negative integer, got -1$/,
  );
});

test('error messages need a known code; results a boolean ok', () => {
  assertInvalid(collectorError({ type: 'error', code: 'OOPS', message: 'm', fatal: false }), /^error\.code: expected one of MALFORMED_FRAME, .*, got "OOPS"$/);
  assertInvalid(consoleError({ type: 'error', code: 'UNAUTHORIZED', message: 'm', fatal: false, seq: -3 }), /^error\.seq: expected a non-negative integer, got -3$/);
  assertInvalid(collectorError({ type: 'result', id: 'c', ok: 1 }), /^result\.ok: expected a boolean, got 1$/);
});

test('console messages: welcome limits, ack seq and command sig are checked', () => {
  const welcome = { type: 'welcome', v: 1, sessionId: 's', durableSeq: 0, maxSeq: 0, serverTimeMs: NOW, limits: { maxFrameBytes: 1, maxSamplesPerBatch: 1, maxInFlight: 1 } };
  assert.ok(decodeConsoleFrame(encodeMessage(welcome as unknown as Message)).ok);
  assertInvalid(consoleError({ ...welcome, limits: { ...welcome.limits, maxInFlight: -1 } }), /^welcome\.limits\.maxInFlight: expected a non-negative integer, got -1$/);
  assertInvalid(consoleError({ type: 'ack', seq: 1.5 }), /^ack\.seq: expected a non-negative integer, got 1\.5$/);
  const command = { type: 'command', id: 'c', kind: 'k', issuedAtMs: NOW, expiresAtMs: NOW, nonce: 'n', payload: null };
  assertInvalid(consoleError({ ...command, sig: 'deadbeef' }), /^command\.sig: expected binary, got "deadbeef"$/);
});

test('validateCollectorMessage never throws on values msgpack cannot produce either', () => {
  const cyclic: Record<string, unknown> = { type: 'batch', seq: 1, ts: NOW };
  cyclic['metrics'] = cyclic;
  const getterThrows = Object.defineProperty({ type: 'hello' }, 'v', {
    get() {
      throw new Error('boom');
    },
    enumerable: true,
  });
  for (const v of [undefined, Symbol('s'), () => 1, cyclic, getterThrows]) {
    const r = validateCollectorMessage(v, DEFAULT_LIMITS);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'INVALID_MESSAGE');
  }
  const r = validateCollectorMessage(getterThrows, DEFAULT_LIMITS);
  assert.ok(!r.ok && /message could not be read: boom/.test(r.error.message));
});
