import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalTail } from './normal-tail';
import { WindowedGaussian, windowedGaussian } from './windowed-gaussian';

/** NAB's detector as it is written: the raw window kept in an array, mean and population std recomputed. */
function reference(values: readonly number[]): number[] {
  let window: number[] = [];
  let step: number[] = [];
  let mean = 0;
  let std = 1;
  const stats = (): void => {
    mean = window.reduce((s, v) => s + v, 0) / window.length;
    std = Math.sqrt(window.reduce((s, v) => s + (v - mean) ** 2, 0) / window.length) || 0.000001;
  };
  return values.map((v) => {
    const score = window.length > 0 ? 1 - normalTail(Math.abs(v - mean) / std) : 0;
    if (window.length < 6400) {
      window.push(v);
      stats();
    } else {
      step.push(v);
      if (step.length === 100) {
        window = window.slice(100).concat(step);
        step = [];
        stats();
      }
    }
    return score;
  });
}

function series(n: number): number[] {
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // A daily-ish wave, a drift, noise, a level shift and a few spikes: the window must track all of it.
  return Array.from({ length: n }, (_, i) => 50 + 10 * Math.sin(i / 40) + i / 500 + 3 * rnd() + (i > 7000 ? 25 : 0) + (i % 1999 === 0 ? 40 : 0));
}

test('constant-memory windowed Gaussian gives the scores of NAB\'s array-based one, through growth and sliding', () => {
  const values = series(9000);
  const ref = reference(values);
  const d = windowedGaussian.create();
  values.forEach((v, i) => {
    const s = d.update(i * 300_000, v);
    assert.ok(Math.abs(s - ref[i]!) < 1e-9, `sample ${i}: ${s} vs ${ref[i]}`);
  });
});

test('scores are in [0, 1]; the first is 0; a flat line makes any change score ~1', () => {
  const d = windowedGaussian.create();
  assert.equal(d.update(0, 5), 0);
  for (let i = 1; i < 200; i++) assert.ok(Math.abs(d.update(i, 5) - 0.5) < 1e-6); // z = 0; erfc is approximated to ~1e-7
  assert.ok(d.update(200, 5.01) > 0.999999);
});

test('state survives JSON: a restored detector continues with identical scores', () => {
  const values = series(8000);
  const a = windowedGaussian.create();
  for (let i = 0; i < 6543; i++) a.update(i, values[i]!);
  const restored = WindowedGaussian.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  assert.ok(restored.ok);
  const b = restored.value;
  for (let i = 6543; i < 8000; i++) assert.equal(b.update(i, values[i]!), a.update(i, values[i]!));
  assert.ok(JSON.stringify(a.toJSON()).length < 4096, 'serialised state under 4 KB');
});

test('fromJSON refuses another kind, another version and broken arrays', () => {
  const good = windowedGaussian.create().toJSON();
  assert.equal(WindowedGaussian.fromJSON({ ...good, kind: 'robustEwma' }).ok, false);
  assert.equal(WindowedGaussian.fromJSON({ ...good, version: 99 }).ok, false);
  assert.equal(WindowedGaussian.fromJSON({ ...good, blockMean: [1, 2] }).ok, false);
  assert.equal(WindowedGaussian.fromJSON(null).ok, false);
});
