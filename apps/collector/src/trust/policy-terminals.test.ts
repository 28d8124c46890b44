import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePolicy, PolicyError, policyRefusal } from './policy';

test('"terminalUser" restricts the account terminals run as; a bad one is a clear error', () => {
  const p = parsePolicy({ terminalUser: 'ops' }, 'test policy');
  assert.equal(p.terminalUser, 'ops');
  assert.equal(parsePolicy({}, 'test policy').terminalUser, null);
  assert.equal(policyRefusal(p, 'terminal.open', { sid: 'abcdefgh', user: 'ops' }), null);
  assert.equal(policyRefusal(p, 'terminal.open', { sid: 'abcdefgh' }), null, 'no user asked: the policy account is used');
  assert.match(policyRefusal(p, 'terminal.open', { sid: 'abcdefgh', user: 'root' }) ?? '', /runs terminals only as "ops" \(asked for "root"\)/);
  assert.throws(() => parsePolicy({ terminalUser: 'root; rm -rf /' }, 'test policy'), (e: unknown) => e instanceof PolicyError && /"terminalUser" must be a user name/.test(e.message));
  assert.match(policyRefusal(parsePolicy({ terminals: false, terminalUser: 'ops' }, 'p'), 'terminal.open', {}) ?? '', /disables terminals/);
});
