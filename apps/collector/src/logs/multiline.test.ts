import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultilineJoiner, cutAt, type JoinedRecord } from './multiline';

function join(lines: string[], options = { maxLines: 500, maxChars: 16384, idleMs: 500 }): JoinedRecord[] {
  const out: JoinedRecord[] = [];
  const j = new MultilineJoiner(options);
  lines.forEach((l, i) => j.push(l, 1000 + i, (i + 1) * 100, (r) => out.push(r)));
  j.flush((r) => out.push(r));
  return out;
}

test('a Java stack trace with Caused by and "... N more" is one record', () => {
  const lines = [
    '2024-11-10 12:00:00 ERROR request failed',
    'java.lang.IllegalStateException: boom',
    '\tat com.example.A.run(A.java:10)',
    '\tat com.example.B.call(B.java:20)',
    'Caused by: java.io.IOException: disk',
    '\tat com.example.C.io(C.java:5)',
    '\t... 12 more',
    '2024-11-10 12:00:01 INFO next',
  ];
  const out = join(lines);
  assert.deepEqual(
    out.map((r) => r.text),
    ['2024-11-10 12:00:00 ERROR request failed', lines.slice(1, 7).join('\n'), '2024-11-10 12:00:01 INFO next'],
  );
  assert.equal(out[1]?.end, 700, 'a record ends at the end of its last line');
  assert.equal(out[1]?.ts, 1001, 'a record has the time of its first line');
});

test('a Python traceback, its exception line included, joins the logging line before it', () => {
  const lines = [
    'ERROR:root:failed to load',
    'Traceback (most recent call last):',
    '  File "app.py", line 3, in <module>',
    '    load()',
    'ValueError: bad value',
    'INFO:root:carrying on',
  ];
  assert.deepEqual(
    join(lines).map((r) => r.text),
    [lines.slice(0, 5).join('\n'), 'INFO:root:carrying on'],
  );
});

test('node.js "    at" frames join; maxLines starts a new record; maxChars cuts and marks truncated', () => {
  const frames = Array.from({ length: 10 }, (_, i) => `    at f${i} (x.js:${i}:1)`);
  const out = join(['Error: x', ...frames], { maxLines: 4, maxChars: 16384, idleMs: 500 });
  assert.deepEqual(out.map((r) => r.text.split('\n').length), [4, 4, 3]);
  const long = join(['head', `  ${'y'.repeat(400)}`, '  more'], { maxLines: 50, maxChars: 300, idleMs: 500 });
  assert.equal(long.length, 1);
  assert.equal(long[0]?.text.length, 300);
  assert.equal(long[0]?.truncated, true);
  assert.equal(long[0]?.end, 300, 'the cut lines still count as consumed');
});

test('a pending record is handed on after idleMs without a new line, not before', () => {
  const out: JoinedRecord[] = [];
  const j = new MultilineJoiner({ maxLines: 500, maxChars: 16384, idleMs: 500 });
  j.push('Exception: x', 1000, 10, (r) => out.push(r));
  j.push('  at a', 1100, 20, (r) => out.push(r));
  j.flushIdle(1500, (r) => out.push(r));
  assert.equal(out.length, 0);
  assert.equal(j.busy, true);
  j.flushIdle(1600, (r) => out.push(r));
  assert.deepEqual(out.map((r) => r.text), ['Exception: x\n  at a']);
  assert.equal(j.busy, false);
});

test('cutAt never splits a surrogate pair', () => {
  assert.equal(cutAt('ab😀cd', 3), 'ab');
  assert.equal(cutAt('ab😀cd', 4), 'ab😀');
});
