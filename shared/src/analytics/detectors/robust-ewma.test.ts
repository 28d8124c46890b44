import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RobustEwma, robustEwma } from './robust-ewma';

function noisy(n: number, seed = 1): number[] {
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => 100 + 4 * (rnd() - 0.5));
}

test('a spike scores far above the noise around it; nothing scores during warm-up', () => {
  const d = robustEwma.create();
  const values = noisy(2000);
  values[1500] = 160;
  const scores = values.map((v, i) => d.update(i * 1000, v));
  for (let i = 0; i < robustEwma.warmupSamples; i++) assert.equal(scores[i], 0);
  const noiseMax = Math.max(...scores.slice(500, 1500));
  // The noise's own recent peak damps every score a little (~0.3 here), the spike's included.
  assert.ok(scores[1500]! > 0.6, `spike ${scores[1500]}`);
  assert.ok(scores[1500]! > 3 * noiseMax, `spike ${scores[1500]} vs noise ${noiseMax}`);
  for (const s of scores) assert.ok(s >= 0 && s < 1);
});

test('a level shift alerts at its start and is absorbed: the baseline follows within a few hundred samples', () => {
  const d = robustEwma.create();
  const values = noisy(3000).map((v, i) => (i >= 1000 ? v + 30 : v));
  const scores = values.map((v, i) => d.update(i, v));
  assert.ok(scores[1000]! > 0.6, `shift start ${scores[1000]}`);
  assert.ok(Math.max(...scores.slice(2000)) < 0.5, 'quiet again after the shift');
});

test('a perfectly flat line scores 0, and its state stays finite', () => {
  const d = robustEwma.create();
  for (let i = 0; i < 500; i++) assert.equal(d.update(i, 7), 0);
  assert.ok(Object.values(d.toJSON()).every((v) => typeof v !== 'number' || Number.isFinite(v)));
});

test('state survives JSON: a restored detector continues with identical scores', () => {
  const values = noisy(1000, 9);
  const a = robustEwma.create();
  for (let i = 0; i < 400; i++) a.update(i, values[i]!);
  const r = RobustEwma.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.ok(r.ok);
  for (let i = 400; i < 1000; i++) assert.equal(r.value.update(i, values[i]!), a.update(i, values[i]!));
  assert.equal(RobustEwma.fromJSON({ ...a.toJSON(), scale: -1 }).ok, false);
  assert.equal(RobustEwma.fromJSON({ ...a.toJSON(), kind: 'windowedGaussian' }).ok, false);
});

test('a repeat shortly after an alert is damped; after a long quiet spell it scores fully again', () => {
  const values = noisy(4000, 3);
  values[1000] = 160;
  values[1010] = 160;
  values[3900] = 160;
  const d = robustEwma.create();
  const scores = values.map((v, i) => d.update(i, v));
  assert.ok(scores[1010]! < 0.3 * scores[1000]!, `repeat ${scores[1010]} vs first ${scores[1000]}`);
  assert.ok(scores[3900]! > 0.8 * scores[1000]!, `after ~2,900 quiet samples ${scores[3900]}`);
});
