import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenStore } from './tokens';

function tokensFile(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'home', 'tokens.json');
}

test('a created token verifies, for any host when unbound', (t) => {
  const store = new TokenStore(tokensFile(t));
  const { token, record } = store.create({ label: 'web fleet' });
  assert.match(token, /^cbt_[A-Za-z0-9_-]{32}$/);
  assert.equal(record.hostId, null);
  assert.equal(record.label, 'web fleet');
  assert.deepEqual(store.verify(token, 'web-01'), { ok: true, id: record.id });
  assert.deepEqual(store.verify(token, 'db-02'), { ok: true, id: record.id });
});

test('a wrong token is refused as unknown, also when the file does not exist yet', (t) => {
  const file = tokensFile(t);
  const empty = new TokenStore(file);
  const none = empty.verify('cbt_whatever', 'web-01');
  assert.equal(none.ok, false);
  const store = new TokenStore(file);
  const { token } = store.create();
  for (const wrong of [token.slice(0, -1), token + 'x', '', token.toUpperCase()]) {
    const r = store.verify(wrong, 'web-01');
    assert.equal(r.ok, false, wrong);
    if (!r.ok) assert.match(r.reason, /^unknown token: create one with `cerebro-console token create`/);
  }
});

test('a token bound to a host is refused for another host, naming both', (t) => {
  const store = new TokenStore(tokensFile(t));
  const { token, record } = store.create({ hostId: 'web-01' });
  assert.deepEqual(store.verify(token, 'web-01'), { ok: true, id: record.id });
  assert.deepEqual(store.verify(token, 'web-02'), { ok: false, reason: `token ${record.id} is bound to host web-01, not web-02` });
});

test('a revoked token is refused with a reason; other tokens still work; revoking an unknown id reports false', (t) => {
  const file = tokensFile(t);
  const store = new TokenStore(file);
  const a = store.create();
  const b = store.create();
  assert.equal(store.revoke(a.record.id), true);
  const r = store.verify(a.token, 'web-01');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, new RegExp(`^token ${a.record.id} was revoked; create a new one`));
  assert.deepEqual(store.verify(b.token, 'web-01'), { ok: true, id: b.record.id });
  assert.equal(store.revoke('nope'), false);
  assert.equal(store.list().find((x) => x.id === a.record.id)?.revoked, true);
  // The revocation is on disk: a fresh store refuses the token too.
  assert.equal(new TokenStore(file).verify(a.token, 'web-01').ok, false);
});

test('the file holds only hashes, never a token, and is mode 0600', (t) => {
  const file = tokensFile(t);
  const store = new TokenStore(file);
  const tokens = [store.create().token, store.create({ hostId: 'web-01' }).token];
  const text = fs.readFileSync(file, 'utf8');
  for (const token of tokens) {
    assert.equal(text.includes(token), false, 'the token text is in the file');
    assert.equal(text.includes(token.slice(4)), false, 'the random part of the token is in the file');
  }
  const parsed = JSON.parse(text) as { tokens: Array<{ hash: string }> };
  assert.equal(parsed.tokens.length, 2);
  for (const r of parsed.tokens) assert.match(r.hash, /^[0-9a-f]{64}$/);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(
    fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file is left behind',
  );
});

test('a second store on the same file sees tokens created and revoked by the first', (t) => {
  const file = tokensFile(t);
  const cli = new TokenStore(file);
  const consoleSide = new TokenStore(file);
  const first = cli.create();
  assert.deepEqual(consoleSide.verify(first.token, 'web-01'), { ok: true, id: first.record.id });
  const second = cli.create({ hostId: 'web-02' });
  assert.deepEqual(consoleSide.verify(second.token, 'web-02'), { ok: true, id: second.record.id });
  cli.revoke(first.record.id);
  assert.equal(consoleSide.verify(first.token, 'web-01').ok, false);
  // And the other way: a create by the second store keeps the first's tokens.
  const third = consoleSide.create();
  assert.deepEqual(
    cli.list().map((r) => r.id),
    [first.record.id, second.record.id, third.record.id],
  );
});

test('a rewrite with the same mtime (coarse filesystem timestamps) is still seen by the other store', (t) => {
  const file = tokensFile(t);
  const cli = new TokenStore(file);
  const consoleSide = new TokenStore(file);
  cli.create();
  // Filesystems with 1 s (or 2 s) mtime granularity give two writes in the same second the same mtime.
  const second = 1_750_000_000;
  fs.utimesSync(file, second, second);
  assert.equal(consoleSide.list().length, 1);
  const { token, record } = cli.create();
  fs.utimesSync(file, second, second);
  assert.deepEqual(consoleSide.verify(token, 'web-01'), { ok: true, id: record.id });
});

test('an unreadable token file refuses collectors with a reason instead of throwing', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-tokens-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'tokens.json'), '{"tokens": [');
  const check = TokenStore.inHome(dir).verify('cbt_whatever-token', 'h1');
  assert.equal(check.ok, false);
  assert.match(check.ok ? '' : check.reason, /cannot read its token file .*tokens\.json .*fix it or move it away/);
});
