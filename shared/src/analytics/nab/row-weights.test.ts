import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAB_PROFILES } from './profiles';
import { rowWeights } from './row-weights';
import { scaledSigmoid } from './sigmoid';
import { probationLength, windowsToIndices } from './windows';

const near = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} ≠ ${b}`);

test('probation is floor(15 %) of the rows, at most 750', () => {
  assert.equal(probationLength(100), 15);
  assert.equal(probationLength(1243), 186);
  assert.equal(probationLength(4032), 604);
  assert.equal(probationLength(5000), 750);
  assert.equal(probationLength(15833), 750);
});

test('inside a window: the first row is worth A_TP, the worth falls to ~0 at the right edge', () => {
  // 100 rows → probation 15; one window on rows 40..49 (width 10).
  const file = { name: 'f', rows: 100, windows: [{ left: 40, right: 49 }] };
  const { probation, weight, window } = rowWeights(file, NAB_PROFILES.standard);
  assert.equal(probation, 15);
  assert.equal(weight.length, 85);
  near(weight[40 - 15]!, 1.0, 'left edge');
  near(weight[49 - 15]!, scaledSigmoid(-1 / 10) / scaledSigmoid(-1), 'right edge');
  assert.ok(weight[49 - 15]! < 0.3);
  for (let i = 40; i < 49; i++) assert.ok(weight[i - 15]! > weight[i + 1 - 15]!, 'earlier detections are worth more');
  assert.equal(window[40 - 15], 0);
  assert.equal(window[50 - 15], -1);
  assert.equal(window[39 - 15], -1);
});

test('outside: −A_FP before any window; after one, σ(|R − i| / (width − 1))·A_FP, reaching −A_FP beyond 3 widths', () => {
  const file = { name: 'f', rows: 200, windows: [{ left: 50, right: 59 }] };
  const fp = NAB_PROFILES.reward_low_FP_rate.fp;
  const { probation, weight } = rowWeights(file, NAB_PROFILES.reward_low_FP_rate);
  assert.equal(weight[49 - probation], -fp, 'before the window');
  near(weight[60 - probation]!, fp * scaledSigmoid(1 / 9), 'just after: divisor width − 1 = 9');
  assert.ok(weight[60 - probation]! > -0.7 * fp, 'an FP just after a window costs less than a full one');
  near(weight[86 - probation]!, fp * scaledSigmoid(27 / 9), 'y = 3 exactly is still on the curve');
  assert.equal(weight[87 - probation], -fp, 'y > 3: the full cost');
});

test('an FP between two windows is scored against the previous window only', () => {
  const file = { name: 'f', rows: 200, windows: [{ left: 40, right: 49 }, { left: 100, right: 109 }] };
  const { probation, weight } = rowWeights(file, NAB_PROFILES.standard);
  // Row 99 is one row before the second window but 50 rows after the first: the full cost.
  assert.equal(weight[99 - probation], -NAB_PROFILES.standard.fp);
  near(weight[50 - probation]!, NAB_PROFILES.standard.fp * scaledSigmoid(1 / 9));
});

test('a window that ended during probation still discounts the FPs right after probation', () => {
  // 1000 rows → probation 150; window 100..149 (width 50) ends just before the first scored row.
  const file = { name: 'f', rows: 1000, windows: [{ left: 100, right: 149 }] };
  const { probation, weight } = rowWeights(file, NAB_PROFILES.standard);
  assert.equal(probation, 150);
  near(weight[0]!, NAB_PROFILES.standard.fp * scaledSigmoid(1 / 49));
});

test('windowsToIndices matches label timestamps (with microseconds) to rows, and refuses unknown ones', () => {
  const ts = ['2014-01-01 00:00:00', '2014-01-01 00:05:00', '2014-01-01 00:10:00', '2014-01-01 00:15:00'];
  const ok = windowsToIndices('f', ts, [['2014-01-01 00:05:00.000000', '2014-01-01 00:10:00.000000']]);
  assert.deepEqual(ok, { ok: true, value: [{ left: 1, right: 2 }] });
  const bad = windowsToIndices('f', ts, [['2014-01-01 00:06:00.000000', '2014-01-01 00:10:00.000000']]);
  assert.equal(bad.ok, false);
});
