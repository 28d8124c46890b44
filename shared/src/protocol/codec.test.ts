import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack } from 'msgpackr';
import { DEFAULT_LIMITS, decodeCollectorFrame, decodeConsoleFrame, decodeRaw, encodeMessage } from './codec';
import { PROTOCOL_VERSION, type Ack, type CommandEnvelope, type CommandResult, type ErrorMessage, type Hello, type TelemetryBatch, type Welcome } from './messages';
import type { ProtocolError } from './errors';
import type { Result } from '../result';
import { mulberry32 } from '../mulberry32';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

const hello: Hello = {
  type: 'hello',
  v: PROTOCOL_VERSION,
  hostId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  hostname: 'web-01',
  token: 'cbt_0123456789abcdef',
  agent: { name: 'cerebro-collector', version: '0.1.0' },
  epoch: 'EpochAbc_123-xyz',
  oldestSeq: 4,
  nextSeq: 9,
};

const welcome: Welcome = {
  type: 'welcome',
  v: PROTOCOL_VERSION,
  sessionId: 's-42',
  durableSeq: 3,
  maxSeq: 5,
  serverTimeMs: NOW,
  limits: { maxFrameBytes: 1 << 20, maxSamplesPerBatch: 5000, maxInFlight: 8 },
};

const fullBatch: TelemetryBatch = {
  type: 'batch',
  seq: 7,
  ts: NOW,
  metrics: { k: ['cpu.util', 'disk.read_bps{dev=sda}', 'mem.used_bytes'], v: [12.5, 0, 8_589_934_592] },
  procs: [
    { pid: 1, ppid: 0, name: 'systemd', cmd: '/sbin/init splash', user: 'root', state: 'S', cpuPct: 0.3, rssBytes: 12_288_000, threads: 1, fds: 120, startMs: NOW - 86_400_000, readBps: 40_960, writeBps: 0 },
    { pid: 4242, ppid: 1, name: 'kworker/0:1', cmd: '', user: '1001', state: 'I', cpuPct: 150.25, rssBytes: 0, threads: 12, fds: null, startMs: NOW - 1000, readBps: null, writeBps: null },
  ],
  sockets: [
    { proto: 'tcp', state: 'LISTEN', localAddr: '0.0.0.0', localPort: 22, remoteAddr: '0.0.0.0', remotePort: 0, inode: 12345, pid: 812, process: 'sshd' },
    { proto: 'udp6', state: 'UNCONN', localAddr: '::', localPort: 5353, remoteAddr: '::', remotePort: 0, inode: 999, pid: null, process: null },
  ],
  inventory: {
    hostname: 'web-01',
    os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1.0', arch: 'x64' },
    cpu: { model: 'Xeon', cores: 8, physicalCores: 4, mhz: 2400.5 },
    memory: { totalBytes: 16 * 1024 ** 3, swapTotalBytes: 0 },
    system: { manufacturer: 'QEMU', model: 'Standard PC', virtual: true },
    disks: [{ name: 'vda', type: 'disk', sizeBytes: 100 * 1024 ** 3 }],
    bootTimeMs: NOW - 86_400_000,
    addresses: ['10.0.0.5', 'fe80::1'],
  },
  spool: { pendingBatches: 3, pendingBytes: 4096, droppedBatches: 1, droppedSamples: 40, droppedBytes: 900 },
  sources: [
    { source: 'cpu', ok: true, durationMs: 0.4 },
    { source: 'disks', ok: false, durationMs: 1.2, error: "couldn't read /proc/diskstats: EACCES" },
  ],
  notices: ['cannot see owners of sockets of other users: run with CAP_SYS_PTRACE'],
};

const minimalBatch: TelemetryBatch = { type: 'batch', seq: 1, ts: NOW, metrics: { k: [], v: [] } };
const ack: Ack = { type: 'ack', seq: 7 };
const errorWithSeq: ErrorMessage = { type: 'error', code: 'INVALID_MESSAGE', message: 'batch.ts: expected ms', fatal: false, seq: 7 };
const fatalError: ErrorMessage = { type: 'error', code: 'UNAUTHORIZED', message: 'unknown token', fatal: true };
const command: CommandEnvelope = {
  type: 'command',
  id: 'cmd-1',
  kind: 'runbook.step',
  issuedAtMs: NOW,
  expiresAtMs: NOW + 60_000,
  nonce: 'n-0001',
  payload: { step: 2, args: ['--dry-run'] },
  sig: new Uint8Array([0, 1, 2, 250, 255, 128]),
};
const resultOk: CommandResult = { type: 'result', id: 'cmd-1', ok: true, output: { lines: ['done'] } };
const resultErr: CommandResult = { type: 'result', id: 'cmd-2', ok: false, error: { code: 'UNSUPPORTED_COMMAND', message: "this collector does not run 'x' commands" } };

/** The typed error of a decode that must fail; fails the test with the decoded value when it succeeded. */
function errorOf(r: Result<unknown, ProtocolError>): ProtocolError {
  if (r.ok) assert.fail(`expected a decode error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

/** Deterministic PRNG so a failing fuzz case can be replayed. */
const rng = mulberry32;

test('every collector message survives encode → decodeCollectorFrame unchanged', () => {
  for (const m of [hello, fullBatch, minimalBatch, resultOk, resultErr, errorWithSeq, fatalError]) {
    const r = decodeCollectorFrame(encodeMessage(m));
    assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error.message}`);
    assert.deepEqual(r.value, m);
  }
});

test('every console message survives encode → decodeConsoleFrame unchanged, the command signature as bytes', () => {
  for (const m of [welcome, ack, errorWithSeq, fatalError]) {
    const r = decodeConsoleFrame(encodeMessage(m));
    assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error.message}`);
    assert.deepEqual(r.value, m);
  }
  const r = decodeConsoleFrame(encodeMessage(command));
  assert.ok(r.ok && r.value.type === 'command', r.ok ? r.value.type : r.error.message);
  // msgpackr hands binary back as a Buffer (a Uint8Array subclass): compare the bytes, then the rest.
  const { sig, ...rest } = r.value;
  assert.ok(sig instanceof Uint8Array);
  assert.deepEqual([...sig], [0, 1, 2, 250, 255, 128]);
  const { sig: _sent, ...sentRest } = command;
  assert.deepEqual(rest, sentRest);
});

test('each frame decodes on its own: the second of two same-shaped frames needs nothing from the first', () => {
  const first = encodeMessage({ ...minimalBatch, seq: 1 });
  const second = encodeMessage({ ...minimalBatch, seq: 2 });
  // Decode only the second (as a replay from the spool or the WAL would), then the first.
  const r2 = decodeCollectorFrame(second);
  const r1 = decodeCollectorFrame(first);
  assert.ok(r2.ok && r2.value.type === 'batch' && r2.value.seq === 2);
  assert.ok(r1.ok && r1.value.type === 'batch' && r1.value.seq === 1);
});

test('an empty frame is MALFORMED_FRAME, from both decoders', () => {
  for (const decode of [decodeCollectorFrame, decodeConsoleFrame]) {
    const e = errorOf(decode(new Uint8Array(0)));
    assert.equal(e.code, 'MALFORMED_FRAME');
    assert.match(e.message, /empty frame/);
  }
});

test('a frame cut in half is MALFORMED_FRAME naming its size, never a throw', () => {
  const whole = encodeMessage(fullBatch);
  const half = whole.subarray(0, whole.byteLength >> 1);
  const e = errorOf(decodeCollectorFrame(half));
  assert.equal(e.code, 'MALFORMED_FRAME');
  assert.match(e.message, new RegExp(`frame of ${half.byteLength} bytes is not valid msgpack`));
  const w = encodeMessage(welcome);
  assert.equal(errorOf(decodeConsoleFrame(w.subarray(0, w.byteLength - 3))).code, 'MALFORMED_FRAME');
});

test('random garbage bytes give a typed error, never a value and never a throw', () => {
  const next = rng(7);
  for (let i = 0; i < 300; i++) {
    const bytes = new Uint8Array(1 + Math.floor(next() * 64));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
    for (const decode of [decodeCollectorFrame, decodeConsoleFrame]) {
      const r = decode(bytes);
      assert.equal(r.ok, false, `garbage #${i} decoded as a message`);
      if (!r.ok) assert.ok(r.error.code === 'MALFORMED_FRAME' || r.error.code === 'INVALID_MESSAGE', `garbage #${i}: ${r.error.code}`);
    }
  }
});

test('a msgpack string, number, array, nil or binary instead of a map is INVALID_MESSAGE "message: expected a map"', () => {
  const cases: Array<[unknown, string]> = [
    ['hello', '"hello"'],
    [42, '42'],
    [[1, 2], 'an array'],
    [null, 'null'],
    [new Uint8Array([1, 2, 3]), 'an object'],
  ];
  for (const [value, shown] of cases) {
    for (const decode of [decodeCollectorFrame, decodeConsoleFrame]) {
      const e = errorOf(decode(pack(value)));
      assert.equal(e.code, 'INVALID_MESSAGE');
      assert.equal(e.message, `message: expected a map, got ${shown}`);
    }
  }
});

test('a map without a string type is INVALID_MESSAGE naming message.type', () => {
  const e = errorOf(decodeCollectorFrame(pack({ seq: 1 })));
  assert.equal(e.code, 'INVALID_MESSAGE');
  assert.match(e.message, /^message\.type: expected a string naming the message type, got nothing$/);
  assert.match(errorOf(decodeConsoleFrame(pack({ type: 3 }))).message, /^message\.type: .* got 3$/);
});

test('an unknown type is INVALID_MESSAGE listing the known ones', () => {
  const e = errorOf(decodeCollectorFrame(pack({ type: 'subscribe' })));
  assert.equal(e.code, 'INVALID_MESSAGE');
  assert.match(e.message, /"subscribe" is not a collector message \(hello, enroll, batch, result, error, term\.out, term\.exit\)/);
  const c = errorOf(decodeConsoleFrame(pack({ type: 'subscribe' })));
  assert.match(c.message, /"subscribe" is not a console message \(welcome, enrolled, ack, command, error, term\.in, term\.ack, term\.resize, term\.close\)/);
});

test('a console message sent to the collector decoder is refused, and the reverse', () => {
  for (const m of [welcome, ack, command]) {
    const e = errorOf(decodeCollectorFrame(encodeMessage(m)));
    assert.equal(e.code, 'INVALID_MESSAGE');
    assert.match(e.message, new RegExp(`"${m.type}" is not a collector message`));
  }
  for (const m of [hello, fullBatch, resultOk]) {
    const e = errorOf(decodeConsoleFrame(encodeMessage(m)));
    assert.equal(e.code, 'INVALID_MESSAGE');
    assert.match(e.message, new RegExp(`"${m.type}" is not a console message`));
  }
});

test('a wrong protocol version is UNSUPPORTED_VERSION naming both versions, checked before the other fields', () => {
  const e = errorOf(decodeCollectorFrame(encodeMessage({ ...hello, v: 2, token: undefined } as unknown as Hello)));
  assert.equal(e.code, 'UNSUPPORTED_VERSION');
  assert.match(e.message, /hello\.v is 2 but this console speaks protocol version 1/);
  const w = errorOf(decodeConsoleFrame(encodeMessage({ ...welcome, v: 0 })));
  assert.equal(w.code, 'UNSUPPORTED_VERSION');
  assert.match(w.message, /welcome\.v is 0/);
  // A version that is not even a number is a schema error, not a version mismatch.
  const s = errorOf(decodeCollectorFrame(encodeMessage({ ...hello, v: '1' } as unknown as Hello)));
  assert.equal(s.code, 'INVALID_MESSAGE');
  assert.match(s.message, /hello\.v: expected a non-negative integer, got "1"/);
});

test('a frame over maxFrameBytes is FRAME_TOO_LARGE naming size and limit, before decoding', () => {
  const frame = encodeMessage(fullBatch);
  const limits = { ...DEFAULT_LIMITS, maxFrameBytes: 64 };
  const e = errorOf(decodeCollectorFrame(frame, limits));
  assert.equal(e.code, 'FRAME_TOO_LARGE');
  assert.equal(e.message, `frame of ${frame.byteLength} bytes exceeds the limit of 64 bytes: send smaller batches`);
  assert.equal(errorOf(decodeConsoleFrame(encodeMessage(command), { ...DEFAULT_LIMITS, maxFrameBytes: 10 })).code, 'FRAME_TOO_LARGE');
  // Even garbage is refused for its size first: the console must not parse what it will not accept.
  assert.equal(errorOf(decodeCollectorFrame(new Uint8Array(65).fill(0xc1), limits)).code, 'FRAME_TOO_LARGE');
  // Exactly at the limit is accepted.
  assert.ok(decodeCollectorFrame(frame, { ...DEFAULT_LIMITS, maxFrameBytes: frame.byteLength }).ok);
});

test('a __proto__ key in a decoded map does not reach Object.prototype nor the message prototype', () => {
  // Hand-built msgpack map (not a record) whose first key is "__proto__": what a hostile collector could send.
  const evil = Buffer.concat([
    Buffer.from([0x84]),
    pack('__proto__'),
    pack({ polluted: true, type: 'hello' }),
    pack('type'),
    pack('batch'),
    pack('seq'),
    pack(1),
    pack('ts'),
    pack(NOW),
  ]);
  const raw = decodeRaw(evil);
  assert.ok(raw.ok);
  assert.equal(Object.getPrototypeOf(raw.value), Object.prototype);
  assert.equal((raw.value as Record<string, unknown>)['polluted'], undefined);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  const e = errorOf(decodeCollectorFrame(evil));
  assert.equal(e.code, 'INVALID_MESSAGE');
  assert.match(e.message, /batch\.metrics/);
  // The record (structure) encoding, with a JSON-made own "__proto__" property.
  const viaRecord = encodeMessage(JSON.parse(`{"type":"batch","__proto__":{"polluted":true},"seq":1,"ts":${NOW},"metrics":{"k":[],"v":[]}}`) as TelemetryBatch);
  const r = decodeCollectorFrame(viaRecord);
  assert.ok(r.ok);
  assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
  assert.equal((r.value as unknown as Record<string, unknown>)['polluted'], undefined);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('1,000 random mutations of a valid batch frame never throw and never decode into an invalid batch', () => {
  const frame = encodeMessage(fullBatch);
  const next = rng(20250601);
  const counts = { ok: 0, MALFORMED_FRAME: 0, INVALID_MESSAGE: 0, other: 0 };
  for (let i = 0; i < 1000; i++) {
    let bytes = Uint8Array.from(frame);
    const kind = i % 4;
    if (kind === 0) {
      const flips = 1 + Math.floor(next() * 8);
      for (let f = 0; f < flips; f++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
    } else if (kind === 1) {
      bytes = bytes.subarray(0, Math.floor(next() * bytes.length));
    } else if (kind === 2) {
      const at = Math.floor(next() * bytes.length);
      const insert = new Uint8Array(1 + Math.floor(next() * 16)).map(() => Math.floor(next() * 256));
      bytes = Uint8Array.from([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at)]);
    } else {
      const from = Math.floor(next() * bytes.length);
      const to = Math.min(bytes.length, from + 1 + Math.floor(next() * 32));
      bytes = Uint8Array.from([...bytes.subarray(0, from), ...bytes.subarray(to)]);
    }
    let r: Result<unknown, ProtocolError>;
    try {
      r = decodeCollectorFrame(bytes);
    } catch (e) {
      assert.fail(`mutation #${i} (kind ${kind}) threw: ${String(e)}`);
    }
    if (r.ok) {
      counts.ok++;
      // Whatever still decodes passed the validator: re-encoding it must decode to the same value.
      const again = decodeCollectorFrame(encodeMessage(r.value as TelemetryBatch));
      assert.ok(again.ok, `mutation #${i} decoded but its re-encoding did not`);
      assert.deepEqual(again.value, r.value);
    } else if (r.error.code === 'MALFORMED_FRAME' || r.error.code === 'INVALID_MESSAGE') {
      counts[r.error.code]++;
      assert.ok(r.error.message.length > 0);
    } else {
      counts.other++;
    }
  }
  assert.equal(counts.other, 0, `unexpected error codes: ${JSON.stringify(counts)}`);
  // The mutations must exercise both failure paths, or the fuzz proves little.
  assert.ok(counts.MALFORMED_FRAME > 50 && counts.INVALID_MESSAGE > 50, JSON.stringify(counts));
});
