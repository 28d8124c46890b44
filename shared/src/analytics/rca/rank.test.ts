import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seriesEvidence } from './evidence';
import { entityScores, rankCauses } from './rank';
import { RCA_DEFAULTS, type RcaInput, type RcaSeries } from './types';

const MIN = 60_000;
const AT = Date.UTC(2026, 0, 1, 12);
/** 10 baseline minutes and 5 after, one sample a minute. */
const TIMES = Array.from({ length: 15 }, (_, i) => AT + (i - 10) * MIN);

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** A series around `base` with ±5 % noise, multiplied by `factor` from minute `from` after AT on. */
function series(entity: string, metric: string, seed: number, base: number, factor = 1, from = 0, extra: Partial<RcaSeries> = {}): RcaSeries {
  const rnd = noise(seed);
  const v = TIMES.map((t) => base * (1 + 0.05 * rnd()) * (t >= AT + from * MIN ? factor : 1));
  return { entity, metric, direction: 'up', t: TIMES, v, ...extra };
}

const SHOP = {
  entities: ['frontend', 'checkout', 'payment', 'cart'].map((id) => ({ id, kind: 'service' as const })),
  edges: [
    { from: 'frontend', to: 'checkout' },
    { from: 'checkout', to: 'payment' },
    { from: 'frontend', to: 'cart' },
  ],
};

test('the dependency that fails first ranks above the callers it drags down, and the explanation says why', () => {
  const input: RcaInput = {
    ...SHOP,
    anomalyAt: AT,
    series: [
      series('payment', 'cpu_pct', 1, 20, 4.5, 0),
      series('payment', 'latency_s', 2, 0.01, 30, 0),
      series('checkout', 'latency_s', 3, 0.05, 8, 1),
      series('frontend', 'latency_s', 4, 0.2, 4, 2),
      series('cart', 'latency_s', 5, 0.02),
    ],
  };
  const r = rankCauses(input);
  assert.ok(r.ok);
  const order = r.value.causes.map((c) => c.entity);
  assert.equal(order[0], 'payment', `got ${order.join(' > ')}`);
  assert.ok(order.indexOf('checkout') < order.indexOf('cart') || !order.includes('cart'));
  const top = r.value.causes[0]!;
  assert.match(top.explanation, /latency_s|cpu_pct/);
  assert.match(top.explanation, /first of all deviating entities/);
  assert.deepEqual(top.explains, ['checkout']);
  assert.match(top.explanation, /checkout/);
  assert.equal(top.onsetAt, AT);
});

test('a noisy unrelated service with one spike does not outrank a lasting deviation', () => {
  const spiky = series('cart', 'latency_s', 6, 0.02);
  const v = [...spiky.v];
  v[11] = 0.02 * 50; // one spike right after the anomaly started
  const input: RcaInput = {
    ...SHOP,
    anomalyAt: AT,
    series: [{ ...spiky, v }, series('payment', 'latency_s', 7, 0.01, 6, 0), series('checkout', 'latency_s', 8, 0.05, 3, 1), series('frontend', 'latency_s', 9, 0.2)],
  };
  const r = rankCauses(input);
  assert.ok(r.ok);
  assert.equal(r.value.causes[0]!.entity, 'payment');
  const cart = r.value.causes.findIndex((c) => c.entity === 'cart');
  assert.ok(cart === -1 || cart > 0);
});

test('a caller that fails on its own (callees normal) is not blamed on its dependencies', () => {
  const input: RcaInput = {
    ...SHOP,
    anomalyAt: AT,
    series: [series('frontend', 'cpu_pct', 10, 25, 4, 0), series('checkout', 'latency_s', 11, 0.05), series('payment', 'latency_s', 12, 0.01), series('cart', 'latency_s', 13, 0.02)],
  };
  const r = rankCauses(input);
  assert.ok(r.ok);
  assert.equal(r.value.causes[0]!.entity, 'frontend');
  assert.match(r.value.causes[0]!.explanation, /^frontend: cpu_pct rose to/);
});

test('call-edge latency (peer) is evidence for the callee and is named in the explanation', () => {
  const input: RcaInput = {
    ...SHOP,
    anomalyAt: AT,
    series: [series('cart', 'call latency', 14, 0.003, 100, 0, { peer: 'frontend' }), series('frontend', 'latency_s', 15, 0.2, 2, 1)],
  };
  const r = rankCauses(input);
  assert.ok(r.ok);
  assert.equal(r.value.causes[0]!.entity, 'cart');
  assert.match(r.value.causes[0]!.explanation, /call latency of calls from frontend rose/);
});

test('series without a baseline are counted as skipped; a series that falls when it should rise is no evidence', () => {
  const late = { entity: 'cart', metric: 'latency_s', t: [AT, AT + MIN], v: [1, 2] };
  const falling = series('payment', 'latency_s', 16, 0.05, 0.1, 0);
  const r = rankCauses({ ...SHOP, anomalyAt: AT, series: [late, falling] });
  assert.ok(r.ok);
  assert.equal(r.value.skippedSeries, 1);
  assert.ok(r.value.causes.every((c) => c.anomaly === 0));
});

test('bad input gets a typed error naming what is wrong', () => {
  const cases: Array<[RcaInput, string, RegExp]> = [
    [{ ...SHOP, entities: [], series: [], anomalyAt: AT }, 'noEntities', /no entities/],
    [{ ...SHOP, entities: [...SHOP.entities, { id: 'cart', kind: 'service' }], series: [], anomalyAt: AT }, 'duplicateEntity', /"cart"/],
    [{ ...SHOP, edges: [{ from: 'frontend', to: 'ghost' }], series: [], anomalyAt: AT }, 'unknownEntity', /ghost/],
    [{ ...SHOP, series: [{ entity: 'cart', metric: 'm', t: [1, 2], v: [1] }], anomalyAt: AT }, 'badSeries', /2 times, 1 values/],
    [{ ...SHOP, series: [{ entity: 'cart', metric: 'm', t: [2, 1], v: [1, 1] }], anomalyAt: AT }, 'badSeries', /sample 1/],
    [{ ...SHOP, series: [], anomalyAt: NaN }, 'badTime', /anomalyAt/],
  ];
  for (const [input, code, message] of cases) {
    const r = rankCauses(input);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, code);
      assert.match(r.error.message, message);
    }
  }
});

test('an earlier incident in the baseline window does not hide a fresh deviation of the same entity', () => {
  // payment was slow (5×) for the first 6 baseline minutes, recovered, and slows again (3×) at AT: against
  // the whole baseline (median 5×) the new 3× is no rise at all; against the last 4 minutes it is.
  const payment = series('payment', 'latency_s', 17, 0.01);
  const v = payment.v.map((x, i) => (i < 6 ? x * 5 : i >= 10 ? x * 3 : x));
  const input: RcaInput = {
    ...SHOP,
    anomalyAt: AT,
    series: [{ ...payment, v }, series('cart', 'latency_s', 18, 0.02, 1.6, 0), series('frontend', 'latency_s', 19, 0.2)],
  };
  const without = rankCauses(input, { recentBaselineMs: 0 });
  assert.ok(without.ok);
  assert.equal(without.value.causes[0]!.entity, 'cart');
  const r = rankCauses(input);
  assert.ok(r.ok);
  const top = r.value.causes[0]!;
  assert.equal(top.entity, 'payment');
  // The baseline reported is the recent one (≈ 0.01), not the whole window's median (≈ 0.05).
  assert.ok(Math.abs(top.evidence[0]!.baseline - 0.01) < 0.002, `baseline ${top.evidence[0]!.baseline}`);
});

test('a recent baseline of fewer than 3 samples is not used: a sparse series is scored as before', () => {
  // An alert's evidence as a series: one baseline point at the window's start, then the deviating points.
  const sparse: RcaSeries = { entity: 'cart', metric: 'latency_s', direction: 'up', t: [AT - 10 * MIN, AT - MIN, AT, AT + MIN], v: [0.02, 0.02, 0.06, 0.08] };
  const a = seriesEvidence(sparse, AT, { ...RCA_DEFAULTS, recentBaselineMs: 4 * MIN });
  const b = seriesEvidence(sparse, AT, { ...RCA_DEFAULTS, recentBaselineMs: 0 });
  assert.deepEqual(a, b);
});

test('call-edge series of one metric fold across callers: consensus 1 takes the weakest caller view', () => {
  const ev = (score: number, peer?: string) => ({ metric: peer === undefined ? 'cpu' : 'call latency', ...(peer !== undefined ? { peer } : {}), score, peakZ: 0, baseline: 0, peak: 0, onsetAt: null });
  const evidence = [ev(2, 'frontend'), ev(0.5, 'checkout'), ev(1)];
  assert.deepEqual(entityScores(evidence, 0), [2, 1]);
  assert.deepEqual(entityScores(evidence, 1), [1, 0.5]);
  assert.deepEqual(entityScores(evidence, 0.5), [1.25, 1]);
  // One caller only: its view is the callee's, whatever the consensus.
  assert.deepEqual(entityScores([ev(2, 'frontend')], 1), [2]);
});

test('a callee slow for one of its two callers only does not outrank one slow for all of its callers', () => {
  const input: RcaInput = {
    entities: ['frontend', 'checkout', 'currency', 'payment'].map((id) => ({ id, kind: 'service' as const })),
    edges: [
      { from: 'frontend', to: 'checkout' },
      { from: 'frontend', to: 'currency' },
      { from: 'checkout', to: 'currency' },
      { from: 'checkout', to: 'payment' },
    ],
    anomalyAt: AT,
    series: [
      // currency: 20× slower as seen from checkout only; frontend's calls to it are unchanged.
      series('currency', 'call latency', 20, 0.004, 20, 0, { peer: 'checkout' }),
      series('currency', 'call latency', 21, 0.004, 1, 0, { peer: 'frontend' }),
      // payment: 6× slower for its one caller.
      series('payment', 'call latency', 22, 0.003, 6, 0, { peer: 'checkout' }),
      series('checkout', 'latency_s', 23, 0.05, 1.5, 1),
    ],
  };
  const max = rankCauses(input, { peerConsensus: 0 });
  assert.ok(max.ok);
  assert.equal(max.value.causes[0]!.entity, 'currency');
  const r = rankCauses(input);
  assert.ok(r.ok);
  assert.equal(r.value.causes[0]!.entity, 'payment', r.value.causes.map((c) => `${c.entity} ${c.score.toFixed(3)}`).join(', '));
});

test('an aggregate (a host of its processes) gets no step back for what its parts explain, but keeps what they do not', () => {
  const parts = ['hog', 'job1', 'job2', 'job3'];
  const entities = [{ id: 'host', kind: 'host' as const }, ...parts.map((id) => ({ id, kind: 'process' as const }))];
  const edges = (aggregate: boolean): RcaInput['edges'] => parts.map((to) => ({ from: 'host', to, ...(aggregate ? { aggregate } : {}) }));
  // The host's CPU ×8 (as strong as the hog's), three jobs that moved less (×3).
  const moved = [series('host', 'cpu_pct', 20, 10, 8, 0), series('hog', 'cpu_pct', 21, 10, 8, 0), ...['job1', 'job2', 'job3'].map((id, i) => series(id, 'cpu_pct', 22 + i, 10, 3, 0))];
  const top = (input: RcaInput): string => {
    const r = rankCauses(input);
    assert.ok(r.ok);
    return r.value.causes.map((c) => `${c.entity} ${c.score.toFixed(3)}`).join(' > ');
  };
  // As a plain caller the host collects every part's step back and ranks above the part that explains it.
  assert.match(top({ entities, edges: edges(false), series: moved, anomalyAt: AT }), /^host /);
  assert.match(top({ entities, edges: edges(true), series: moved, anomalyAt: AT }), /^hog /);
  // A host whose own trouble none of its parts explains (its CPU ×8, the parts ×2) still ranks first.
  const own = [series('host', 'cpu_pct', 30, 10, 8, 0), ...parts.map((id, i) => series(id, 'cpu_pct', 31 + i, 10, 2, 0))];
  assert.match(top({ entities, edges: edges(true), series: own, anomalyAt: AT }), /^host /);
  // The same edge given once plain and once as an aggregate is a plain one.
  assert.match(top({ entities, edges: [...edges(true), ...edges(false)], series: moved, anomalyAt: AT }), /^host /);
});
