import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TailRarity } from './tail-rarity';

const params = { bins: 40, step: 0.25, decay: 0.999, prior: 1 };

test('the tail share is the share of past samples at least as deviant, with the prior', () => {
  const t = new TailRarity({ ...params, decay: 1 });
  for (let i = 0; i < 99; i++) t.add(1);
  t.add(100);
  // 1 of 100 samples (plus the prior of 1) is at z ≥ 50; none beyond the last one.
  assert.ok(Math.abs(t.tailShare(50) - 2 / 101) < 1e-12, String(t.tailShare(50)));
  assert.ok(t.tailShare(0) > 0.99);
  assert.ok(Math.abs(t.tailShare(1e9) - 1 / 101) < 1e-12);
});

test('the factor is −log10 of the tail share over the decades, within [0, 1]', () => {
  const t = new TailRarity({ ...params, decay: 1 });
  for (let i = 0; i < 99_999; i++) t.add(1);
  t.add(100);
  // 2 in 100,001 at z ≥ 50: −log10 ≈ 4.7, beyond 3 decades: 1.
  assert.equal(t.factor(50, 3), 1);
  // Every sample is at least this deviant: a share a hair above 1 by rounding would give a negative factor.
  assert.equal(t.factor(0, 3), 0);
  assert.ok(Math.abs(t.factor(50, 10) - -Math.log10(t.tailShare(50)) / 10) < 1e-12);
});

test('old samples fade: a deviation common long ago becomes rare again', () => {
  const t = new TailRarity(params);
  for (let i = 0; i < 1000; i++) t.add(i % 10 === 0 ? 20 : 0.5);
  const common = t.tailShare(20);
  for (let i = 0; i < 5000; i++) t.add(0.5);
  assert.ok(t.tailShare(20) < common / 20, `${t.tailShare(20)} vs ${common}`);
});

test('rescaling the weights (every ~230,000 samples at decay 0.999) keeps the shares', () => {
  const t = new TailRarity(params);
  let before = 0;
  for (let i = 0; i < 240_000; i++) {
    if (t.weight > 1e99 && before === 0) before = t.tailShare(3);
    t.add(i % 3);
  }
  assert.ok(t.weight < 1e99, 'rescaled');
  assert.ok(Math.abs(t.tailShare(3) - before) < 1e-9, `${t.tailShare(3)} vs ${before}`);
});
