import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseScore } from './normalise';
import { NAB_PROFILES } from './profiles';
import { heldOutScores, splitHalves } from './split';
import { optimiseThreshold } from './sweep';
import type { NabFile } from './windows';

test('halves alternate within each category, so both hold every kind of series', () => {
  const files = ['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'c/1'].map((name) => ({ name, rows: 10, windows: [] }));
  assert.deepEqual(splitHalves(files), ['A', 'B', 'A', 'A', 'B', 'A']);
});

test('a threshold tuned on one half is scored on the other, against that half\'s own best', () => {
  // Half A's detector fires at 0.9 on each window's first row; half B's only at 0.6, with noise at 0.7 outside.
  const files: NabFile[] = [
    { name: 'x/a1', rows: 100, windows: [{ left: 40, right: 49 }] },
    { name: 'x/b1', rows: 100, windows: [{ left: 40, right: 49 }] },
  ];
  const a = new Float64Array(100);
  a[40] = 0.9;
  const b = new Float64Array(100);
  b[40] = 0.6;
  b[70] = 0.7;
  const halves = splitHalves(files);
  const p = NAB_PROFILES.standard;
  const r = heldOutScores(files, [a, b], NAB_PROFILES, halves, 'A');
  // Tuned on A: threshold 0.9, so B detects nothing (its null score, 0).
  assert.equal(r.standard.threshold, 0.9);
  assert.equal(r.standard.heldOut, 0);
  // B's own best catches its window at 0.6 and pays for the FP at 0.7.
  const own = optimiseThreshold([files[1]!], [b], p).raw;
  assert.equal(r.standard.ownBest, normaliseScore(own, 1, p));
  assert.ok(r.standard.ownBest > 90);
});
