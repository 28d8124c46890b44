import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentWindow, type OpenBlock, type RecentWindowParams } from './recent-window';

const P: RecentWindowParams = { blocks: 4, blockSamples: 10, calmRatio: 4 };

function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Feeds values the way the detectors do: they sum the open block, the window takes finished ones. */
class Feeder {
  b = { n: 0, ref: 0, s1: 0, s2: 0 };
  readonly w: RecentWindow;
  private started = false;
  constructor(p = P) {
    this.w = new RecentWindow(p);
  }
  restore(open: OpenBlock): void {
    this.b = { ...open };
    this.started = true;
  }
  add(v: number): boolean {
    if (!this.started) {
      this.b.ref = v;
      this.started = true;
    }
    const x = v - this.b.ref;
    this.b.s1 += x;
    this.b.s2 += x * x;
    if (++this.b.n < this.w.blockSize) return false;
    this.b = { n: 0, ref: this.w.close(this.b), s1: 0, s2: 0 };
    return this.w.full;
  }
}

function fed(values: readonly number[]): Feeder {
  const f = new Feeder();
  for (const v of values) f.add(v);
  return f;
}

test('the window is full once it holds all its blocks', () => {
  const f = new Feeder();
  const full: number[] = [];
  for (let i = 0; i < 70; i++) if (f.add(i)) full.push(i);
  // Blocks close at samples 9, 19, 29, 39 (the window is full from the 4th), 49, 59, 69.
  assert.deepEqual(full, [39, 49, 59, 69]);
});

test('mean and variance are those of the finished blocks only, precise far from zero', () => {
  const rnd = rng(3);
  const values = Array.from({ length: 73 }, () => 1e9 + 50 * rnd());
  const { w } = fed(values);
  // 7 blocks closed; the window holds blocks 3–6 (samples 30–69); 70–72 are the open block.
  const held = values.slice(30, 70);
  const mean = held.reduce((a, b) => a + b, 0) / held.length;
  const variance = held.reduce((a, b) => a + (b - mean) ** 2, 0) / held.length;
  assert.ok(Math.abs(w.mean() - mean) < 1e-6, `${w.mean()} vs ${mean}`);
  assert.ok(Math.abs(w.variance() - variance) < 1e-6 * variance, `${w.variance()} vs ${variance}`);
});

test('a busy start is gone from the window entirely once the window has moved past it', () => {
  const rnd = rng(5);
  const values = Array.from({ length: 60 }, (_, i) => (i < 15 ? 60 + 40 * rnd() : 2 + 3 * rnd()));
  const { w } = fed(values);
  // Blocks 2–5 (samples 20–59) are all quiet: uniform on [2, 5] has variance 0.75.
  assert.ok(w.variance() < 1.5, `variance ${w.variance()}`);
  assert.ok(Math.abs(w.mean() - 3.5) < 0.5, `mean ${w.mean()}`);
});

test('state round-trips through plain numbers, mid-block and with a full ring', () => {
  const rnd = rng(7);
  const values = Array.from({ length: 200 }, (_, i) => (i < 30 ? 90 : 10) + rnd());
  for (const cut of [1, 5, 10, 47, 123]) {
    const a = fed(values.slice(0, cut));
    const b = new Feeder();
    const open = b.w.load(JSON.parse(JSON.stringify(a.w.toArray(a.b))));
    assert.ok(typeof open !== 'string', String(open));
    b.restore(open);
    for (let i = cut; i < values.length; i++) {
      assert.equal(b.add(values[i]!), a.add(values[i]!), `cut ${cut}, sample ${i}`);
      assert.equal(b.w.variance(), a.w.variance(), `cut ${cut}, sample ${i}`);
      assert.equal(b.w.mean(), a.w.mean());
    }
  }
});

test('a restored window gives the same mean and variance to the last bit, wherever its ring had wrapped to', () => {
  // 16 blocks of values whose sums depend on the order they are added in (mixed magnitudes).
  const p = { blocks: 16, blockSamples: 8, calmRatio: 4 };
  const rnd = rng(41);
  const values = Array.from({ length: 16 * 8 * 5 }, () => (rnd() < 0.5 ? 1e6 : 1e-3) * (1 + rnd()));
  let compared = 0;
  for (let cut = 16 * 8; cut < values.length; cut += 8 * 3 + 1) {
    const a = new Feeder(p);
    for (const v of values.slice(0, cut)) a.add(v);
    const b = new Feeder(p);
    const open = b.w.load(JSON.parse(JSON.stringify(a.w.toArray(a.b))));
    assert.ok(typeof open !== 'string', String(open));
    b.restore(open);
    assert.equal(b.w.mean(), a.w.mean(), `cut ${cut}`);
    assert.equal(b.w.variance(), a.w.variance(), `cut ${cut}`);
    compared++;
  }
  assert.ok(compared >= 10);
});

test('a malformed state is refused with a reason', () => {
  const f = fed(Array.from({ length: 25 }, (_, i) => i));
  const a = f.w.toArray(f.b);
  const bad = (x: unknown, p = P): void => assert.equal(typeof new RecentWindow(p).load(x), 'string', JSON.stringify(x));
  bad(a.slice(0, -1));
  bad([...a.slice(0, 4), 9, ...a.slice(5)]);
  bad([10, ...a.slice(1)]);
  bad([...a.slice(0, 3), -1, ...a.slice(4)]);
  bad([...a.slice(0, -1), -1]);
  bad([...a.slice(0, 2), NaN, ...a.slice(3)]);
  bad('x');
  bad(a, { ...P, blocks: 1 });
});

test('with no blocks no block ever closes', () => {
  const f = new Feeder({ blocks: 0, blockSamples: 10, calmRatio: 4 });
  for (let i = 0; i < 100; i++) assert.equal(f.add(i), false);
  assert.equal(f.w.toArray(f.b).length, 5);
});
