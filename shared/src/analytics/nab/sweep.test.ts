import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateDetector } from './evaluate';
import { normaliseScore } from './normalise';
import { NAB_PROFILES } from './profiles';
import { scoreAtThreshold, scoreFile } from './score';
import { NO_DETECTION_THRESHOLD, optimiseThreshold } from './sweep';
import type { NabFile } from './windows';

const files: NabFile[] = [
  { name: 'a', rows: 100, windows: [{ left: 40, right: 49 }] },
  { name: 'b', rows: 200, windows: [{ left: 50, right: 59 }, { left: 120, right: 139 }] },
  { name: 'c', rows: 100, windows: [] },
];
const constant = (v: number): Float64Array[] => files.map((f) => new Float64Array(f.rows).fill(v));

test('the null detector (constant 0.5) scores exactly 0 under every profile', () => {
  const e = evaluateDetector(files, constant(0.5), NAB_PROFILES);
  for (const r of Object.values(e)) {
    assert.equal(r.nab, 0);
    assert.equal(r.threshold, NO_DETECTION_THRESHOLD);
  }
});

test('the perfect detector (first row of every window, nothing else) scores exactly 100', () => {
  const scores = constant(0);
  files.forEach((f, i) => f.windows.forEach((w) => (scores[i]![w.left] = 1)));
  const e = evaluateDetector(files, scores, NAB_PROFILES);
  for (const r of Object.values(e)) assert.ok(Math.abs(r.nab - 100) < 1e-9, String(r.nab));
});

test('only the best detection of a window counts; every detection outside costs its own FP', () => {
  const scores = constant(0);
  scores[0]![45] = 1;
  scores[0]![47] = 1; // second detection, same window: adds nothing
  scores[2]![50] = 1;
  scores[2]![51] = 1; // file without windows: two full FPs
  const p = NAB_PROFILES.standard;
  const a = scoreFile(files[0]!, scores[0]!, p, 0.5);
  const c = scoreFile(files[2]!, scores[2]!, p, 0.5);
  assert.ok(Math.abs(a.score - (2 / (1 + Math.exp(-2.5)) - 1) / (2 / (1 + Math.exp(-5)) - 1)) < 1e-12, 'y = −5/10 at row 45');
  assert.equal(a.tp, 2);
  assert.equal(a.fn, 8);
  assert.equal(c.score, -2 * p.fp);
  assert.equal(c.fp, 2);
  const all = scoreAtThreshold(files, scores, p, 0.5);
  assert.ok(Math.abs(all.raw - (a.score + c.score - 2 * p.fn)) < 1e-12, 'the two windows of b are missed');
});

test('the sweep finds the threshold a brute-force search finds, and ties fire together', () => {
  // Scores in a few discrete levels, so ties matter.
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const scores = files.map((f) => Float64Array.from({ length: f.rows }, () => Math.round(rnd() * 20) / 20));
  for (const p of Object.values(NAB_PROFILES)) {
    const swept = optimiseThreshold(files, scores, p);
    let best = scoreAtThreshold(files, scores, p, NO_DETECTION_THRESHOLD);
    for (let k = 20; k >= 0; k--) {
      const r = scoreAtThreshold(files, scores, p, k / 20);
      if (r.raw > best.raw + 1e-12) best = r;
    }
    assert.ok(Math.abs(swept.raw - best.raw) < 1e-9, `${swept.raw} vs ${best.raw}`);
    assert.equal(swept.threshold, best.threshold);
  }
});

test('normalisation: null → 0, perfect → 100, linear between', () => {
  const p = NAB_PROFILES.reward_low_FN_rate;
  assert.equal(normaliseScore(-232, 116, p), 0);
  assert.equal(normaliseScore(116, 116, p), 100);
  assert.ok(Math.abs(normaliseScore(26.634450197137568, 116, p) - 74.32024430951) < 1e-8);
});

test('a NaN score is refused with the file and row named (it would stall the sweep)', () => {
  const scores = constant(0);
  scores[1]![7] = Number.NaN;
  assert.throws(() => optimiseThreshold(files, scores, NAB_PROFILES.standard), /b: anomaly score of row 7 is NaN/);
});
