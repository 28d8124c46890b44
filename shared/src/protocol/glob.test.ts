import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globToRegExp } from './glob';

test('policy globs match whole names: * any run, ? one character, everything else literally', () => {
  assert.ok(globToRegExp('cerebro-*').test('cerebro-hog'));
  assert.ok(!globToRegExp('cerebro-*').test('xcerebro-hog'), 'anchored at the start');
  assert.ok(globToRegExp('sl?ep').test('sleep'));
  assert.ok(!globToRegExp('sl?ep').test('slep'));
  assert.ok(globToRegExp('a.b(1)+').test('a.b(1)+'));
  assert.ok(!globToRegExp('a.b').test('axb'), 'a dot is a dot');
});
