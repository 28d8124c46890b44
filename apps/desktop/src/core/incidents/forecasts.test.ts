import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertEvent } from '../alerts/scorer';
import { FAST_MEMORY_KEY, ForecastService, type ForecastSources } from './forecasts';

const GB = 1e9;

/** One host whose mem.used_bytes is `used(t)` sampled every second (the store's bucketing: the last sample per bucket). */
function sources(used: (t: number) => number, now: () => number): ForecastSources {
  return {
    hostIds: () => ['h'],
    seriesKeys: () => ['mem.used_bytes', 'mem.total_bytes'],
    series: (_h, key, from, to, points) => {
      if (key !== 'mem.used_bytes') return { t: [], v: [] };
      const step = Math.max(1000, Math.floor((to - from) / points / 1000) * 1000);
      const t: number[] = [];
      const v: number[] = [];
      for (let x = Math.ceil(from / step) * step; x <= Math.min(to, now()); x += step) {
        t.push(x);
        v.push(used(x));
      }
      return { t, v };
    },
    latest: (_h, key) => (key === 'mem.total_bytes' ? 24 * GB : key === 'mem.used_bytes' ? used(now()) : null),
  };
}

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

test('a fast leak raises the short-window memory forecast within two minutes; the hour-scale one cannot yet', () => {
  let now = 0;
  const rnd = noise(3);
  const jitter = new Map<number, number>();
  const j = (t: number): number => jitter.get(t) ?? (jitter.set(t, rnd() * 0.5 * GB), jitter.get(t)!);
  // 10 minutes at 1.1 GB ± 0.25 GB, then 40 MiB/s more.
  const leakFrom = 600_000;
  const used = (t: number): number => 1.1 * GB + j(t) + Math.max(0, t - leakFrom) * 40 * 2 ** 20 / 1000;
  const events: AlertEvent[] = [];
  const f = new ForecastService(sources(used, () => now), (e) => events.push(e));
  for (now = 0; now <= leakFrom + 150_000; now += 1000) f.maybeEvaluate(now);
  const opened = events.find((e) => e.type === 'open' && e.seriesKey === FAST_MEMORY_KEY);
  assert.ok(opened !== undefined, JSON.stringify(f.view('h').forecasts.map((x) => [x.name, x.confident, x.etaLowerBoundMs])));
  assert.ok(opened.tsMs - leakFrom <= 120_000, `raised ${(opened.tsMs - leakFrom) / 1000} s into the leak`);
  assert.ok(!events.some((e) => e.seriesKey === 'forecast.memory'), 'the hour-scale forecast has too few points so far');
  const short = f.view('h').forecasts.find((x) => x.name === 'memory (last 3 min)');
  assert.equal(short?.horizonMs, 15 * 60_000);
});

test('noisy memory that does not trend raises nothing, and a stopped leak closes the alert', () => {
  let now = 0;
  const rnd = noise(9);
  const jitter = new Map<number, number>();
  const j = (t: number): number => jitter.get(t) ?? (jitter.set(t, rnd() * GB), jitter.get(t)!);
  // Level at 2 GB; from 1,800 s a leak of 60 MiB/s for 3 minutes, then freed at once.
  const leak = (t: number): number => (t >= 1_800_000 && t < 1_980_000 ? ((t - 1_800_000) / 1000) * 60 * 2 ** 20 : 0);
  const used = (t: number): number => 2 * GB + j(t) + leak(t);
  const events: AlertEvent[] = [];
  const f = new ForecastService(sources(used, () => now), (e) => events.push(e));
  for (now = 0; now <= 1_800_000; now += 1000) f.maybeEvaluate(now);
  assert.equal(events.length, 0, `half an hour of ±0.5 GB noise: no forecast alert, got ${JSON.stringify(events)}`);
  for (; now <= 2_200_000; now += 1000) f.maybeEvaluate(now);
  const fast = events.filter((e) => e.seriesKey === FAST_MEMORY_KEY);
  assert.equal(fast[0]?.type, 'open');
  assert.equal(fast.at(-1)?.type, 'resolve', 'closed once the trend is gone');
});
