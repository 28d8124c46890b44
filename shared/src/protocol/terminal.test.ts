import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCollectorFrame, decodeConsoleFrame, encodeMessage } from './codec';
import type { Message } from './messages';
import { MAX_TERMINAL_CHUNK_BYTES, parseTerminalOpen } from './terminal';

const sid = 'session-0001';

test('terminal frames round-trip through the codec on the side that receives them', () => {
  const out = decodeCollectorFrame(encodeMessage({ type: 'term.out', sid, stream: 'o', data: new Uint8Array([104, 105]) }));
  assert.ok(out.ok && out.value.type === 'term.out' && Buffer.from(out.value.data).toString() === 'hi');
  const exit = decodeCollectorFrame(encodeMessage({ type: 'term.exit', sid, code: null, reason: 'closed' }));
  assert.ok(exit.ok && exit.value.type === 'term.exit' && exit.value.code === null);
  for (const m of [
    { type: 'term.in', sid, data: new Uint8Array([10]) },
    { type: 'term.ack', sid, bytes: 4096 },
    { type: 'term.resize', sid, cols: 120, rows: 40 },
    { type: 'term.close', sid, reason: 'idle' },
  ] as Message[]) {
    const r = decodeConsoleFrame(encodeMessage(m));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.type, m.type);
  }
});

test('bad terminal frames are INVALID_MESSAGE naming the field', () => {
  const cases: Array<[Record<string, unknown>, RegExp, 'collector' | 'console']> = [
    [{ type: 'term.out', sid, stream: 'o', data: new Uint8Array(MAX_TERMINAL_CHUNK_BYTES + 1) }, /term\.out\.data: 32769 bytes is over the limit of 32768/, 'collector'],
    [{ type: 'term.out', sid: 'a b', stream: 'o', data: new Uint8Array(1) }, /term\.out\.sid/, 'collector'],
    [{ type: 'term.out', sid, stream: 'x', data: new Uint8Array(1) }, /term\.out\.stream/, 'collector'],
    [{ type: 'term.in', sid, data: 'text' }, /term\.in\.data: expected binary/, 'console'],
    [{ type: 'term.ack', sid, bytes: -1 }, /term\.ack\.bytes/, 'console'],
    [{ type: 'term.resize', sid, cols: 0, rows: 24 }, /term\.resize: cols must be/, 'console'],
  ];
  for (const [m, re, side] of cases) {
    const r = side === 'collector' ? decodeCollectorFrame(encodeMessage(m as unknown as Message)) : decodeConsoleFrame(encodeMessage(m as unknown as Message));
    assert.ok(!r.ok, `${JSON.stringify(m).slice(0, 80)} must be refused`);
    assert.equal(r.error.code, 'INVALID_MESSAGE');
    assert.match(r.error.message, re);
  }
});

test('parseTerminalOpen checks the grant payload', () => {
  assert.deepEqual(parseTerminalOpen({ sid, cols: 80, rows: 24, by: 'ann' }), { ok: true, value: { sid, cols: 80, rows: 24, by: 'ann' } });
  assert.match((parseTerminalOpen(null) as { error: string }).error, /must be a map/);
  assert.match((parseTerminalOpen({ sid, cols: 80.5, rows: 24, by: 'ann' }) as { error: string }).error, /payload\.cols/);
  assert.match((parseTerminalOpen({ sid, cols: 80, rows: 24, by: '' }) as { error: string }).error, /payload\.by/);
  assert.match((parseTerminalOpen({ sid, cols: 80, rows: 24, by: 'ann', user: '../x' }) as { error: string }).error, /payload\.user/);
});
