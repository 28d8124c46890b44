import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameKeyList } from './key-list';

test('sameKeyList compares the first n keys with a cached list of exactly n', () => {
  const cached = ['cpu.util_pct', 'load.1'];
  assert.equal(sameKeyList(cached, ['cpu.util_pct', 'load.1'], 2), true, 'equal contents, other array');
  assert.equal(sameKeyList(cached, cached, 2), true, 'the same array');
  assert.equal(sameKeyList(cached, cached, 1), false, 'the same array, but n differs from its length');
  assert.equal(sameKeyList(cached, ['cpu.util_pct', 'load.1', 'extra'], 2), true, 'only the first n keys are used');
  assert.equal(sameKeyList(cached, ['cpu.util_pct', 'load.5'], 2), false, 'one key differs');
  assert.equal(sameKeyList(cached, ['cpu.util_pct'], 2), false, 'shorter than n');
  assert.equal(sameKeyList(cached, ['cpu.util_pct', 'load.1', 'x'], 3), false, 'cached list shorter than n');
});
