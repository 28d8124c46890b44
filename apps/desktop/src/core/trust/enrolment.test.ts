import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { helloSigningInput } from '@cerebro/shared/protocol/canonical';
import { CredentialStore } from './credentials';
import { EnrolTokenStore, formatEnrolToken } from './enrol-tokens';
import { loadConsoleTrust } from './console-trust';

const PIN = 'ab'.repeat(32);

function dir(t: TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-trust-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('an enrolment token works once, for its host, until it expires', (t) => {
  const store = EnrolTokenStore.inTrustDir(dir(t));
  const { token, record } = store.create(PIN, { ttlMs: 60_000 });
  assert.match(token, /^cbe1\.[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/);
  const first = store.redeem(token, 'h1', PIN);
  assert.deepEqual(first, { ok: true, record });
  const again = store.redeem(token, 'h2', PIN);
  assert.equal(again.ok, false);
  assert.match(again.ok ? '' : again.reason, /already used/);

  const expired = store.create(PIN, { ttlMs: 60_000, now: Date.now() - 120_000 });
  const late = store.redeem(expired.token, 'h1', PIN);
  assert.match(late.ok ? '' : late.reason, /expired at/);

  const bound = store.create(PIN, { ttlMs: 60_000, hostId: 'only-this' });
  const wrongHost = store.redeem(bound.token, 'another', PIN);
  assert.match(wrongHost.ok ? '' : wrongHost.reason, /is for host only-this, not another/);
  assert.deepEqual(store.list().map((r) => r.used), [true, true, true]);
});

test('forged tokens, tokens of another console and malformed ones are refused', (t) => {
  const store = EnrolTokenStore.inTrustDir(dir(t));
  store.create(PIN, { ttlMs: 60_000 });
  const forged = formatEnrolToken(randomBytes(24).toString('base64url'), PIN);
  const r1 = store.redeem(forged, 'h', PIN);
  assert.match(r1.ok ? '' : r1.reason, /unknown enrolment token/);
  const { token } = store.create('cd'.repeat(32), { ttlMs: 60_000 });
  const r2 = store.redeem(token, 'h', PIN);
  assert.match(r2.ok ? '' : r2.reason, /made for another console/);
  const r3 = store.redeem('cbt_static-token', 'h', PIN);
  assert.match(r3.ok ? '' : r3.reason, /not an enrolment token/);
});

test('a hello proves the key only for its own connection challenge; revoked and other-host credentials fail', (t) => {
  const store = CredentialStore.inTrustDir(dir(t));
  const keys = generateKeyPairSync('ed25519');
  const cred = store.add({ hostId: 'h1', hostname: 'web', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), enrolToken: 't' });
  const hello = { hostId: 'h1', epoch: 'epoch-0001' };
  const proof = (challenge: string): Uint8Array => sign(null, Buffer.from(helloSigningInput(challenge, hello, cred.id)), keys.privateKey);
  const sig = proof('challenge-1');
  assert.equal(store.verifyHello({ cred: cred.id, sig }, 'challenge-1', hello).ok, true);
  const replay = store.verifyHello({ cred: cred.id, sig }, 'challenge-2', hello);
  assert.match(replay.ok ? '' : replay.reason, /replayed or forged handshake/);
  const otherHost = store.verifyHello({ cred: cred.id, sig }, 'challenge-1', { ...hello, hostId: 'h2' });
  assert.match(otherHost.ok ? '' : otherHost.reason, /belongs to host h1, not h2/);
  const unknown = store.verifyHello({ cred: '0123456789abcdef', sig }, 'challenge-1', hello);
  assert.match(unknown.ok ? '' : unknown.reason, /unknown credential/);

  const stamp = store.changeStamp();
  assert.deepEqual(store.revoke('h1').map((c) => c.id), [cred.id]);
  assert.notEqual(store.changeStamp(), stamp, 'a revocation changes the stamp the console watches');
  const revoked = store.verifyHello({ cred: cred.id, sig: proof('challenge-3') }, 'challenge-3', hello);
  assert.match(revoked.ok ? '' : revoked.reason, /was revoked \(revoked by operator\)/);
});

test('enrolling a host again revokes its earlier credential', (t) => {
  const store = CredentialStore.inTrustDir(dir(t));
  const pem = (): string => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const a = store.add({ hostId: 'h1', hostname: 'web', publicKey: pem(), enrolToken: 't1' });
  const b = store.add({ hostId: 'h1', hostname: 'web', publicKey: pem(), enrolToken: 't2' });
  assert.equal(store.get(a.id)?.revokedWhy, 'replaced by a new enrolment');
  assert.equal(store.get(b.id)?.revokedMs, undefined);
});

test('the console trust material is created once, private keys 0600, and reloaded unchanged', (t) => {
  const home = dir(t);
  const first = loadConsoleTrust(home);
  const second = loadConsoleTrust(home);
  assert.equal(second.fingerprint, first.fingerprint);
  assert.equal(second.commandPublicKeyPem, first.commandPublicKeyPem);
  for (const f of ['ca.key', 'server.key', 'command.key']) assert.equal((fs.statSync(path.join(home, 'trust', f)).mode & 0o777).toString(8), '600', f);
  fs.chmodSync(path.join(home, 'trust', 'ca.key'), 0o644);
  assert.throws(() => loadConsoleTrust(home), /ca\.key is readable by other users \(mode 644\): run `chmod 600/);
});
