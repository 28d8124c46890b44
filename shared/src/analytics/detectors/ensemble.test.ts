import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENSEMBLE_PARAMS, Ensemble, ensemble } from './ensemble';

function noisy(n: number, seed = 1): number[] {
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => 100 + 4 * (rnd() - 0.5));
}

function scoresOf(values: readonly number[], stepMs = 60_000): number[] {
  const d = ensemble.create();
  return values.map((v, i) => d.update(i * stepMs, v));
}

const W = ensemble.warmupSamples;

test('nothing scores during warm-up; every score is in [0, 1)', () => {
  const values = noisy(3000);
  values[100] = 500;
  const scores = scoresOf(values);
  for (let i = 0; i < W; i++) assert.equal(scores[i], 0);
  for (const s of scores) assert.ok(s >= 0 && s < 1);
});

test('a spike scores far above the noise around it', () => {
  const values = noisy(3000);
  values[2000] = 160;
  const scores = scoresOf(values);
  const noiseMax = Math.max(...scores.slice(W + 200, 2000));
  assert.ok(scores[2000]! > 0.8, `spike ${scores[2000]}`);
  assert.ok(scores[2000]! > 3 * noiseMax, `spike ${scores[2000]} vs noise ${noiseMax}`);
});

test('a step alerts at its start and once only: the next samples of the new level are damped', () => {
  const values = noisy(4000, 5).map((v, i) => (i >= 2000 ? v + 30 : v));
  const scores = scoresOf(values);
  const noiseMax = Math.max(...scores.slice(W + 200, 2000));
  assert.ok(scores[2000]! > 0.8, `step start ${scores[2000]}`);
  assert.ok(scores[2000]! > 3 * noiseMax);
  assert.ok(Math.max(...scores.slice(2001, 2100)) < 0.5 * scores[2000]!, 'one alert per episode');
});

test('a slow drift out of the range seen so far is flagged', () => {
  // Flat noise, then a ramp of +40 over 1,000 samples (0.04 per sample, 1 % of the noise amplitude).
  const values = noisy(5000, 7).map((v, i) => (i >= 2000 ? v + Math.min(i - 2000, 1000) * 0.04 : v));
  const scores = scoresOf(values);
  const noiseMax = Math.max(...scores.slice(W + 200, 2000));
  const driftMax = Math.max(...scores.slice(2000, 3000));
  assert.ok(driftMax > 2 * noiseMax, `drift ${driftMax} vs noise ${noiseMax}`);
  assert.ok(driftMax > 0.5, `drift ${driftMax}`);
});

test('a daily sinusoid with noise does not alert after warm-up', () => {
  // 5-minute samples, 288 a day, 20 days; warm-up covers more than a whole day so the range is known.
  let seed = 11;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const values = Array.from({ length: 288 * 20 }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 2 * (rnd() - 0.5));
  const scores = scoresOf(values, 300_000);
  const after = Math.max(...scores.slice(W));
  // The NAB-optimal thresholds of this detector are 0.25–0.28 (docs/benchmarks.md); a +40 spike scores far above.
  assert.ok(after < 0.15, `daily pattern after warm-up peaks at ${after}`);
  const spiked = values.slice();
  spiked[288 * 10] = 110;
  assert.ok(scoresOf(spiked, 300_000)[288 * 10]! > 0.8);
});

test('a perfectly flat line scores 0, and its state stays finite', () => {
  const d = ensemble.create();
  for (let i = 0; i < 1000; i++) assert.equal(d.update(i, 7), 0);
  const s = d.toJSON() as unknown as { s: number[] };
  assert.ok(s.s.every((v) => Number.isFinite(v)));
});

test('state survives JSON: a restored detector continues with identical scores', () => {
  const values = noisy(3000, 9);
  values[1500] = 150;
  values[2500] = 40;
  // 2,100: the recent window is full and has dropped blocks (16 × 64 samples).
  for (const cut of [10, W - 1, W, 1200, 2100]) {
    const a = ensemble.create();
    for (let i = 0; i < cut; i++) a.update(i, values[i]!);
    const r = ensemble.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    assert.ok(r.ok);
    for (let i = cut; i < values.length; i++) assert.equal(r.value.update(i, values[i]!), a.update(i, values[i]!), `cut ${cut}, sample ${i}`);
  }
  const good = ensemble.create().toJSON();
  assert.equal(Ensemble.fromJSON({ ...good, kind: 'robustEwma' }).ok, false);
  assert.equal(Ensemble.fromJSON({ ...good, version: 99 }).ok, false);
  assert.equal(Ensemble.fromJSON({ ...good, s: [1, 2] }).ok, false);
  assert.equal(Ensemble.fromJSON({ ...good, recent: [1, 2] }).ok, false);
  assert.equal(Ensemble.fromJSON(null).ok, false);
});

test('state is small and of constant size: under 4 KB of JSON, however long the series', () => {
  const d = ensemble.create();
  const values = noisy(20_000, 13);
  for (let i = 0; i < 1000; i++) d.update(i, values[i]!);
  const early = JSON.stringify(d.toJSON()).length;
  for (let i = 1000; i < values.length; i++) d.update(i, values[i]! * 1.000001 ** i);
  const late = JSON.stringify(d.toJSON()).length;
  assert.ok(late < 4096, `state ${late} B`);
  assert.ok(late < early + 200, `state grows: ${early} → ${late} B`);
  // 21 numbers (5 of them the warm-up's second half, the last 2 the ramp), then the recent window: 5 numbers and 16 blocks of 2.
  assert.equal((d.toJSON() as unknown as { recent: number[] }).recent.length, 5 + 16 * 2);
  assert.equal((d.toJSON() as unknown as { s: number[] }).s.length, 21);
});

/** 1-second CPU %: busy (60–100) for the first 150 samples of warm-up, idle (2–5) for 20 minutes, then 47–53. */
function busyWarmupThenJump(seed: number): { values: number[]; jump: number } {
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const values = [...Array.from({ length: 150 }, () => 60 + 40 * rnd()), ...Array.from({ length: 1200 }, () => 2 + 3 * rnd()), ...Array.from({ length: 60 }, () => 47 + 6 * rnd())];
  return { values, jump: 1350 };
}

test('issue 4: a busy warm-up is forgotten; after 20 quiet minutes a jump to 50 % scores high again', () => {
  const noWindow = { ...ENSEMBLE_PARAMS, recent: { ...ENSEMBLE_PARAMS.recent, blocks: 0 } };
  for (const seed of [1, 2, 3]) {
    const { values, jump } = busyWarmupThenJump(seed);
    const scores = scoresOf(values, 1000);
    const blind = new Ensemble(noWindow);
    const before = values.map((v, i) => blind.update(i * 1000, v));
    // Without the window (the detector before the fix) the slow variance still remembers the busy warm-up.
    assert.ok(before[jump]! < 0.25, `seed ${seed}: without the window the jump scores ${before[jump]}`);
    assert.ok(scores[jump]! > 0.5, `seed ${seed}: jump ${scores[jump]}`);
    const quietMax = Math.max(...scores.slice(W, jump));
    assert.ok(quietMax < 0.25 && scores[jump]! > 2.5 * quietMax, `seed ${seed}: jump ${scores[jump]} vs quiet ${quietMax}`);
  }
});

test('a version-1 state (before the recent window) is restored and keeps scoring', () => {
  const values = noisy(3000, 21);
  const a = ensemble.create();
  for (let i = 0; i < 1000; i++) a.update(i, values[i]!);
  // A version-1 state held the first 14 numbers of today's (no recent window, no warm-up half).
  const s = (a.toJSON() as unknown as { s: number[] }).s.slice(0, 14);
  const r = ensemble.fromJSON({ kind: 'ensemble', version: 1, s });
  assert.ok(r.ok, r.ok ? '' : r.error);
  values[2000] = 160;
  const scores = values.slice(1000).map((v, i) => r.value.update(1000 + i, v));
  assert.ok(scores[1000]! > 0.8, `spike after restore ${scores[1000]}`);
  assert.equal(ensemble.fromJSON({ kind: 'ensemble', version: 1, s: s.slice(1) }).ok, false);
});

test('warmupReseed: a warm-up with a busy stretch restarts from its calmer half, so a later jump scores; off (NAB), it stays blind', () => {
  let seed = 11;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // cpu.util_pct every 250 ms: the first 10 of 40 warm-up samples at 50–100 % (a browser starting), then 2–6 %.
  const calm = (): number => 2 + 4 * rnd();
  const xs = [...Array.from({ length: 10 }, () => 50 + 50 * rnd()), ...Array.from({ length: 78 }, calm)];
  const run = (warmupReseed: number): number[] => {
    const d = new Ensemble({ ...ENSEMBLE_PARAMS, warmup: 40, damp: 1e-9, slowClip: 20, warmupReseed });
    xs.forEach((x, i) => d.update(i * 250, x));
    return Array.from({ length: 4 }, (_, i) => d.update((88 + i) * 250, 51 + 2 * rnd()));
  };
  const blind = run(0);
  const seen = run(4);
  assert.ok(blind.every((x) => x < 0.2), `without the restart the busy warm-up hides the jump: ${blind.map((x) => x.toFixed(2)).join(' ')}`);
  assert.ok(seen.every((x) => x >= 0.4), `with it the jump scores as one: ${seen.map((x) => x.toFixed(2)).join(' ')}`);
  // A burst at the end of the warm-up (the page loading) is forgotten the same way, from the first half.
  const late = [...Array.from({ length: 34 }, calm), ...Array.from({ length: 3 }, () => 80 + 20 * rnd()), ...Array.from({ length: 51 }, calm)];
  const lateRun = (warmupReseed: number): number[] => {
    const e = new Ensemble({ ...ENSEMBLE_PARAMS, warmup: 40, damp: 1e-9, slowClip: 20, warmupReseed });
    late.forEach((x, i) => e.update(i * 250, x));
    return Array.from({ length: 4 }, (_, i) => e.update((88 + i) * 250, 51 + 2 * rnd()));
  };
  assert.ok(lateRun(0).every((x) => x < 0.2), `without: ${lateRun(0).map((x) => x.toFixed(2)).join(' ')}`);
  assert.ok(lateRun(4).every((x) => x >= 0.25), `with: ${lateRun(4).map((x) => x.toFixed(2)).join(' ')}`);
  // The restart is part of the state: a saved and restored warm-up goes on the same way.
  const d = new Ensemble({ ...ENSEMBLE_PARAMS, warmup: 40, warmupReseed: 4 });
  xs.slice(0, 30).forEach((x, i) => d.update(i * 250, x));
  const back = Ensemble.fromJSON(d.toJSON(), { ...ENSEMBLE_PARAMS, warmup: 40, warmupReseed: 4 });
  assert.ok(back.ok);
  xs.slice(30).forEach((x, i) => {
    assert.equal(back.value.update((30 + i) * 250, x), d.update((30 + i) * 250, x));
  });
});

test('ramp: memory climbing 40 MiB/s scores ≥ 0.5 from its third difference, even below a past high; off (NAB), the same climb stays under 0.5 for five samples', () => {
  let seed = 31;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const MiB = 2 ** 20;
  // mem.used_bytes every second: ~555 MiB, moving by well under 1 MiB; 400 MiB more for 20 s (a build), then 300 s quiet.
  const xs: number[] = [];
  for (let i = 0; i < 600; i++) xs.push((555 + (rnd() - 0.5) + (i >= 200 && i < 220 ? 400 : 0)) * MiB);
  // The leak: 17–45 MiB more each second, as the scenario's leaking worker (page faults make it uneven).
  const leak: number[] = [];
  let v = 555 * MiB;
  for (let i = 0; i < 5; i++) leak.push((v += (17 + 28 * rnd()) * MiB));
  const run = (wRamp: number): number[] => {
    const d = new Ensemble({ ...ENSEMBLE_PARAMS, warmup: 120, damp: 1e-9, slowClip: 20, warmupReseed: 4, wRamp });
    xs.forEach((x, i) => d.update(i * 1000, x));
    return leak.map((x, i) => d.update((600 + i) * 1000, x));
  };
  const off = run(0);
  const on = run(2);
  assert.ok(off.every((s) => s < 0.5), `without the ramp the past high hides the climb: ${off.map((s) => s.toFixed(2)).join(' ')}`);
  assert.ok(on.slice(2).every((s) => s >= 0.5), `with it, from the third difference: ${on.map((s) => s.toFixed(2)).join(' ')}`);
  // A ramp needs three differences: two steps up are not one.
  assert.ok(on[1]! < 0.5, `second difference ${on[1]}`);
});

test('ramp: on white noise it adds nothing: no score ≥ 0.5 in 20,000 samples', () => {
  const values = noisy(20_000, 41);
  const d = new Ensemble({ ...ENSEMBLE_PARAMS, damp: 1e-9, wRamp: 2 });
  const high = values.map((x, i) => d.update(i * 1000, x)).filter((s) => s >= 0.5).length;
  assert.equal(high, 0);
});

test('ramp state: version 4 restores mid-ramp with identical scores; a version-3 state (19 numbers) restores with the ramp empty', () => {
  const p = { ...ENSEMBLE_PARAMS, warmup: 50, damp: 1e-9, wRamp: 2 };
  const xs = noisy(400, 43).map((x, i) => (i >= 300 ? x + (i - 300) * 10 : x));
  const a = new Ensemble(p);
  xs.slice(0, 302).forEach((x, i) => a.update(i, x));
  const state = a.toJSON() as unknown as { version: number; s: number[] };
  assert.equal(state.version, 4);
  assert.equal(state.s.length, 21);
  const b = Ensemble.fromJSON(JSON.parse(JSON.stringify(state)), p);
  assert.ok(b.ok, b.ok ? '' : b.error);
  for (let i = 302; i < 400; i++) assert.equal(b.value.update(i, xs[i]!), a.update(i, xs[i]!));
  const v3 = Ensemble.fromJSON({ ...state, version: 3, s: state.s.slice(0, 19) }, p);
  assert.ok(v3.ok, v3.ok ? '' : v3.error);
  assert.deepEqual((v3.value.toJSON() as unknown as { s: number[] }).s.slice(19), [0, 0]);
  assert.equal(Ensemble.fromJSON({ ...state, version: 3 }, p).ok, false, 'a version-3 state has 19 numbers, not 21');
});

test('warmupReseed: a burst in the warm-up second half that is over leaves the level where the series is; a step that stays moves it', () => {
  let seed = 51;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const p = { ...ENSEMBLE_PARAMS, warmup: 120, damp: 1e-9, slowClip: 20, warmupReseed: 4 };
  // mem.used_bytes in MiB: ~555, with 400 more for samples 60–79 (the warm-up's second half), then back.
  const burst = Array.from({ length: 200 }, (_, i) => 555 + (rnd() - 0.5) + (i >= 60 && i < 80 ? 400 : 0));
  const d = new Ensemble(p);
  const after = burst.map((x, i) => d.update(i * 1000, x)).slice(120);
  assert.ok(Math.max(...after) < 0.2, `the series is back at its level: no alert at the warm-up's end (max ${Math.max(...after).toFixed(2)})`);
  // A step to 955 at sample 60 that stays: the level is the new one, so staying there is not an anomaly.
  const step = Array.from({ length: 200 }, (_, i) => 555 + (rnd() - 0.5) + (i >= 60 ? 400 : 0));
  const e = new Ensemble(p);
  const stayed = step.map((x, i) => e.update(i * 1000, x)).slice(120);
  assert.ok(Math.max(...stayed) < 0.2, `the step stayed: no alert (max ${Math.max(...stayed).toFixed(2)})`);
  // And a return to 555 after it is seen.
  assert.ok(e.update(200_000, 555) > 0.5);
});
