import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaledSigmoid, SIGMOID_AT_LEFT_EDGE } from './sigmoid';

test('the scaled sigmoid has the reference values of SCORING.md §3', () => {
  assert.ok(Math.abs(scaledSigmoid(-1) - 0.98661) < 5e-6);
  assert.ok(Math.abs(scaledSigmoid(-0.5) - 0.84828) < 5e-6);
  assert.equal(scaledSigmoid(0), 0);
  assert.ok(Math.abs(scaledSigmoid(1) + 0.98661) < 5e-6);
  assert.equal(SIGMOID_AT_LEFT_EDGE, scaledSigmoid(-1));
});

test('beyond y = 3 the sigmoid is exactly −1, and just below it is not', () => {
  assert.equal(scaledSigmoid(3.0001), -1);
  assert.equal(scaledSigmoid(1e9), -1);
  assert.ok(scaledSigmoid(3) > -1);
});
