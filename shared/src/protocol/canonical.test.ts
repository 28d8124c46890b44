import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, commandSigningInput, helloSigningInput } from './canonical';
import { decodeConsoleFrame, encodeMessage } from './codec';
import type { CommandEnvelope } from './messages';

test('canonical JSON sorts keys at every depth and drops undefined fields', () => {
  const a = canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' }, u: undefined });
  const b = canonicalJson({ a: { c: 'x', d: [1, { y: null, z: true }] }, b: 1 });
  assert.deepEqual(a, { ok: true, value: '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}' });
  assert.deepEqual(a, b);
});

test('values without a canonical form are refused with their path', () => {
  const bin = canonicalJson({ p: { data: new Uint8Array([1]) } }, 'payload');
  assert.equal(bin.ok, false);
  assert.match(bin.ok ? '' : bin.error, /payload\.p\.data: binary data cannot be signed/);
  const nan = canonicalJson([1, Number.NaN]);
  assert.match(nan.ok ? '' : nan.error, /value\[1\]: NaN has no canonical form/);
  const date = canonicalJson({ at: new Date(0) });
  assert.match(date.ok ? '' : date.error, /value\.at: an object that is not a plain map/);
});

test('a command signs the same after a msgpack round trip, and differently for another host or field', () => {
  const cmd: CommandEnvelope = { type: 'command', id: 'c1', kind: 'ping', issuedAtMs: 1_800_000_000_000, expiresAtMs: 1_800_000_060_000, nonce: 'n1', payload: { n: 2.5, list: [1, 2], s: 'é' } };
  const decoded = decodeConsoleFrame(encodeMessage(cmd));
  assert.ok(decoded.ok && decoded.value.type === 'command');
  const before = commandSigningInput(cmd, 'host-a');
  const after = commandSigningInput(decoded.value, 'host-a');
  assert.ok(before.ok && after.ok);
  assert.equal(before.value, after.value);
  assert.match(before.value, /^cerebro-command-v1\n\{"expiresAtMs":1800000060000,"host":"host-a","id":"c1"/);
  const other = commandSigningInput(cmd, 'host-b');
  const altered = commandSigningInput({ ...cmd, kind: 'terminal.open' }, 'host-a');
  assert.ok(other.ok && altered.ok);
  assert.notEqual(other.value, before.value);
  assert.notEqual(altered.value, before.value);
});

test('the hello signing input binds challenge, host, credential and epoch, and cannot be confused with a command', () => {
  const base = helloSigningInput('ch1', { hostId: 'h', epoch: 'epoch0001' }, 'cred1');
  assert.match(base, /^cerebro-hello-v1\n/);
  assert.notEqual(base, helloSigningInput('ch2', { hostId: 'h', epoch: 'epoch0001' }, 'cred1'));
  assert.notEqual(base, helloSigningInput('ch1', { hostId: 'h2', epoch: 'epoch0001' }, 'cred1'));
  assert.notEqual(base, helloSigningInput('ch1', { hostId: 'h', epoch: 'epoch0001' }, 'cred2'));
  // A newline inside a field cannot shift the boundaries: the fields are JSON strings.
  assert.notEqual(helloSigningInput('a\n"b"', { hostId: 'h', epoch: 'e' }, 'c'), helloSigningInput('a', { hostId: 'b\n"h"', epoch: 'e' }, 'c'));
});
