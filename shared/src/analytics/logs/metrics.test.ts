import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f1GroupAccuracy, f1TemplateAccuracy, groupingAccuracy, parsingAccuracy } from './metrics';

// Six lines, ground truth A A A B B C.
const truth = ['A', 'A', 'A', 'B', 'B', 'C'];

test('GA counts lines of parsed groups that are exactly a true group', () => {
  assert.equal(groupingAccuracy(['x', 'x', 'x', 'y', 'y', 'z'], truth), 1);
  // B split into y1/y2: only A's 3 lines and C's 1 are in correct groups → 4/6.
  assert.equal(groupingAccuracy(['x', 'x', 'x', 'y1', 'y2', 'z'], truth), 4 / 6);
  // B and C merged: A only → 3/6.
  assert.equal(groupingAccuracy(['x', 'x', 'x', 'y', 'y', 'y'], truth), 3 / 6);
  // Everything in one group: nothing correct.
  assert.equal(groupingAccuracy(['x', 'x', 'x', 'x', 'x', 'x'], truth), 0);
});

test('PA compares the template text line by line', () => {
  assert.equal(parsingAccuracy(['A', 'A', 'A', 'B', 'B', 'C'], truth), 1);
  assert.equal(parsingAccuracy(['A', 'A', 'a', 'B', 'x', 'C'], truth), 4 / 6);
  assert.equal(parsingAccuracy(['A ', 'A', 'A', 'B', 'B', 'C'], truth), 5 / 6, 'no trimming');
});

test('FTA: a template is right when all its lines have one true template and its text equals it', () => {
  // Parsed templates A (3 lines, right), B (only one of B's lines, still right: "exactly one truth
  // template", not "all of its lines"), b (wrong text), C (right). Correct 3 of 4 parsed, 3 of 3 true:
  // P = 3/4, R = 1, F1 = 2·0.75/1.75 = 6/7.
  assert.equal(f1TemplateAccuracy(['A', 'A', 'A', 'B', 'b', 'C'], truth), 6 / 7);
  // A template that covers two true templates is wrong even if its text equals one of them:
  // parsed A, A, A, B, B, B → A right, B covers B and C → wrong. P = 1/2, R = 1/3, F1 = 0.4.
  assert.ok(Math.abs(f1TemplateAccuracy(['A', 'A', 'A', 'B', 'B', 'B'], truth) - 0.4) < 1e-12);
});

test('FGA: F1 of correct groups over parsed groups and true groups', () => {
  // Groups x (=A, correct), y1, y2 (B split, wrong), z (=C, correct): P = 2/4, R = 2/3, F1 = 4/7.
  assert.ok(Math.abs(f1GroupAccuracy(['x', 'x', 'x', 'y1', 'y2', 'z'], truth) - 4 / 7) < 1e-12);
});

test('inputs of different lengths are an error', () => {
  assert.throws(() => groupingAccuracy(['x'], truth), /1 lines/);
  assert.throws(() => parsingAccuracy(['x'], truth), /ground truth has 6/);
});
