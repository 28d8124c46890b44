import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { commandSigningInput } from '@cerebro/shared/protocol/canonical';
import type { CommandEnvelope } from '@cerebro/shared/protocol/messages';
import { CommandGate } from './command-gate';
import { CommandRunner } from './commands';
import { NonceStore } from './nonces';
import { loadPolicy, OPEN_POLICY, parsePolicy, type CollectorPolicy } from './policy';

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const HOST = 'host-a';
const consoleKeys = generateKeyPairSync('ed25519');

function signed(over: Partial<CommandEnvelope> = {}, key: KeyObject = consoleKeys.privateKey, host = HOST): CommandEnvelope {
  const fields = { id: randomBytes(4).toString('hex'), kind: 'ping', issuedAtMs: NOW, expiresAtMs: NOW + 60_000, nonce: randomBytes(12).toString('hex'), payload: { x: 1 }, ...over };
  const input = commandSigningInput(fields, host);
  assert.ok(input.ok);
  return { type: 'command', ...fields, sig: sign(null, Buffer.from(input.value), key) };
}

function gate(policy: CollectorPolicy = OPEN_POLICY, nonces = new NonceStore(null), now = NOW): CommandGate {
  return new CommandGate({ commandKey: consoleKeys.publicKey, hostId: HOST, policy, nonces, now: () => now });
}

/** A runner whose remediation handler must not be reached by these tests. */
function runner(g: CommandGate): CommandRunner {
  return new CommandRunner({ gate: g, log: () => undefined, remediation: () => Promise.reject(new Error('not expected here')) });
}

test('a valid signed command passes, and ping answers', async () => {
  const result = await runner(gate()).run(signed());
  assert.equal(result.ok, true);
  assert.equal((result.output as { pong: boolean }).pong, true);
});

test('forged, altered, unsigned and other-host commands are refused as signature failures', () => {
  const g = gate();
  const forged = signed({}, generateKeyPairSync('ed25519').privateKey);
  assert.equal(g.check(forged)?.code, 'BAD_SIGNATURE');
  const altered = { ...signed(), kind: 'terminal.open' };
  assert.equal(g.check(altered)?.code, 'BAD_SIGNATURE', 'a changed kind breaks the signature');
  const payload = { ...signed(), payload: { x: 2 } };
  assert.equal(g.check(payload)?.code, 'BAD_SIGNATURE', 'a changed payload breaks the signature');
  assert.equal(g.check(signed({}, consoleKeys.privateKey, 'host-b'))?.code, 'BAD_SIGNATURE', 'a command for another host');
  const { sig: _sig, ...unsigned } = signed();
  assert.equal(g.check(unsigned)?.code, 'UNSIGNED');
  const garbage = { ...signed(), sig: new Uint8Array(3) };
  assert.equal(g.check(garbage)?.code, 'BAD_SIGNATURE');
});

test('freshness: expired, issued in the future and over-long lives are refused; skew within the allowance is not', () => {
  const g = gate();
  assert.equal(g.check(signed({ issuedAtMs: NOW - 120_000, expiresAtMs: NOW - 60_000 }))?.code, 'EXPIRED');
  assert.equal(g.check(signed({ issuedAtMs: NOW + 120_000, expiresAtMs: NOW + 180_000 }))?.code, 'NOT_YET_VALID');
  assert.equal(g.check(signed({ issuedAtMs: NOW, expiresAtMs: NOW + 3_600_000 }))?.code, 'BAD_LIFETIME');
  assert.equal(g.check(signed({ issuedAtMs: NOW, expiresAtMs: NOW }))?.code, 'BAD_LIFETIME');
  assert.equal(g.check(signed({ issuedAtMs: NOW - 70_000, expiresAtMs: NOW - 10_000 })), null, '10 s late is within the 30 s skew allowance');
  assert.equal(g.check(signed({ issuedAtMs: NOW + 10_000, expiresAtMs: NOW + 70_000 })), null, '10 s early too');
});

test('a replayed command is refused, also after the collector restarts', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-gate-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'nonces.json');
  const cmd = signed();
  assert.equal(gate(OPEN_POLICY, new NonceStore(file)).check(cmd), null);
  assert.equal(gate(OPEN_POLICY, new NonceStore(file)).check(cmd)?.code, 'REPLAYED', 'a new gate over the same nonce file');
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
  // Once the command could no longer pass the freshness check, its nonce is forgotten.
  const later = new NonceStore(file);
  later.add('other', NOW + 10 * 60_000, NOW + 5 * 60_000);
  assert.equal(later.has(cmd.nonce), false);
});

test('the local policy refuses whatever the console signs, and a refused command cannot be replayed either', () => {
  const policy = parsePolicy({ commands: { deny: ['ping'] }, terminals: false, remediation: { allow: ['restart-service'] } }, 'test policy');
  const g = gate(policy);
  const ping = signed();
  const refused = g.check(ping);
  assert.equal(refused?.code, 'FORBIDDEN_BY_POLICY');
  assert.match(refused?.message ?? '', /denies 'ping'/);
  assert.equal(g.check(ping)?.code, 'REPLAYED');
  assert.match(g.check(signed({ kind: 'terminal.open' }))?.message ?? '', /disables terminals/);
  assert.equal(g.check(signed({ kind: 'remediation.run', payload: { action: 'restart-service' } })), null);
  assert.match(g.check(signed({ kind: 'remediation.run', payload: { action: 'reboot' } }))?.message ?? '', /only these remediation actions: restart-service \(got "reboot"\)/);
  const allowOnly = gate(parsePolicy({ commands: { allow: ['remediation.run'] } }, 'p'));
  assert.match(allowOnly.check(signed())?.message ?? '', /allows only 'remediation.run'/);
});

test('a collector that was not enrolled runs nothing', () => {
  const g = new CommandGate({ commandKey: null, hostId: HOST, policy: OPEN_POLICY, nonces: new NonceStore(null), now: () => NOW });
  assert.equal(g.check(signed())?.code, 'NOT_ENROLLED');
});

test('unknown kinds that pass the gate are refused as unsupported', async () => {
  const result = await runner(gate()).run(signed({ kind: 'terminal.open' }));
  assert.equal(result.ok, false);
  assert.equal(result.error?.code, 'UNSUPPORTED_COMMAND');
});

test('bad policy files are refused with the field at fault', (t) => {
  assert.throws(() => parsePolicy({ terminal: false }, 'policy file P'), /policy file P: unknown field "terminal"; known fields are commands, terminals, terminalUser, terminalIdleMinutes, remediation/);
  assert.throws(() => parsePolicy({ terminals: 'no' }, 'p'), /"terminals" must be true or false/);
  assert.throws(() => parsePolicy({ commands: { deny: 'ping' } }, 'p'), /"commands.deny" must be a list of strings/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-policy-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'policy.json');
  assert.deepEqual(loadPolicy(file, true), OPEN_POLICY);
  assert.throws(() => loadPolicy(file, false), /cannot read the policy file .*ENOENT/);
  fs.writeFileSync(file, '{"terminals": false,');
  assert.throws(() => loadPolicy(file, true), /is not valid JSON/);
});
