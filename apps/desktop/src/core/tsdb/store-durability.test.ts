import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelemetryStore } from './store';
import { tempEnv } from './test-env';

const T0 = 1_700_000_000_000;
const ALL = { from: -Infinity, to: Infinity };
const KEYS = ['cpu.util_pct', 'disk.read_bps{dev=sda}', 'net.rx_bps{if=eth0}'];

/** WAL frame `pos` (1-based): one sample per key at T0 + pos s; the disk series only every 3rd frame. */
function frame(pos: number): { ts: number; keys: string[]; values: number[] } {
  const keys = pos % 3 === 0 ? KEYS : [KEYS[0]!, KEYS[2]!];
  return { ts: T0 + pos * 1000, keys, values: keys.map((_, i) => pos * 10 + i) };
}

function replay(store: TelemetryStore, from: number, to: number): { appended: number; skipped: number } {
  let appended = 0;
  let skipped = 0;
  for (let pos = from; pos <= to; pos++) {
    const f = frame(pos);
    const r = store.appendBatch('h1', f.ts, f.keys, f.values, pos);
    appended += r.appended;
    skipped += r.skippedFlushed;
  }
  return { appended, skipped };
}

test('WAL replay after a crash yields every sample exactly once', async () => {
  const e = tempEnv();
  try {
    const N = 1000;
    const opts = { blockMaxSamples: 64 };
    const crashed = await TelemetryStore.open(e.env, opts);
    replay(crashed, 1, N);
    // Heads that filled up are written; the rest are only in memory (and in the WAL).
    await crashed.flush(T0);
    const minPos = crashed.minUnflushedWalPos();
    assert.ok(minPos !== null && minPos > 1 && minPos <= N, `minUnflushedWalPos ${minPos}`);
    // Crash: no close()/flushAll(); a new store on the same env replays the whole WAL.
    const store = await TelemetryStore.open(e.env, opts);
    const r = replay(store, 1, N);
    assert.ok(r.skipped > 0 && r.appended > 0);
    for (const key of KEYS) {
      const q = store.query('h1', key, ALL);
      assert.equal(q.kind, 'raw');
      const want: number[] = [];
      for (let pos = 1; pos <= N; pos++) if (frame(pos).keys.includes(key)) want.push(T0 + pos * 1000);
      assert.deepEqual(q.t, want, key);
    }
    // Replaying everything again (another crash right after) still changes nothing.
    await store.flushAll();
    assert.equal(store.minUnflushedWalPos(), null);
    const again = await TelemetryStore.open(e.env, opts);
    assert.deepEqual(replay(again, 1, N).appended, 0);
    assert.equal(again.query('h1', KEYS[0]!, ALL).t.length, N);
    await again.close();
  } finally {
    await e.dispose();
  }
});

test('a crash after close() and reopening the env replays nothing twice', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env);
    replay(store, 1, 300);
    await store.close();
    await e.reopen();
    const next = await TelemetryStore.open(e.env);
    const r = replay(next, 1, 310);
    assert.equal(r.appended, 10 * 2 + 3);
    assert.equal(next.query('h1', KEYS[0]!, ALL).t.length, 310);
    await next.close();
  } finally {
    await e.dispose();
  }
});

test('minUnflushedWalPos follows the oldest sample still only in a head', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env, { blockMaxSamples: 10 });
    assert.equal(store.minUnflushedWalPos(), null);
    store.appendBatch('h1', T0, ['slow'], [1], 5);
    for (let pos = 6; pos <= 25; pos++) store.appendBatch('h1', T0 + pos, ['fast'], [pos], pos);
    assert.equal(store.minUnflushedWalPos(), 5, 'pending blocks and heads count');
    await store.flush(T0);
    assert.equal(store.minUnflushedWalPos(), 5);
    await store.flush(Date.now() + 10 * 60_000);
    assert.equal(store.minUnflushedWalPos(), null);
    await store.close();
  } finally {
    await e.dispose();
  }
});
