import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '@cerebro/shared/mulberry32';
import { GorillaEncoder, decodeChunk } from './gorilla';

/** Deterministic PRNG so failures reproduce. */
const rng = mulberry32;

/** Encodes, decodes, checks bit-exact equality (Object.is keeps -0 apart); returns bytes/sample. */
function roundTrip(ts: readonly number[], vs: readonly number[]): number {
  const enc = new GorillaEncoder(8);
  for (let i = 0; i < ts.length; i++) enc.append(ts[i]!, vs[i]!);
  assert.equal(enc.count, ts.length);
  const t: number[] = [];
  const v: number[] = [];
  decodeChunk(enc.finish(), enc.count, t, v);
  assert.equal(t.length, ts.length);
  for (let i = 0; i < ts.length; i++) {
    if (t[i] !== ts[i]) assert.fail(`timestamp ${i}: got ${t[i]}, want ${ts[i]}`);
    if (!Object.is(v[i], vs[i])) assert.fail(`value ${i}: got ${v[i]}, want ${vs[i]}`);
  }
  return enc.byteLength / ts.length;
}

function regular(n: number, start = 1_700_000_000_000, step = 1000): number[] {
  return Array.from({ length: n }, (_, i) => start + i * step);
}

test('random walk with jittered 1 Hz timestamps', () => {
  const r = rng(1);
  const ts: number[] = [];
  const vs: number[] = [];
  let t = 1_700_000_000_000;
  let x = 0;
  for (let i = 0; i < 20_000; i++) {
    t += 1000 + Math.round((r() - 0.5) * 20);
    x += r() - 0.5;
    ts.push(t);
    vs.push(x);
  }
  roundTrip(ts, vs);
});

test('constant series is tiny', () => {
  const bps = roundTrip(regular(1000), new Array<number>(1000).fill(42.5));
  assert.ok(bps < 0.3, `constant series took ${bps} bytes/sample`);
});

test('integers (counters, byte rates)', () => {
  const r = rng(2);
  let c = 1e12;
  roundTrip(regular(5000), Array.from({ length: 5000 }, () => (c += Math.floor(r() * 1e6))));
  roundTrip(regular(500), Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? -i : i * 7)));
});

test('extreme floats, no NaN', () => {
  const extremes = [1e308, -1e308, 5e-324, -5e-324, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, 1, -1, 2 ** 53, Math.PI, -Math.E, Infinity, -Infinity, 1e-300, 123456.789];
  const vs: number[] = [];
  const r = rng(3);
  for (let i = 0; i < 3000; i++) vs.push(extremes[Math.floor(r() * extremes.length)]!);
  roundTrip(regular(vs.length), vs);
  roundTrip(regular(extremes.length), extremes);
});

test('irregular timestamps, repeats of equal values, and gaps of days', () => {
  const r = rng(4);
  const ts: number[] = [];
  let t = 0;
  for (let i = 0; i < 5000; i++) {
    const kind = Math.floor(r() * 6);
    const step = [0, 1, 37, 1000, 86_400_000 * (1 + Math.floor(r() * 60)), Math.floor(r() * 2 ** 40)][kind]!;
    t += step;
    ts.push(t);
  }
  assert.ok(t < 2 ** 50);
  roundTrip(ts, ts.map((x, i) => (i % 3 === 0 ? x / 7 : i)));
});

test('negative timestamps and the ±2^50 bound', () => {
  roundTrip([-(2 ** 50), -5, 0, 2 ** 49, 2 ** 50], [1, 2, 3, 4, 5]);
});

test('one sample and zero samples', () => {
  roundTrip([1_700_000_000_123], [-0.5]);
  roundTrip([], []);
});

test('many samples grow the buffer', () => {
  const r = rng(5);
  const n = 200_000;
  roundTrip(regular(n, 0, 10), Array.from({ length: n }, () => r() * 1e6 - 5e5));
});

test('realistic 1 Hz CPU-like series: bytes/sample', () => {
  const r = rng(6);
  const n = 3600;
  const ts: number[] = [];
  const raw: number[] = [];
  const rounded: number[] = [];
  let t = 1_700_000_000_000;
  let c = 20;
  for (let i = 0; i < n; i++) {
    t += 1000 + Math.round((r() - 0.5) * 6);
    c = Math.min(100, Math.max(0, c + (r() - 0.5) * 4));
    ts.push(t);
    raw.push(c);
    rounded.push(Math.round(c * 10) / 10);
  }
  const perfect = roundTrip(regular(n), raw);
  const bRaw = roundTrip(ts, raw);
  const bRounded = roundTrip(ts, rounded);
  const bMem = roundTrip(ts, Array.from({ length: n }, (_, i) => 8_000_000_000 - Math.floor(i / 10) * 4096));
  console.log(
    `bytes/sample: cpu% unrounded ${bRaw.toFixed(2)} (regular ts ${perfect.toFixed(2)}), ` +
      `cpu% 1 decimal ${bRounded.toFixed(2)}, memory bytes (integer, changes every 10 s) ${bMem.toFixed(2)}`,
  );
  assert.ok(bRaw < 8 && perfect < 8 && bRounded < 8 && bMem < 8);
});
