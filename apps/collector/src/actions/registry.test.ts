import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTION_NAMES } from '@cerebro/shared/api/remediation';
import { ACTIONS, runAction } from './registry';

test('the collector implements exactly the primitives runbooks may name', () => {
  assert.deepEqual(Object.keys(ACTIONS).sort(), [...ACTION_NAMES].sort());
});

test('malformed payloads are refused with the rule, never thrown', async () => {
  const ctx = { policy: { allowedDirs: [], scriptsDir: null }, timeoutMs: 1_000 };
  for (const [payload, refusal] of [
    [null, 'INVALID_PARAMS'],
    [[1], 'INVALID_PARAMS'],
    [{ action: 'toString' }, 'UNKNOWN_ACTION'],
    [{ action: 'drop-caches', params: 'x' }, 'INVALID_PARAMS'],
    [{ action: 'drop-caches', timeoutMs: -5 }, 'INVALID_PARAMS'],
  ] as const) {
    const r = await runAction(payload, ctx);
    assert.equal(r.status, 'refused', JSON.stringify(payload));
    assert.equal(r.refusal, refusal, JSON.stringify(payload));
    assert.ok(r.message.length > 0);
  }
});
