/**
 * Head checkpoints: the WAL may be trimmed to minUnflushedWalPos() after each one, and a crash at any
 * point, followed by recovery (open) and a replay of only the kept WAL, yields every sample once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHeadRecord, type HeadRecord } from './block-db';
import { TelemetryStore } from './store';
import { tempEnv, type TempEnv } from './test-env';
import type { QueryResult } from './types';

const T0 = 1_700_000_000_000;
const ALL = { from: -Infinity, to: Infinity };
const KEYS = ['cpu.util_pct', 'disk.read_bps{dev=sda}', 'net.rx_bps{if=eth0}'];
const HOSTS = ['h0', 'h1'];

interface Frame {
  host: string;
  ts: number;
  keys: string[];
  values: number[];
}

/** WAL frame `pos` (1-based): hosts alternate, 1 Hz per host; the disk series only every 3rd frame. */
function frame(pos: number): Frame {
  const keys = pos % 3 === 0 ? KEYS : [KEYS[0]!, KEYS[2]!];
  return { host: HOSTS[pos % 2]!, ts: T0 + Math.floor(pos / 2) * 1000, keys, values: keys.map((_, i) => pos * 10 + i + 0.25) };
}

function append(store: TelemetryStore, pos: number): number {
  const f = frame(pos);
  return store.appendBatch(f.host, f.ts, f.keys, f.values, pos).appended;
}

/** What every series must hold after frames 1..n, as query results. */
function expected(n: number): Map<string, QueryResult> {
  const out = new Map<string, QueryResult>();
  for (const host of HOSTS) {
    for (const key of KEYS) {
      const t: number[] = [];
      const v: number[] = [];
      for (let pos = 1; pos <= n; pos++) {
        const f = frame(pos);
        const i = f.keys.indexOf(key);
        if (f.host !== host || i < 0) continue;
        t.push(f.ts);
        v.push(f.values[i]!);
      }
      out.set(`${host} ${key}`, { kind: 'raw', t, v });
    }
  }
  return out;
}

function snapshot(store: TelemetryStore): Map<string, QueryResult> {
  const out = new Map<string, QueryResult>();
  for (const host of HOSTS) for (const key of KEYS) out.set(`${host} ${key}`, store.query(host, key, ALL));
  return out;
}

function headRecords(store: TelemetryStore): Map<number, HeadRecord> {
  return store['db'].readHeads();
}

function seriesId(store: TelemetryStore, host: string, key: string): number {
  const s = store['hostMaps'].get(host)?.get(key);
  assert.ok(s !== undefined, `${host} ${key}`);
  return s.id;
}

/** Replays WAL frames pos ≥ from (what a console trimming at minUnflushedWalPos kept) up to `to`. */
function replay(store: TelemetryStore, from: number, to: number): { appended: number; skipped: number } {
  let appended = 0;
  let skipped = 0;
  for (let pos = from; pos <= to; pos++) {
    const f = frame(pos);
    const r = store.appendBatch(f.host, f.ts, f.keys, f.values, pos);
    appended += r.appended;
    skipped += r.skippedFlushed;
  }
  return { appended, skipped };
}

test('crash after several checkpoints: recovery plus the trimmed WAL gives every sample exactly once', async () => {
  for (const restart of [false, true]) {
    const e = tempEnv();
    try {
      const N = 1000;
      const opts = { blockMaxSamples: 40, checkpointIntervalMs: 0 };
      const crashed = await TelemetryStore.open(e.env, opts);
      let walStart = 1;
      for (let pos = 1; pos <= N; pos++) {
        append(crashed, pos);
        if (pos % 150 === 0) {
          // The console's maintenance: flush (checkpoint due: interval 0), then trim the WAL.
          await crashed.flush(T0);
          const min = crashed.minUnflushedWalPos();
          assert.equal(min, null, `after checkpoint at ${pos} every sample is covered`);
          walStart = pos + 1;
        }
      }
      assert.equal(crashed.stats().checkpoints, 6);
      // 100 frames after the last checkpoint: every series closed a head into a pending block
      // that holds checkpointed samples and newer ones; nothing of that was written.
      assert.ok(crashed.stats().pendingBlocks > 0, 'pending blocks straddle the last checkpoint');
      assert.equal(crashed.minUnflushedWalPos(), 901, 'first frame after the last checkpoint');
      const before = snapshot(crashed);
      assert.deepEqual(before, expected(N));
      // Crash: no close()/flushAll(); a new store opens on the same files.
      if (restart) await e.reopen();
      const store = await TelemetryStore.open(e.env, opts);
      assert.equal(store.stats().recoveredHeads, HOSTS.length * KEYS.length);
      assert.equal(headRecords(store).size, 0, 'records became blocks');
      const r = replay(store, walStart, N);
      assert.equal(r.skipped, 0, 'the kept WAL starts right after the checkpoint');
      assert.ok(r.appended > 0);
      assert.deepEqual(snapshot(store), before);
      // Another crash right after, replaying the same WAL again: still nothing doubled.
      await store.flushAll();
      const again = await TelemetryStore.open(e.env, opts);
      assert.equal(replay(again, walStart, N).appended, 0);
      assert.deepEqual(snapshot(again), before);
      await again.close();
    } finally {
      await e.dispose();
    }
  }
});

test('checkpoints write only changed heads; latest/listSeries survive recovery', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env, { checkpointIntervalMs: 30_000 });
    for (let pos = 1; pos <= 40; pos++) append(store, pos);
    await store.flush(Date.now());
    assert.equal(store.stats().checkpoints, 0, 'not due yet right after open');
    assert.equal(store.minUnflushedWalPos(), 1);
    await store.flush(Date.now() + 31_000);
    assert.equal(store.stats().checkpoints, 1, 'due after the interval');
    assert.equal(store.stats().lastCheckpoint?.heads, 6);
    assert.equal(store.minUnflushedWalPos(), null);
    assert.equal((await store.checkpoint()).heads, 0, 'nothing changed since');
    store.appendBatch('h1', T0 + 100_000, [KEYS[0]!], [7], 41);
    assert.equal(store.minUnflushedWalPos(), 41);
    const cp = await store.checkpoint();
    assert.equal(cp.heads, 1);
    assert.ok(cp.headBytes > 0 && cp.callbackMs >= 0 && cp.totalMs >= cp.callbackMs);
    assert.equal(store.minUnflushedWalPos(), null);
    const latest = store.latest('h1', KEYS[0]!);
    const list = store.listSeries('h0');
    await e.reopen();
    const next = await TelemetryStore.open(e.env);
    assert.equal(next.stats().recoveredHeads, 6);
    assert.deepEqual(next.latest('h1', KEYS[0]!), latest);
    assert.deepEqual(
      next.listSeries('h0').sort((a, b) => a.key.localeCompare(b.key)),
      list.sort((a, b) => a.key.localeCompare(b.key)),
    );
    assert.equal(replay(next, 1, 40).appended, 0, 'all of it came back from the records');
    assert.equal(next.appendBatch('h1', T0 + 100_000, [KEYS[0]!], [7], 41).skippedFlushed, 1);
    await next.close();
  } finally {
    await e.dispose();
  }
});

test('a block write deletes the record it covers; a stale record is dropped at open', async () => {
  const e = tempEnv();
  try {
    const opts = { blockMaxSamples: 10, checkpointIntervalMs: 0 };
    const store = await TelemetryStore.open(e.env, opts);
    for (let pos = 1; pos <= 12; pos++) store.appendBatch('h1', T0 + pos * 1000, ['k'], [pos], pos);
    await store.checkpoint();
    const id = seriesId(store, 'h1', 'k');
    assert.equal(headRecords(store).get(id)?.pos, 12);
    assert.equal(headRecords(store).get(id)?.count, 2, 'head after the first 10-sample block');
    // The head fills up (samples 11..20) and its block commits: the record (11..12) goes with it.
    for (let pos = 13; pos <= 25; pos++) store.appendBatch('h1', T0 + pos * 1000, ['k'], [pos], pos);
    assert.equal(store.minUnflushedWalPos(), 13, 'checkpoint covers up to 12');
    await store.flush(T0);
    assert.equal(headRecords(store).size, 1, 'the checkpoint of the next head (21..25) replaced it');
    assert.equal(headRecords(store).get(id)?.pos, 25);
    assert.equal(store.minUnflushedWalPos(), null);
    store.appendBatch('h1', T0 + 26_000, ['k'], [26], 26);
    await store['commit']();
    // Close the head into a block without a checkpoint: its record must go in the same transaction.
    store['closeHead'](store['hostMaps'].get('h1')!.get('k')!);
    await store['commit']();
    assert.equal(headRecords(store).size, 0);
    assert.equal(store.minUnflushedWalPos(), null);
    // A stale record (pos ≤ flushedPos), e.g. written by hand: dropped, not turned into a block.
    const heads = e.env.openDB<Uint8Array, number>({ name: 'tsdb.heads', encoding: 'binary' });
    const block = [...store['db'].blocks.getRange({ start: [id], end: [id + 1] })][0]!.value;
    await heads.put(id, encodeHeadRecord({ pos: 5, count: block.count, minTs: T0, maxTs: block.maxTs, lastValue: 0, data: block.data }));
    const blocks = store.stats().blocks;
    const next = await TelemetryStore.open(e.env, opts);
    assert.equal(next.stats().recoveredHeads, 0);
    assert.equal(next.stats().blocks, blocks);
    assert.equal(heads.get(id), undefined);
    const q = next.query('h1', 'k', ALL);
    assert.deepEqual(q.t, Array.from({ length: 26 }, (_, i) => T0 + (i + 1) * 1000));
    await next.close();
  } finally {
    await e.dispose();
  }
});

test('samples appended while a checkpoint is in flight are not covered by it', async () => {
  const e = tempEnv();
  try {
    const opts = { blockMaxSamples: 1000, checkpointIntervalMs: 0 };
    const crashed = await TelemetryStore.open(e.env, opts);
    let pos = 0;
    while (pos < 100) append(crashed, ++pos);
    const first = crashed.checkpoint();
    let settled = false;
    void first.then(() => (settled = true));
    // Keep appending on every turn of the event loop until the commit is seen.
    const during: number[] = [];
    while (!settled) {
      assert.equal(crashed.minUnflushedWalPos(), 1, 'nothing counts as covered before the commit');
      append(crashed, ++pos);
      during.push(pos);
      await new Promise((r) => setImmediate(r));
    }
    await first;
    const records = headRecords(crashed);
    const covered = Math.max(...[...records.values()].map((r) => r.pos));
    assert.ok(covered >= 100, 'covers what was appended before it started');
    const after = during.filter((p) => p > covered);
    assert.ok(after.length > 0, `appends raced the transaction (covered up to ${covered}, appended to ${pos})`);
    // Exact: the first frame after the snapshot is the first one not covered.
    assert.equal(crashed.minUnflushedWalPos(), after[0]);
    // Each record holds exactly its series' samples up to `covered`.
    const want = expected(covered);
    for (const host of HOSTS) {
      for (const key of KEYS) {
        const rec = records.get(seriesId(crashed, host, key));
        assert.equal(rec?.count, (want.get(`${host} ${key}`) as { t: number[] }).t.length, `${host} ${key}`);
      }
    }
    const min = crashed.minUnflushedWalPos()!;
    const before = snapshot(crashed);
    const store = await TelemetryStore.open(e.env, opts);
    replay(store, min, pos);
    assert.deepEqual(snapshot(store), before);
    assert.deepEqual(before, expected(pos));
    await store.close();
  } finally {
    await e.dispose();
  }
});

test('a series first seen after the last block write is recoverable from its checkpoint alone', async () => {
  const e = tempEnv();
  try {
    const store = await TelemetryStore.open(e.env, { checkpointIntervalMs: 0 });
    store.appendBatch('new-host', T0, ['only.head'], [1.5], 1);
    store.appendBatch('new-host', T0 + 1000, ['only.head'], [2.5], 2);
    await store.checkpoint();
    assert.equal(store.minUnflushedWalPos(), null);
    const next = await TelemetryStore.open(e.env);
    assert.deepEqual(next.hosts(), ['new-host']);
    assert.deepEqual(next.query('new-host', 'only.head', ALL), { kind: 'raw', t: [T0, T0 + 1000], v: [1.5, 2.5] });
    // New series after recovery must not reuse its id.
    next.appendBatch('new-host', T0, ['second'], [3], 3);
    await next.close();
    const last = await TelemetryStore.open(e.env);
    assert.equal(last.query('new-host', 'only.head', ALL).t.length, 2);
    assert.equal(last.query('new-host', 'second', ALL).t.length, 1);
    await last.close();
  } finally {
    await e.dispose();
  }
});

test('a checkpoint of many heads is written in bounded transactions, and a crash after it loses nothing', async () => {
  const e = tempEnv();
  try {
    const opts = { blockMaxSamples: 1000, checkpointIntervalMs: 0 };
    const store = await TelemetryStore.open(e.env, opts);
    // 5,000 open heads of one host: before, one transaction wrote them all (100 k at 1,000 hosts took 1–1.5 s).
    const keys = Array.from({ length: 5_000 }, (_, i) => `s${i}`);
    for (let pos = 1; pos <= 3; pos++) store.appendBatch('h1', T0 + pos * 1000, keys, keys.map((_, k) => k + pos / 10), pos);
    const cp = await store.checkpoint();
    assert.equal(cp.heads, 5_000);
    assert.equal(cp.transactions, 3, 'at most 2,000 heads a transaction');
    assert.ok(cp.maxCallbackMs <= cp.callbackMs && cp.maxCallbackMs > 0, `longest ${cp.maxCallbackMs} ms of ${cp.callbackMs} ms`);
    assert.equal(store.minUnflushedWalPos(), null, 'every sample covered');
    assert.equal((await store.checkpoint()).transactions, 0, 'nothing changed since: no transaction');
    await e.reopen();
    const next = await TelemetryStore.open(e.env, opts);
    assert.equal(next.stats().recoveredHeads, 5_000);
    for (const k of [0, 1_999, 2_000, 4_999]) {
      const q = next.query('h1', `s${k}`, ALL) as { t: number[]; v: number[] };
      assert.deepEqual({ t: q.t, v: q.v }, { t: [1, 2, 3].map((p) => T0 + p * 1000), v: [1, 2, 3].map((p) => k + p / 10) });
    }
    await next.close();
  } finally {
    await e.dispose();
  }
});

test('a head whose block closed after the checkpoint wrote its blocks waits for the next checkpoint', async () => {
  const e = tempEnv();
  try {
    const opts = { blockMaxSamples: 4, checkpointIntervalMs: 0 };
    const crashed = await TelemetryStore.open(e.env, opts);
    for (let pos = 1; pos <= 3; pos++) crashed.appendBatch('h1', T0 + pos * 1000, ['k'], [pos], pos);
    // Between the checkpoint's block write (nothing pending here) and its head slice, ingest goes on:
    // the head fills (samples 1..4 close into a pending block) and sample 5 opens the next head.
    const db = crashed['db'];
    const atomic = db.atomic.bind(db);
    let injected = false;
    db.atomic = (fn) => {
      if (!injected) {
        injected = true;
        for (let pos = 4; pos <= 5; pos++) crashed.appendBatch('h1', T0 + pos * 1000, ['k'], [pos], pos);
      }
      return atomic(fn);
    };
    const cp = await crashed.checkpoint();
    assert.ok(injected);
    assert.equal(cp.heads, 0, 'the head after an unwritten block is not recorded');
    // Recording it would have counted the pending block as covered, and a WAL trimmed there loses it.
    assert.equal(crashed.minUnflushedWalPos(), 1);
    await e.reopen();
    const store = await TelemetryStore.open(e.env, opts);
    for (let pos = 1; pos <= 5; pos++) store.appendBatch('h1', T0 + pos * 1000, ['k'], [pos], pos);
    assert.deepEqual((store.query('h1', 'k', ALL) as { v: number[] }).v, [1, 2, 3, 4, 5]);
    await store.close();
  } finally {
    await e.dispose();
  }
});

/**
 * Two ways a head slice's transaction fails, and neither writes anything of it. `commit`: the commit
 * itself fails (a full disk), modelled as a throw after every put of the slice. `callback`: the slice's own
 * code throws midway, at its 1,000th head; lmdb-js's plain `transaction` would commit the 1,000 heads put
 * before the throw (kriszyp/lmdb-js#115), the store's atomic one (block-db.ts) rolls them back.
 */
for (const failure of ['commit', 'callback'] as const) {
  const OPTS = { blockMaxSamples: 1000, checkpointIntervalMs: 0 };
  const KEYS_5K = Array.from({ length: 5_000 }, (_, i) => `s${i}`);
  /** Appends WAL frames 1..3 (5,000 series of one host); the skipped samples (already on disk). */
  const put = (store: TelemetryStore): number => {
    let skipped = 0;
    for (let pos = 1; pos <= 3; pos++) skipped += store.appendBatch('h1', T0 + pos * 1000, KEYS_5K, KEYS_5K.map((_, k) => k + pos / 10), pos).skippedFlushed;
    return skipped;
  };
  /** A store whose checkpoint failed in its second head slice (of three). */
  const failedCheckpoint = async (e: TempEnv): Promise<TelemetryStore> => {
    const store = await TelemetryStore.open(e.env, OPTS);
    put(store);
    const db = store['db'];
    const { atomic, putHeadInTxn } = db;
    let calls = 0;
    let heads = 0;
    const injected = new Error('injected: MDB_MAP_FULL');
    db.atomic = (fn) => {
      if (++calls !== 2 || failure === 'callback') return atomic.call(db, fn);
      return atomic.call(db, () => {
        fn();
        throw injected;
      });
    };
    db.putHeadInTxn = (...args) => {
      if (failure === 'callback' && ++heads === 3_000) throw injected;
      return putHeadInTxn.apply(db, args);
    };
    await assert.rejects(store.checkpoint(), /writing a head checkpoint to LMDB failed: Error: injected: MDB_MAP_FULL/);
    assert.equal(calls, 2, 'the first slice committed, the second failed, no third was tried');
    Object.assign(db, { atomic, putHeadInTxn });
    return store;
  };
  const onDisk = 2_000;

  test(`a head slice that fails at its ${failure} leaves the earlier slices committed and its own heads counted as uncovered; a crash then loses nothing`, async () => {
    const e = tempEnv();
    try {
      const crashed = await failedCheckpoint(e);
      assert.equal(headRecords(crashed).size, onDisk, 'on disk: the first slice only, nothing of the failed one');
      assert.equal(crashed.minUnflushedWalPos(), 1, "the failed slice's heads count as uncovered: the WAL keeps their samples");
      // Crash: no close(); a new store on the same files, and the kept WAL replayed.
      await e.reopen();
      const store = await TelemetryStore.open(e.env, OPTS);
      assert.equal(store.stats().recoveredHeads, onDisk);
      assert.equal(put(store), 3 * onDisk, "the recovered heads' samples are not appended twice");
      for (const k of [0, 1_999, 2_000, 3_999, 4_000, 4_999]) {
        const q = store.query('h1', `s${k}`, ALL) as { t: number[]; v: number[] };
        assert.deepEqual({ t: q.t, v: q.v }, { t: [1, 2, 3].map((p) => T0 + p * 1000), v: [1, 2, 3].map((p) => k + p / 10) }, `s${k}`);
      }
      await store.close();
    } finally {
      await e.dispose();
    }
  });

  test(`a head slice that fails at its ${failure}: the next checkpoint writes the heads it and the untried slice left`, async () => {
    const e = tempEnv();
    try {
      const store = await failedCheckpoint(e);
      const cp = await store.checkpoint();
      assert.equal(cp.heads, 3_000);
      assert.equal(cp.transactions, 2);
      assert.equal(store.minUnflushedWalPos(), null, 'every sample covered');
      assert.equal(headRecords(store).size, 5_000);
      await store.close();
    } finally {
      await e.dispose();
    }
  });
}
