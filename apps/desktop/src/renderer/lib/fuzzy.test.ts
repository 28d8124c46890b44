import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzyMatch, fuzzyRank } from './fuzzy';

test('characters must appear in order, case-insensitively', () => {
  assert.ok(fuzzyMatch('WB2', 'web-2'));
  assert.equal(fuzzyMatch('2bw', 'web-2'), null);
  assert.deepEqual(fuzzyMatch('w2', 'web-2')?.indices, [0, 4]);
  assert.deepEqual(fuzzyMatch('', 'anything'), { score: 0, indices: [] });
});

test('substrings beat scattered matches; word starts and earlier positions rank higher', () => {
  const hosts = ['dashboard', 'db-01', 'prod-db-02', 'web-1'];
  assert.deepEqual(fuzzyRank('db', hosts, (h) => [h]).map((r) => r.item), ['db-01', 'prod-db-02', 'dashboard']);
  assert.deepEqual(fuzzyRank('topo', ['Fleet', 'Topology'], (v) => [v]).map((r) => r.item), ['Topology']);
});

test('an item matches on any of its texts (hostname or id) and the limit applies', () => {
  const items = [{ name: 'alpha', id: 'f00d' }, { name: 'beta', id: 'a1b2' }];
  assert.deepEqual(fuzzyRank('f00', items, (i) => [i.name, i.id]).map((r) => r.item.name), ['alpha']);
  assert.equal(fuzzyRank('a', items, (i) => [i.name, i.id], 1).length, 1);
});
