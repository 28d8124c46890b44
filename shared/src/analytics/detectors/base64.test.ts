import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64, toBase64 } from './base64';

test('base64 round-trips every length and byte value, with the standard alphabet and padding', () => {
  assert.equal(toBase64(new TextEncoder().encode('Man')), 'TWFu');
  assert.equal(toBase64(new TextEncoder().encode('Ma')), 'TWE=');
  assert.equal(toBase64(new TextEncoder().encode('M')), 'TQ==');
  for (let n = 0; n < 70; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31) & 255);
    assert.deepEqual(fromBase64(toBase64(bytes)), bytes, `length ${n}`);
  }
});

test('text that is not padded base64 is refused', () => {
  assert.equal(fromBase64('abc'), undefined);
  assert.equal(fromBase64('ab!d'), undefined);
  assert.equal(fromBase64('a=bc'), undefined);
});
