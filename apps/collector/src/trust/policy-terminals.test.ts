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

test('"terminalIdleMinutes" sets the host-side idle limit of terminals (default 15); a bad one is a clear error', () => {
  assert.equal(parsePolicy({}, 'test policy').terminalIdleMinutes, 15);
  assert.equal(parsePolicy({ terminalIdleMinutes: 5 }, 'test policy').terminalIdleMinutes, 5);
  assert.equal(parsePolicy({ terminalIdleMinutes: 0.5 }, 'test policy').terminalIdleMinutes, 0.5);
  for (const bad of [0, -1, '15', 24 * 60 + 1, Number.NaN]) {
    assert.throws(() => parsePolicy({ terminalIdleMinutes: bad }, 'test policy'), (e: unknown) => e instanceof PolicyError && /"terminalIdleMinutes" must be a number of minutes above 0 and at most 1440/.test(e.message), String(bad));
  }
});
