import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogLine } from '@cerebro/shared/api/contract';
import { appendLines, levelsOf, lineFilter, visibleRange } from './logs-model';

const line = (i: number, msg = `line ${i}`, templateId = 'aaaaaaaa'): LogLine => ({ id: String(i), ts: 1000 + i, hostId: 'h', src: 'journal', level: 'info', msg, templateId });

test('levels: single, lists and "at least"', () => {
  assert.deepEqual(levelsOf('warn+'), ['fatal', 'error', 'warn']);
  assert.deepEqual(levelsOf('error,debug'), ['error', 'debug']);
  assert.equal(levelsOf(''), null);
  assert.equal(levelsOf('loud'), null);
});

test('live lines are filtered by template, terms and window', () => {
  const f = lineFilter({ template: 'bbbbbbbb', q: 'Disk "sda full"', from: 1001, to: 1005 });
  assert.equal(f(line(2, 'disk sda full now', 'bbbbbbbb')), true);
  assert.equal(f(line(2, 'disk sda full now', 'aaaaaaaa')), false, 'other template');
  assert.equal(f(line(2, 'disk sdb full now', 'bbbbbbbb')), false, 'phrase missing');
  assert.equal(f(line(9, 'disk sda full', 'bbbbbbbb')), false, 'after the window');
});

test('the tail keeps the newest lines up to its bound', () => {
  const a = Array.from({ length: 8 }, (_, i) => line(i));
  const next = appendLines(a, [line(8), line(9), line(10)], 10);
  assert.equal(next.length, 10);
  assert.equal(next[0]!.id, '1');
  assert.equal(next.at(-1)!.id, '10');
});

test('a virtualised list draws only the rows in view', () => {
  assert.deepEqual(visibleRange(0, 400, 20, 10_000, 5), [0, 25]);
  assert.deepEqual(visibleRange(20 * 5000, 400, 20, 10_000, 5), [4995, 5025]);
  assert.deepEqual(visibleRange(20 * 9990, 400, 20, 10_000, 5), [9985, 10_000]);
});
