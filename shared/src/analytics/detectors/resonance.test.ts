import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FuzzyArt } from './fuzzy-art';
import { RESONANCE_PARAMS, recordProtocolParams, Resonance, resonance, type ResonanceParams } from './resonance';

function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function noisy(n: number, seed = 1): number[] {
  const rnd = rng(seed);
  return Array.from({ length: n }, () => 100 + 4 * (rnd() - 0.5));
}

function scoresOf(values: readonly number[], params: ResonanceParams = RESONANCE_PARAMS): { scores: number[]; d: Resonance } {
  const d = new Resonance(params);
  return { scores: values.map((v, i) => d.update(i * 300_000, v)), d };
}

const W = resonance.warmupSamples;

test('fuzzy ART: the same input resonates, a near one is a variant of its cluster, a far one is novel', () => {
  const art = new FuzzyArt(4, 8);
  art.lower = 0.5;
  art.upper = 0.9;
  assert.equal(art.present([0.2, 0.2, 0.5, 0.5], true), 'novel', 'the first input founds a cluster');
  assert.equal(art.present([0.2, 0.2, 0.5, 0.5], true), 'resonant');
  assert.equal(art.match, 1);
  assert.equal(art.present([0.25, 0.2, 0.5, 0.45], true), 'variant', `match ${art.match}`);
  assert.ok(art.match >= 0.5 && art.match < 0.9, String(art.match));
  assert.equal(art.count, 2);
  assert.equal(art.cluster[1], art.cluster[0], 'a variant joins the best category\'s cluster');
  assert.equal(art.present([0.9, 0.9, 0.1, 0.1], true), 'novel', `match ${art.match}`);
  assert.equal(art.clusters, 2);
  assert.equal(art.present([0.9, 0.9, 0.1, 0.1], false), 'unlearned');
  assert.equal(art.count, 3, 'an unlearned presentation stores nothing');
});

test('fuzzy ART: at its bound a new category replaces the one unused longest', () => {
  const art = new FuzzyArt(2, 3);
  art.lower = art.upper = 0.99;
  art.present([0, 0], true);
  art.present([0.5, 0.5], true);
  art.present([1, 1], true);
  art.present([0, 0], true); // uses category 0 again: [0.5, 0.5] is now the oldest
  assert.equal(art.present([0.25, 0.75], true), 'novel');
  assert.equal(art.count, 3);
  assert.deepEqual([...art.weights.subarray(4, 6)], [0.25, 0.75], 'slot 1 ([0.5, 0.5]) was replaced');
  assert.equal(art.present([0, 0], false), 'unlearned');
  assert.equal(art.match, 1, '[0, 0] is still there');
});

test('fuzzy ART: the pruned search finds what a full search finds (best match, its level match, the outcome)', () => {
  // Reference: every category's match (|min(x, w)|₁ / |w|₁)³ · e², lowest index first among equals.
  const rnd = rng(21);
  const dim = 6;
  const art = new FuzzyArt(dim, 40);
  art.lower = 0.55;
  art.upper = 0.8;
  // Inputs near 60 prototypes (more than the 40 categories), so that categories resonate, vary, are novel
  // and are replaced, and the bound prunes.
  const prototypes = Array.from({ length: 60 }, () => Array.from({ length: dim }, () => rnd()));
  const outcomes = new Set<string>();
  for (let n = 0; n < 3000; n++) {
    const p = prototypes[Math.floor(rnd() * prototypes.length)]!;
    const input = p.map((c) => Math.min(1, Math.max(0, c + 0.1 * (rnd() - 0.5))));
    const x = [...input, ...input.map((v) => 1 - v)];
    let best = -1;
    let bestMatch = 0;
    let bestLevel = 0;
    let resonant = false;
    for (let j = 0; j < art.count; j++) {
      const w = art.weights.subarray(j * 2 * dim, (j + 1) * 2 * dim);
      const num = x.reduce((s, v, k) => s + Math.min(v, w[k]!), 0);
      const den = w.reduce((s, v) => s + v, 0);
      const f = num / den;
      const level = (Math.min(x[dim - 1]!, w[dim - 1]!) + Math.min(x[2 * dim - 1]!, w[2 * dim - 1]!)) / (w[dim - 1]! + w[2 * dim - 1]!);
      const m = f * f * f * (level * level);
      if (m > bestMatch) [best, bestMatch, bestLevel] = [j, m, level];
      if (m >= art.upper) resonant = true;
    }
    const want = art.count === 0 ? 'novel' : resonant ? 'resonant' : best >= 0 && bestMatch >= art.lower ? 'variant' : 'novel';
    const got = art.present(input, true);
    assert.equal(got, want, `input ${n}`);
    outcomes.add(got);
    assert.ok(Math.abs(art.match - bestMatch) < 1e-12 && Math.abs(art.levelMatch - bestLevel) < 1e-12, `input ${n}: ${art.match} / ${art.levelMatch} against ${bestMatch} / ${bestLevel}`);
  }
  assert.equal(art.count, 40, 'the categories filled the bound, so replacement was exercised too');
  assert.deepEqual([...outcomes].sort(), ['novel', 'resonant', 'variant']);
});

test('fuzzy ART: after an increasing affine map of the inputs, the mapped boxes match the mapped inputs exactly', () => {
  const art = new FuzzyArt(3, 4);
  art.lower = art.upper = 0.95;
  const x = [0.3, 0.4, 0.6];
  art.present(x, true);
  art.present([0.35, 0.4, 0.62], true);
  const a = 0.5;
  const b = 0.2;
  art.rescale(1, 3, a, b); // elements 1 and 2 are levels; element 0 is scale-free
  art.present([x[0]!, a * x[1]! + b, a * x[2]! + b], false);
  assert.equal(art.match, 1, 'the first input, mapped, is inside its mapped box');
  art.present([x[0]!, x[1]!, x[2]!], false);
  assert.ok(art.match < 1, 'the unmapped input is not');
});

test('nothing scores during the warm-up, not even a spike; every score is in [0, 1]', () => {
  const values = noisy(3000);
  values[50] = 1000;
  const { scores } = scoresOf(values);
  for (let i = 0; i < W; i++) assert.equal(scores[i], 0, `sample ${i}`);
  for (const s of scores) assert.ok(s >= 0 && s <= 1, String(s));
});

test('a spike scores 1, far above the noise around it', () => {
  const values = noisy(3000);
  values[2000] = 160;
  const { scores } = scoresOf(values);
  assert.equal(scores[2000], 1);
  const noiseMax = Math.max(...scores.slice(W, 1990));
  assert.ok(noiseMax < 0.5, `noise ${noiseMax}`);
});

test('a step scores 1 at its start; what follows in the next 100 samples scores under half of that', () => {
  for (const seed of [1, 5, 6, 7]) {
    const values = noisy(4000, seed).map((v, i) => (i >= 2000 ? v + 30 : v));
    const { scores } = scoresOf(values);
    assert.equal(scores[2000], 1, `seed ${seed}`);
    const after = Math.max(...scores.slice(2001, 2100));
    assert.ok(after < 0.5, `seed ${seed}: ${after} after the step`);
  }
});

test('a missing daily peak scores above every normal day once the pattern is learned', () => {
  for (const seed of [3, 4, 5]) {
    const rnd = rng(seed);
    // A square wave with a 288-sample period (a day of 5-minute samples), whose day 20 stays low.
    const values = Array.from({ length: 288 * 30 }, (_, i) => (i % 288 < 144 && Math.floor(i / 288) !== 20 ? 80 : 20) + 6 * (rnd() - 0.5));
    const { scores } = scoresOf(values);
    const dayMax = (k: number): number => Math.max(...scores.slice(k * 288, (k + 1) * 288));
    const normal = Math.max(...Array.from({ length: 27 }, (_, k) => k + 3).filter((k) => k !== 20 && k !== 21).map(dayMax));
    assert.ok(dayMax(20) > normal, `seed ${seed}: missing peak ${dayMax(20)}, normal days up to ${normal}`);
    const at = scores.slice(20 * 288).findIndex((s) => s > normal);
    assert.ok(at >= 0 && at <= 8, `seed ${seed}: seen ${at} samples after the peak should have started (a shape is 8 samples)`);
  }
});

test('values far beyond the warm-up\'s range widen it: a level shift scores, then the new level is learned', () => {
  const values = noisy(6000, 7).map((v, i) => (i >= 2000 ? v * 50 : v));
  const { scores, d } = scoresOf(values);
  assert.equal(scores[2000], 1);
  assert.ok(scores.every(Number.isFinite));
  assert.ok(Math.max(...scores.slice(3000)) < 0.5, `after the shift: ${Math.max(...scores.slice(3000))}`);
  assert.ok(d.categories <= RESONANCE_PARAMS.maxCategories);
});

test('state is bounded: a long random walk never holds more than maxCategories categories', () => {
  const rnd = rng(9);
  let w = 0;
  const params = { ...RESONANCE_PARAMS, maxCategories: 32 };
  const d = new Resonance(params);
  let most = 0;
  for (let i = 0; i < 30_000; i++) {
    const s = d.update(i * 1000, (w += rnd() - 0.5));
    assert.ok(Number.isFinite(s) && s >= 0 && s <= 1);
    most = Math.max(most, d.categories);
  }
  assert.equal(most, 32, 'the walk fills the bound and stays there');
  const json = JSON.stringify(d.toJSON());
  assert.ok(json.length < 20_000, `${json.length} bytes of JSON at 32 categories`);
});

test('known bounds fix the range: no widening, values beyond are clipped', () => {
  const values = noisy(3000).map((v) => v / 2); // around 50
  values[2500] = 1e6;
  const bounded = scoresOf(values, { ...RESONANCE_PARAMS, bounds: [0, 100] });
  assert.equal(bounded.scores[2500], 1, 'a value clipped to the top is still novel');
  assert.deepEqual(bounded.d.range, [0, 100], 'the range stays at the bounds');
  assert.deepEqual(scoresOf(values).d.range, [Math.min(...values), 1e6], 'a learned range starts at the warm-up\'s extremes and widens to every later one');
});

test('after a flat warm-up, a dip scores at once, below as above: the flat level is mapped when the range widens', () => {
  for (const dip of [50, 150]) {
    const values = Array.from({ length: 1500 }, (_, i) => (i === 400 ? dip : 100));
    const { scores, d } = scoresOf(values);
    assert.equal(scores[400], 1, `dip to ${dip}`);
    assert.ok(Math.max(...scores.slice(410)) === 0, `back at 100 after the dip to ${dip}, nothing scores`);
    assert.deepEqual(d.range, [Math.min(100, dip), Math.max(100, dip)]);
  }
});

test('the record protocol is ARTime\'s: the step and warm-up from the probation, the range given', () => {
  assert.deepEqual(
    (({ step, warmupSteps, headroom, bounds }) => ({ step, warmupSteps, headroom, bounds }))(recordProtocolParams(4032, -1, 5)),
    { step: 5, warmupSteps: 120, headroom: 0, bounds: [-1, 5] },
  );
  assert.equal(recordProtocolParams(22_695, 0, 1).step, 7);
  assert.equal(recordProtocolParams(1127, 0, 1).step, 1);
});

test('state round-trips through JSON at any point (warm-up, partial step, after warm-up) with identical scores', () => {
  const rnd = rng(11);
  const values = Array.from({ length: 2500 }, (_, i) => 50 + 20 * Math.sin(i / 30) + 5 * rnd() + (i > 1800 && i < 1810 ? 40 : 0));
  for (const params of [RESONANCE_PARAMS, { ...RESONANCE_PARAMS, step: 3, warmupSteps: 100 }]) {
    for (const cut of [17, 150, 301, 1000, 1799]) {
      const a = new Resonance(params);
      for (let i = 0; i < cut; i++) a.update(i, values[i]!);
      const restored = Resonance.fromJSON(JSON.parse(JSON.stringify(a.toJSON())), params);
      assert.ok(restored.ok, restored.ok ? '' : restored.error);
      const b = restored.value;
      for (let i = cut; i < values.length; i++) assert.equal(b.update(i, values[i]!), a.update(i, values[i]!), `step ${params.step}, cut ${cut}, sample ${i}`);
    }
  }
});

test('a bad state is refused with a reason, never half-loaded', () => {
  const d = new Resonance();
  for (let i = 0; i < 400; i++) d.update(i, 100 + (i % 7));
  const good = d.toJSON();
  const cases: Array<[unknown, RegExp]> = [
    [{ ...good, kind: 'ensemble' }, /kind/],
    [{ ...good, version: 0 }, /version/],
    [{ ...good, s: good.s.slice(1) }, /field s/],
    [{ ...good, s: good.s.map((x, i) => (i === 0 ? -1 : x)) }, /counters/],
    [{ ...good, hist: [...good.hist.slice(1), Number.NaN] }, /field hist/],
    [{ ...good, hist: good.hist.map((x, i) => (i === 0 ? -1 : x)) }, /negative count/],
    [{ ...good, s: good.s.map((x, i, all) => (i === all.length - 3 ? 1.5 : x)) }, /vigilances/],
    [{ ...good, s: good.s.map((x, i, all) => (i === all.length - 4 ? all[all.length - 3]! + 0.1 : x)) }, /vigilances/],
    [{ ...good, w: good.w.slice(4) }, /field w/],
    [{ ...good, cluster: [] }, /field cluster/],
    [null, /not an object/],
  ];
  for (const [state, reason] of cases) {
    const r = resonance.fromJSON(state);
    assert.ok(!r.ok, JSON.stringify(state)?.slice(0, 80));
    assert.match(r.error, reason);
  }
  assert.ok(resonance.fromJSON(JSON.parse(JSON.stringify(good))).ok);
});
