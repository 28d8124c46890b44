import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExhaustionForecaster, senSlope } from './exhaustion';

const MIN = 60_000;
const GB = 1e9;
const T0 = Date.UTC(2026, 0, 1);

/** Deterministic noise in [-1, 1) (LCG), so the tests are repeatable. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function feed(f: ExhaustionForecaster, minutes: number, used: (i: number) => number, capacity = 100 * GB, from = 0): void {
  for (let i = from; i < from + minutes; i++) f.add(T0 + i * MIN, used(i), capacity);
}

test('linear fill: the estimate hits the true time to full, the lower bound is not later', () => {
  const f = new ExhaustionForecaster();
  const rate = 0.1 * GB; // per minute
  feed(f, 60, (i) => 20 * GB + rate * i);
  const r = f.forecast();
  assert.ok(r);
  const trueEta = ((100 * GB - (20 * GB + rate * 59)) / rate) * MIN;
  assert.ok(Math.abs(r.etaMs! - trueEta) / trueEta < 0.01, `eta ${r.etaMs} vs ${trueEta}`);
  assert.ok(r.etaLowerBoundMs! <= r.etaMs! + 1);
  assert.ok(r.confident);
  assert.ok(Math.abs(r.slopePerSec - rate / 60) / (rate / 60) < 1e-9);
});

test('noisy fill with spikes: estimate within 15 %, lower bound not past the true time', () => {
  const f = new ExhaustionForecaster();
  const rnd = noise(7);
  const rate = 0.05 * GB;
  feed(f, 120, (i) => 30 * GB + rate * i + 0.5 * GB * rnd() + (i % 37 === 0 ? 8 * GB : 0));
  const r = f.forecast();
  assert.ok(r && r.etaMs !== null && r.etaLowerBoundMs !== null);
  const trueEta = ((100 * GB - (30 * GB + rate * 119)) / rate) * MIN;
  assert.ok(Math.abs(r.etaMs - trueEta) / trueEta < 0.15, `eta ${(r.etaMs / 3.6e6).toFixed(1)} h vs true ${(trueEta / 3.6e6).toFixed(1)} h`);
  assert.ok(r.etaLowerBoundMs < r.etaMs, 'the bound is below the estimate under noise');
  assert.ok(r.etaLowerBoundMs <= trueEta, `lower bound ${r.etaLowerBoundMs} must not exceed the true ${trueEta}`);
  assert.ok(r.confident);
});

test('flat (noisy) usage: not filling, no time to full', () => {
  const f = new ExhaustionForecaster();
  const rnd = noise(3);
  feed(f, 90, () => 50 * GB + 0.2 * GB * rnd());
  const r = f.forecast();
  assert.ok(r);
  assert.equal(r.confident, false);
  if (r.slopePerSec <= 0) assert.equal(r.etaMs, null);
  else assert.ok(r.etaMs! > 30 * 24 * 3.6e6, `a near-zero slope gives a far-off estimate, got ${r.etaMs}`);
});

test('draining: null estimate and bound', () => {
  const f = new ExhaustionForecaster();
  feed(f, 60, (i) => 80 * GB - 0.05 * GB * i);
  const r = f.forecast();
  assert.ok(r);
  assert.equal(r.etaMs, null);
  assert.equal(r.etaLowerBoundMs, null);
  assert.ok(r.slopePerSec < 0);
});

test('a step of freed space resets the window: the new trend alone sets the estimate', () => {
  const f = new ExhaustionForecaster();
  feed(f, 60, (i) => 40 * GB + 0.5 * GB * i); // fast fill to 69.5 GB
  const before = f.forecast();
  assert.ok(before && before.etaMs !== null);
  feed(f, 10, (i) => 20 * GB + 0.01 * GB * (i - 60), 100 * GB, 60); // cleanup to 20 GB, then a slow fill
  const after = f.forecast();
  assert.ok(after && after.etaMs !== null);
  assert.equal(after.points, 10);
  const trueEta = ((100 * GB - (20 * GB + 0.01 * GB * 9)) / (0.01 * GB)) * MIN;
  assert.ok(Math.abs(after.etaMs - trueEta) / trueEta < 0.01, `after reset ${after.etaMs} vs ${trueEta}`);
  assert.ok(after.etaMs > 10 * before.etaMs);
});

test('too few samples: no forecast; bad samples are counted, not used', () => {
  const f = new ExhaustionForecaster();
  feed(f, 3, (i) => i * GB);
  assert.equal(f.forecast(), null);
  f.add(T0 + 10 * MIN, NaN, 100 * GB);
  f.add(T0 + 11 * MIN, 5 * GB, 0);
  f.add(T0, 5 * GB, 100 * GB); // time going backwards
  assert.equal(f.rejectedSamples, 3);
  assert.equal(f.toState().points.length, 3);
});

test('bounded memory, and the state round-trips through JSON to the same forecast', () => {
  const f = new ExhaustionForecaster();
  feed(f, 1000, (i) => 10 * GB + 0.02 * GB * i);
  const s = f.toState();
  assert.ok(s.points.length <= 120);
  const g = ExhaustionForecaster.fromState(JSON.parse(JSON.stringify(s)));
  assert.ok(g.ok);
  assert.deepEqual(g.value.forecast(), f.forecast());
  const bad = ExhaustionForecaster.fromState({ version: 1, points: [[1, 'x']], last: null, capacity: 1 });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /points must be/);
});

test('samples closer than the spacing update the current value only', () => {
  const f = new ExhaustionForecaster();
  for (let i = 0; i < 600; i++) f.add(T0 + i * 1000, 10 * GB + 1e6 * i, 100 * GB); // 1 Hz for 10 min
  const r = f.forecast();
  assert.ok(r);
  assert.equal(r.points, 11); // one kept per minute, plus the latest sample
  assert.equal(r.used, 10 * GB + 1e6 * 599);
  assert.ok(Math.abs(r.slopePerSec - 1e6) / 1e6 < 1e-9);
});

test('senSlope: exact on a line, interval contains it', () => {
  const pts: Array<[number, number]> = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i * 1000, 3 * i + 1]);
  const s = senSlope(pts, 1.645);
  assert.equal(s.slope, 3);
  assert.ok(s.low <= 3 && s.high >= 3);
});
