import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HYSTERESIS, checkHysteresis, newHysteresis, stepHysteresis, type Transition } from './hysteresis';

function run(scores: number[]): Transition[] {
  const s = newHysteresis();
  return scores.map((x) => stepHysteresis(s, x, DEFAULT_HYSTERESIS)).filter((t) => t !== null);
}

test('opens only after minSamples consecutive scores ≥ enter', () => {
  assert.deepEqual(run([0.9, 0.1, 0.9, 0.1, 0.9, 0.1]), []);
  assert.deepEqual(run([0.9, 0.5]), ['open']);
  assert.deepEqual(run([0.49, 0.49, 0.49]), []);
});

test('resolves only after clearSamples consecutive scores < exit', () => {
  assert.deepEqual(run([0.9, 0.9, ...Array<number>(9).fill(0.1)]), ['open']);
  assert.deepEqual(run([0.9, 0.9, ...Array<number>(10).fill(0.1)]), ['open', 'resolve']);
  // A score between exit and enter keeps it open and restarts the quiet count.
  assert.deepEqual(run([0.9, 0.9, ...Array<number>(9).fill(0.1), 0.3, ...Array<number>(9).fill(0.1)]), ['open']);
});

test('a flapping score raises one alert, not many', () => {
  const flapping: number[] = [];
  for (let i = 0; i < 200; i++) flapping.push(i % 6 < 2 ? 0.95 : 0.05);
  assert.deepEqual(run(flapping), ['open']);
  assert.deepEqual(run([...flapping, ...Array<number>(10).fill(0)]), ['open', 'resolve']);
});

test('a raised enter threshold (noise feedback) ignores scores below it', () => {
  const s = newHysteresis();
  assert.equal(stepHysteresis(s, 0.6, DEFAULT_HYSTERESIS, 0.75), null);
  assert.equal(stepHysteresis(s, 0.6, DEFAULT_HYSTERESIS, 0.75), null);
  assert.equal(stepHysteresis(s, 0.8, DEFAULT_HYSTERESIS, 0.75), null);
  assert.equal(stepHysteresis(s, 0.8, DEFAULT_HYSTERESIS, 0.75), 'open');
});

test('minimum duration: on a series sampled every 5 minutes one sample ≥ enter opens; every second it takes two', () => {
  const fiveMin = newHysteresis();
  assert.equal(stepHysteresis(fiveMin, 0.9, DEFAULT_HYSTERESIS, DEFAULT_HYSTERESIS.enter, 300_000), 'open');
  const second = newHysteresis();
  assert.equal(stepHysteresis(second, 0.9, DEFAULT_HYSTERESIS, DEFAULT_HYSTERESIS.enter, 1000), null);
  assert.equal(stepHysteresis(second, 0.9, DEFAULT_HYSTERESIS, DEFAULT_HYSTERESIS.enter, 1000), 'open');
  // Exactly the minimum (30 s) is long enough; just under it is not; an unknown interval (0) counts nothing.
  assert.equal(stepHysteresis(newHysteresis(), 0.9, DEFAULT_HYSTERESIS, DEFAULT_HYSTERESIS.enter, 30_000), 'open');
  assert.equal(stepHysteresis(newHysteresis(), 0.9, DEFAULT_HYSTERESIS, DEFAULT_HYSTERESIS.enter, 29_999), null);
  assert.equal(stepHysteresis(newHysteresis(), 0.9, DEFAULT_HYSTERESIS, DEFAULT_HYSTERESIS.enter, 0), null);
  // Off (0), the count alone decides; a score below enter never opens, however long its sample.
  assert.equal(stepHysteresis(newHysteresis(), 0.9, { ...DEFAULT_HYSTERESIS, minDurationMs: 0 }, DEFAULT_HYSTERESIS.enter, 300_000), null);
  assert.equal(stepHysteresis(newHysteresis(), 0.45, DEFAULT_HYSTERESIS, DEFAULT_HYSTERESIS.enter, 300_000), null);
});

test('parameters are checked', () => {
  assert.equal(checkHysteresis(DEFAULT_HYSTERESIS), null);
  assert.match(checkHysteresis({ ...DEFAULT_HYSTERESIS, exit: 0.6 }) ?? '', /exit/);
  assert.match(checkHysteresis({ ...DEFAULT_HYSTERESIS, minSamples: 0 }) ?? '', /minSamples/);
  assert.match(checkHysteresis({ ...DEFAULT_HYSTERESIS, minDurationMs: -1 }) ?? '', /minDurationMs/);
  assert.match(checkHysteresis({ ...DEFAULT_HYSTERESIS, minDurationMs: Number.NaN }) ?? '', /minDurationMs/);
});
