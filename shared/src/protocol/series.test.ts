import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeriesKey, seriesKey } from './series';

test('a name without labels is the key itself, and parses back with no labels', () => {
  assert.equal(seriesKey('cpu.util'), 'cpu.util');
  assert.equal(seriesKey('cpu.util', {}), 'cpu.util');
  assert.deepEqual(parseSeriesKey('cpu.util'), { name: 'cpu.util', labels: {} });
});

test('labels are sorted by name, whatever order they were given in', () => {
  const a = seriesKey('disk.read_bps', { dev: 'sda', host: 'h1', cls: 'ssd' });
  const b = seriesKey('disk.read_bps', { host: 'h1', cls: 'ssd', dev: 'sda' });
  assert.equal(a, 'disk.read_bps{cls=ssd,dev=sda,host=h1}');
  assert.equal(b, a);
});

test('seriesKey → parseSeriesKey round-trips names and label values', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['net.rx_bps', { iface: 'eth0' }],
    ['fs.used_bytes', { mount: '/var/lib/docker', fstype: 'ext4' }],
    ['proc.cpu', { name: 'kworker/0:1', user: '' }],
    ['x', { a: 'with spaces and "quotes"', b: 'ünïcödé' }],
  ];
  for (const [name, labels] of cases) {
    const key = seriesKey(name, labels);
    assert.deepEqual(parseSeriesKey(key), { name, labels }, key);
  }
});

test('characters that would break the key are replaced by "_" so it still parses to the same label names', () => {
  const key = seriesKey('fs.used', { mount: '/mnt/a,b{c}=d\ne', dev: 'x' });
  assert.equal(key, 'fs.used{dev=x,mount=/mnt/a_b_c__d_e}');
  assert.deepEqual(parseSeriesKey(key), { name: 'fs.used', labels: { dev: 'x', mount: '/mnt/a_b_c__d_e' } });
});

test('parseSeriesKey refuses malformed keys with null', () => {
  for (const bad of ['', '{a=b}', 'cpu{a=b', 'cpu{a}', 'cpu{=b}', 'cpu{a=b,}']) {
    assert.equal(parseSeriesKey(bad), null, JSON.stringify(bad));
  }
  assert.deepEqual(parseSeriesKey('cpu{}'), { name: 'cpu', labels: {} });
});
