import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelemetryStore } from './store';
import { tempEnv } from './test-env';

const ALL = { from: -Infinity, to: Infinity };

test('series limit: rejected, counted, reported once per batch with a clear message', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env, { maxSeriesPerHost: 3 });
    const keys = ['a', 'b', 'c', 'foo.bar', 'e'];
    const r = store.appendBatch('h1', 1000, keys, [1, 2, 3, 4, 5], 1);
    assert.deepEqual([r.appended, r.rejected, r.errors.length], [3, 2, 1]);
    assert.deepEqual(r.errors[0], {
      code: 'SERIES_LIMIT',
      message:
        'host h1 has reached its limit of 3 series; new series (e.g. "foo.bar") are dropped until old ones expire — raise limits.maxSeriesPerHost',
    });
    // Known series keep working; other hosts have their own limit.
    assert.equal(store.appendBatch('h1', 2000, ['a'], [1], 2).appended, 1);
    assert.equal(store.appendBatch('h2', 2000, keys.slice(0, 3), [1, 2, 3], 3).appended, 3);
    assert.equal(store.stats().rejected, 2);
    assert.equal(store.stats().series, 6);
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('head-bytes bound closes heads early and loses nothing', async () => {
  const e = tempEnv();
  try {
    const maxHeadBytes = 64 * 1024;
    const store = await TelemetryStore.open(e.env, { maxHeadBytes, blockMaxSamples: 100_000, blockMaxSpanMs: 1e12 });
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    let peak = 0;
    for (let pos = 1; pos <= 300; pos++) {
      store.appendBatch('h1', pos * 1000, keys, keys.map((_, i) => Math.sin(pos * (i + 1))), pos);
      peak = Math.max(peak, store.stats().headBytes);
    }
    assert.ok(peak <= maxHeadBytes + 200 * 64, `head bytes peaked at ${peak}`);
    assert.ok(store.stats().pendingBlocks + store.stats().blocks > 0, 'heads were closed early');
    await store.flush(0);
    for (const k of ['k0', 'k199']) assert.equal(store.query('h1', k, ALL).t.length, 300);
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('retention deletes old blocks and forgets fully expired series', async () => {
  const e = tempEnv();
  try {
    const day = 86_400_000;
    const store = await TelemetryStore.open(e.env, { retentionMs: 7 * day, maxSeriesPerHost: 2 });
    const now = 100 * day;
    let pos = 1;
    // 'old' only has data 10..9 days ago; 'mixed' has data 10 days ago and 1 day ago.
    for (let i = 0; i < 100; i++) store.appendBatch('h1', now - 10 * day + i * 1000, ['old', 'mixed'], [i, i], pos++);
    await store.flushAll();
    for (let i = 0; i < 100; i++) store.appendBatch('h1', now - day + i * 1000, ['mixed'], [i], pos++);
    await store.flushAll();
    assert.equal(store.stats().blocks, 3);
    await store.flush(now);
    assert.equal(store.stats().blocks, 1);
    assert.deepEqual(store.listSeries('h1').map((s) => [s.key, s.firstTs]), [['mixed', now - day]]);
    assert.equal(store.query('h1', 'mixed', ALL).t.length, 100);
    assert.equal(store.query('h1', 'old', ALL).t.length, 0);
    // The expired series freed its slot under the series limit.
    assert.equal(store.appendBatch('h1', now, ['new'], [1], pos++).appended, 1);
    await store.close();
    const again = await TelemetryStore.open(e.env);
    assert.deepEqual(again.listSeries('h1').map((s) => s.key).sort(), ['mixed', 'new']);
    await again.close();
  } finally {
    await e.dispose();
  }
});
