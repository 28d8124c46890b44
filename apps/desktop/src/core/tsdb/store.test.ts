import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelemetryStore } from './store';
import { tempEnv } from './test-env';
import type { QueryResult } from './types';

const T0 = 1_700_000_000_000;
const ALL = { from: -Infinity, to: Infinity };

function raw(r: QueryResult): { t: number[]; v: number[] } {
  assert.equal(r.kind, 'raw');
  return r as { t: number[]; v: number[] };
}

/** Appends n 1 Hz frames of two series on host h1; value i for cpu, -i/3 for mem. */
function fill(store: TelemetryStore, n: number, startPos = 1, t0 = T0): void {
  for (let i = 0; i < n; i++) {
    const r = store.appendBatch('h1', t0 + i * 1000, ['cpu.util_pct', 'mem.used_bytes'], [i, -i / 3], startPos + i);
    assert.equal(r.appended, 2);
  }
}

test('append then query raw points, latest, listSeries, hosts', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env);
    fill(store, 100);
    const q = raw(store.query('h1', 'cpu.util_pct', { from: T0 + 10_000, to: T0 + 19_000 }));
    assert.deepEqual(q.t, Array.from({ length: 10 }, (_, i) => T0 + (10 + i) * 1000));
    assert.deepEqual(q.v, Array.from({ length: 10 }, (_, i) => 10 + i));
    assert.deepEqual(store.latest('h1', 'mem.used_bytes'), { t: T0 + 99_000, v: -99 / 3 });
    assert.equal(store.latest('h1', 'nope'), null);
    assert.deepEqual(store.hosts(), ['h1']);
    assert.equal(store.seriesCount('h1'), 2);
    const ls = store.listSeries('h1').sort((a, b) => a.key.localeCompare(b.key));
    assert.deepEqual(ls, [
      { key: 'cpu.util_pct', firstTs: T0, lastTs: T0 + 99_000, lastValue: 99 },
      { key: 'mem.used_bytes', firstTs: T0, lastTs: T0 + 99_000, lastValue: -33 },
    ]);
    assert.deepEqual(raw(store.query('h2', 'cpu.util_pct', ALL)).t, []);
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('head and blocks merge across flushes, and survive reopening the env', async () => {
  const e = tempEnv();
  try {
    let store = await TelemetryStore.open(e.env, { blockMaxSamples: 50 });
    fill(store, 1000);
    await store.flush(T0);
    fill(store, 30, 1001, T0 + 1_000_000);
    const before = raw(store.query('h1', 'cpu.util_pct', ALL));
    assert.equal(before.t.length, 1030);
    assert.ok(before.t.every((t, i) => i === 0 || t > before.t[i - 1]!));
    assert.ok(store.stats().blocks >= 20, 'blocks written');
    assert.ok(store.stats().headSamples > 0, 'head still open');
    const window = store.query('h1', 'mem.used_bytes', { from: T0 + 990_500, to: T0 + 1_003_000 });
    assert.deepEqual(raw(window).t, [991, 992, 993, 994, 995, 996, 997, 998, 999, 1000, 1001, 1002, 1003].map((s) => T0 + s * 1000));
    await store.close();
    await e.reopen();
    store = await TelemetryStore.open(e.env, { blockMaxSamples: 50 });
    assert.deepEqual(store.query('h1', 'cpu.util_pct', ALL), before);
    assert.deepEqual(store.latest('h1', 'cpu.util_pct'), { t: T0 + 1_029_000, v: 29 });
    assert.equal(store.stats().headSamples, 0);
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('downsampling matches a brute-force computation', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env, { blockMaxSamples: 100 });
    const ts: number[] = [];
    const vs: number[] = [];
    let x = 0;
    for (let i = 0; i < 5000; i++) {
      // Irregular steps with a hole, so some buckets are empty.
      const t = T0 + i * 1000 + (i % 7) * 13 + (i > 2000 ? 600_000 : 0);
      x += Math.sin(i) * 3;
      ts.push(t);
      vs.push(x);
      store.appendBatch('h1', t, ['k'], [x], i + 1);
    }
    await store.flush(T0);
    const from = T0 + 123_456;
    const to = T0 + 4_000_000;
    const q = store.query('h1', 'k', { from, to, maxPoints: 300 });
    assert.equal(q.kind, 'buckets');
    if (q.kind !== 'buckets') return;
    assert.ok(q.t.length <= 300 && q.t.length > 200, `${q.t.length} buckets`);
    const w = q.bucketMs;
    const expect = new Map<number, number[]>();
    for (let i = 0; i < ts.length; i++) {
      if (ts[i]! < from || ts[i]! > to) continue;
      const b = Math.floor(ts[i]! / w) * w;
      expect.set(b, [...(expect.get(b) ?? []), vs[i]!]);
    }
    assert.deepEqual(q.t, [...expect.keys()]);
    q.t.forEach((b, j) => {
      const xs = expect.get(b)!;
      assert.equal(q.n[j], xs.length);
      assert.equal(q.min[j], Math.min(...xs));
      assert.equal(q.max[j], Math.max(...xs));
      assert.equal(q.last[j], xs[xs.length - 1]);
      assert.ok(Math.abs(q.avg[j]! - xs.reduce((a, c) => a + c, 0) / xs.length) < 1e-9);
    });
    // At or under maxPoints: raw.
    assert.equal(store.query('h1', 'k', { from: T0, to: T0 + 99_999, maxPoints: 100 }).kind, 'raw');
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('late data starts a new head; duplicate timestamps are dropped and counted', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env);
    let pos = 1;
    for (const s of [10, 11, 12, 12, 13]) store.appendBatch('h1', T0 + s * 1000, ['k'], [s], pos++);
    const late = store.appendBatch('h1', T0 + 5000, ['k'], [5], pos++);
    assert.equal(late.appended, 1);
    assert.equal(store.stats().pendingBlocks, 1, 'the sorted head was closed');
    const dup = store.appendBatch('h1', T0 + 5000, ['k'], [99], pos++);
    assert.equal(dup.duplicates, 1);
    store.appendBatch('h1', T0 + 6000, ['k'], [6], pos++);
    // Late sample repeating a timestamp of an older chunk: kept once by the query.
    store.appendBatch('h1', T0 + 11_000, ['k'], [11], pos++);
    assert.equal(store.stats().duplicates, 2);
    const q = raw(store.query('h1', 'k', ALL));
    assert.deepEqual(q.t, [5, 6, 10, 11, 12, 13].map((s) => T0 + s * 1000));
    assert.deepEqual(q.v, [5, 6, 10, 11, 12, 13]);
    await store.flushAll();
    assert.deepEqual(store.query('h1', 'k', ALL), q);
    assert.deepEqual(store.latest('h1', 'k'), { t: T0 + 13_000, v: 13 });
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('invalid timestamps and values are rejected with errors, never thrown', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env);
    const a = store.appendBatch('h1', 1.5, ['a', 'b'], [1, 2], 1);
    assert.equal(a.rejected, 2);
    assert.equal(a.errors[0]?.code, 'INVALID_SAMPLE');
    const b = store.appendBatch('h1', T0, ['a', 'b', 'c'], [Number.NaN, 1, Infinity], 2);
    assert.deepEqual([b.appended, b.rejected, b.errors.length], [1, 2, 1]);
    assert.match(b.errors[0]!.message, /"a".*NaN/);
    const c = store.appendBatch('h1', T0 + 1, ['x', 'y'], [1], 3);
    assert.deepEqual([c.appended, c.rejected], [1, 1]);
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('the per-host key cache follows changed key lists, the series limit and expiry', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env, { maxSeriesPerHost: 3 });
    // Fresh string objects each frame, as msgpackr decodes them.
    const k = (...xs: string[]): string[] => xs.map((x) => [...x].join(''));
    store.appendBatch('h1', T0, k('a', 'b'), [1, 2], 1);
    store.appendBatch('h1', T0 + 1000, k('a', 'b'), [3, 4], 2);
    store.appendBatch('h1', T0 + 2000, k('b', 'a'), [5, 6], 3);
    store.appendBatch('h1', T0 + 3000, k('a', 'b', 'c', 'd'), [7, 8, 9, 10], 4);
    const r = store.appendBatch('h1', T0 + 4000, k('a', 'b', 'c', 'd'), [11, 12, 13, 14], 5);
    assert.equal(r.rejected, 1, 'a list with a rejected key is not cached: the limit still applies');
    assert.deepEqual(raw(store.query('h1', 'a', ALL)).v, [1, 3, 6, 7, 11]);
    assert.deepEqual(raw(store.query('h1', 'b', ALL)).v, [2, 4, 5, 8, 12]);
    assert.deepEqual(raw(store.query('h1', 'c', ALL)).v, [9, 13]);
    await store.flushAll();
    // Everything expires and the series are forgotten; the cached list must not resurrect them.
    await store.flush(T0 + 8 * 24 * 3_600_000);
    assert.equal(store.seriesCount('h1'), 0);
    store.appendBatch('h1', T0 + 9 * 24 * 3_600_000, k('a', 'b', 'c'), [1, 2, 3], 6);
    assert.equal(store.seriesCount('h1'), 3);
    assert.deepEqual(raw(store.query('h1', 'a', ALL)).v, [1]);
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('heads that close together are written in bounded transactions, every block kept, in order per series', async () => {
  const e = tempEnv();
  try {
    let store = await TelemetryStore.open(e.env, { blockMaxSamples: 4, checkpointIntervalMs: 1e12 });
    // 2,500 series of one host close their heads in the same batch: 2,500 blocks pending at once, twice.
    const keys = Array.from({ length: 2_500 }, (_, i) => `s${i}`);
    const sizes: number[] = [];
    const db = (store as unknown as { db: { writeBlocks(b: readonly unknown[]): Promise<unknown> } }).db;
    const write = db.writeBlocks.bind(db);
    db.writeBlocks = (b) => (sizes.push(b.length), write(b));
    for (let i = 0; i < 8; i++) store.appendBatch('h1', T0 + i * 1000, keys, keys.map((_, k) => k + i / 10), i + 1);
    // Before any write: a query reads the series' own two pending blocks, and none of the others'.
    const pendingNow = raw(store.query('h1', 's7', ALL));
    assert.deepEqual({ t: pendingNow.t, v: pendingNow.v }, { t: Array.from({ length: 8 }, (_, i) => T0 + i * 1000), v: Array.from({ length: 8 }, (_, i) => 7 + i / 10) });
    await store.flush(T0 + 8000);
    assert.ok(sizes.length >= 3, `${sizes.length} write transactions for 5,000 blocks`);
    assert.ok(Math.max(...sizes) <= 2_000, `at most 2,000 blocks a transaction (${sizes.join(', ')})`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 5_000);
    assert.equal(store.stats().blocks, 5_000);
    await store.close();
    await e.reopen();
    store = await TelemetryStore.open(e.env, { blockMaxSamples: 4 });
    for (const k of [0, 1_999, 2_000, 2_499]) {
      const { t, v } = raw(store.query('h1', `s${k}`, ALL));
      assert.deepEqual({ t, v }, { t: Array.from({ length: 8 }, (_, i) => T0 + i * 1000), v: Array.from({ length: 8 }, (_, i) => k + i / 10) });
    }
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('a block write whose own code throws midway commits nothing of its batch; after a crash the kept WAL gives every sample once', async () => {
  const e = tempEnv();
  try {
    const crashed = await TelemetryStore.open(e.env, { blockMaxSamples: 4, checkpointIntervalMs: 1e12 });
    const keys = Array.from({ length: 2_500 }, (_, i) => `s${i}`);
    const frames = (store: TelemetryStore): number => {
      let skipped = 0;
      for (let i = 0; i < 8; i++) skipped += store.appendBatch('h1', T0 + i * 1000, keys, keys.map((_, k) => k + i / 10), i + 1).skippedFlushed;
      return skipped;
    };
    frames(crashed);
    // The 1,000th block put of the first batch (2,000 blocks) throws. lmdb-js's plain `transaction` would
    // commit the 999 blocks put before it, without their series' flushedPos: the replay below would then
    // append their samples a second time (block-db.ts, atomic).
    const blocks = crashed['db'].blocks;
    const put = blocks.put.bind(blocks);
    let puts = 0;
    blocks.put = ((...args: Parameters<typeof put>) => {
      if (++puts === 1_000) throw new Error('injected: a block that cannot be encoded');
      return put(...args);
    }) as typeof blocks.put;
    await assert.rejects(crashed.flush(T0 + 8000), /writing blocks to LMDB failed: Error: injected: a block that cannot be encoded/);
    assert.equal(blocks.getCount(), 0, 'nothing of the failed batch committed');
    assert.equal(crashed.minUnflushedWalPos(), 1, 'the WAL keeps every frame');
    // Crash: no close(); a new store on the same files, and the kept WAL (frames 1..8) replayed.
    await e.reopen();
    const store = await TelemetryStore.open(e.env, { blockMaxSamples: 4 });
    assert.equal(frames(store), 0, 'no sample counts as already on disk');
    for (const k of [0, 998, 999, 1_000, 2_499]) {
      const { t, v } = raw(store.query('h1', `s${k}`, ALL));
      assert.deepEqual({ t, v }, { t: Array.from({ length: 8 }, (_, i) => T0 + i * 1000), v: Array.from({ length: 8 }, (_, i) => k + i / 10) }, `s${k}: each sample once`);
    }
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('with firstBlockJitter a fleet that starts together does not close its heads together, and keeps every sample', async () => {
  const closesPerTick = async (firstBlockJitter: number): Promise<number[]> => {
    const e = tempEnv();
    try {
      const store = await TelemetryStore.open(e.env, { blockMaxSamples: 40, firstBlockJitter, checkpointIntervalMs: 1e12 });
      const keys = Array.from({ length: 1_000 }, (_, i) => `s${i}`);
      const closes: number[] = [];
      let tick = 0;
      const close = store['closeHead'].bind(store);
      store['closeHead'] = (s) => {
        closes[tick] = (closes[tick] ?? 0) + 1;
        close(s);
      };
      for (; tick < 120; tick++) store.appendBatch('h1', T0 + tick * 1000, keys, keys.map((_, k) => k + tick), tick + 1);
      for (const k of [0, 1, 777]) assert.equal(raw(store.query('h1', `s${k}`, ALL)).t.length, 120, `s${k} keeps every sample`);
      const counted = closes.slice(0, 120); // not the closes of shutting down
      await store.close();
      return counted;
    } finally {
      await e.dispose();
    }
  };
  const together = await closesPerTick(0);
  assert.equal(Math.max(...together.filter((n) => n !== undefined)), 1_000, 'without it all 1,000 heads close in one tick');
  const spread = await closesPerTick(0.5);
  const most = Math.max(...spread.filter((n) => n !== undefined));
  // First heads close after 20–40 samples, later ones after 40: about 1,000 / 21 a tick, from then on.
  assert.ok(most <= 100, `at most ${most} heads close in one tick`);
  assert.ok(spread.reduce((a, n) => a + (n ?? 0), 0) >= 2_000, 'heads still close (blocks get written)');
});
