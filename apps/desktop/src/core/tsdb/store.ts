import { sameKeyList } from '../key-list';
import type { RootDatabase } from 'lmdb';
import { BlockDb } from './block-db';
import { SampleCollector } from './collect';
import { bucketWidth, downsample } from './downsample';
import { invalidTimestampError, invalidValueError, lengthMismatchError, seriesLimitError } from './errors';
import { GorillaEncoder } from './gorilla';
import { type HeadCheckpoint, type PendingBlock, Series } from './series';
import {
  type AppendResult,
  type CheckpointStats,
  DEFAULT_STORE_OPTIONS,
  type QueryOptions,
  type QueryResult,
  type Sample,
  type SeriesInfo,
  type StoreOptions,
  type StoreStats,
} from './types';

/** Timestamps beyond ±2^50 ms (year ~37,600) could make the Gorilla zig-zag inexact. */
const MAX_ABS_TS = 2 ** 50;
/** After exceeding maxHeadBytes, close heads until this fraction is left, so eviction is rare. */
const HEAD_BYTES_LOW_WATER = 0.75;
/**
 * Closed heads are written in the background once this many bytes wait, so memory stays bounded
 * even if nobody calls flush(); below it they wait for flush() to share one transaction.
 */
const AUTO_WRITE_BYTES = 1024 * 1024;
/** Blocks per write transaction (~19 µs of main thread each: ~40 ms a transaction). */
const MAX_BLOCKS_PER_WRITE = 2_000;
/** Head records per checkpoint transaction (~5–15 µs of main thread each). */
const MAX_HEADS_PER_CHECKPOINT = 2_000;

/**
 * Time-series store: per-series compressed heads in memory, closed into Gorilla blocks in LMDB.
 * See ARCHITECTURE.md "Storage" and the WAL contract on `appendBatch`.
 */
export class TelemetryStore {
  private readonly hostMaps = new Map<string, Map<string, Series>>();
  private readonly byId = new Map<number, Series>();
  /**
   * Per host, the keys of its last batch and the series they resolved to: a collector sends the same
   * key list every frame, and comparing freshly decoded strings with === is cheaper than hashing
   * them for Map.get (bench-tsdb.ts). Dropped when a series of the host is forgotten.
   */
  private readonly keyCache = new Map<string, { keys: readonly string[]; series: Series[] }>();
  /** Closed heads not yet committed, oldest first; a write commits a prefix of it. */
  private pending: PendingBlock[] = [];
  private pendingBytes = 0;
  private headBytes = 0;
  private nextId: number;
  private duplicates = 0;
  private rejected = 0;
  private skippedFlushed = 0;
  private writeChain: Promise<void> = Promise.resolve();
  private writeQueued = false;
  private writeError: unknown = undefined;
  private closed = false;
  /** `flush`'s nowMs (ms) at the last checkpoint; open counts as one, so the first is an interval later. */
  private lastCheckpointMs = Date.now();
  private checkpoints = 0;
  private lastCheckpoint: CheckpointStats | null = null;

  private constructor(
    private readonly db: BlockDb,
    private readonly opts: StoreOptions,
    /** Widest block span ever written (ms); the look-back of range queries. */
    private readonly querySpanMs: number,
    /** Head records turned into blocks (or deleted as stale) at open. */
    private readonly recoveredHeads: number,
  ) {
    let maxId = 0;
    for (const { id, meta } of db.loadSeries()) {
      const s = new Series(id, meta.hostId, meta.key, meta);
      this.hostMap(meta.hostId).set(meta.key, s);
      this.byId.set(id, s);
      if (id > maxId) maxId = id;
    }
    this.nextId = maxId + 1;
  }

  /** Opens the store's sub-databases in an already-open root env and loads the series records. */
  static async open(env: RootDatabase, options?: Partial<StoreOptions>): Promise<TelemetryStore> {
    const opts: StoreOptions = { ...DEFAULT_STORE_OPTIONS, ...options };
    const db = new BlockDb(env, opts.dbPrefix);
    const span = await db.recordSpan(opts.blockMaxSpanMs);
    // Before the series records are loaded (recovery advances their flushedPos) and before the
    // caller replays the WAL (which then skips what the records held).
    const { recovered } = await db.recoverHeads();
    return new TelemetryStore(db, opts, span, recovered);
  }

  /**
   * Appends one frame's samples (all at `ts`, ms) in memory. `walPos` is the frame's position in the
   * ingest WAL, increasing across calls; samples of a series at or below its persisted flushedPos
   * are already in blocks and are skipped, which makes WAL replay at start idempotent.
   */
  appendBatch(hostId: string, ts: number, keys: readonly string[], values: readonly number[], walPos: number): AppendResult {
    const result: AppendResult = { appended: 0, duplicates: 0, skippedFlushed: 0, rejected: 0, errors: [] };
    let n = keys.length;
    if (values.length !== n) {
      result.errors.push(lengthMismatchError(hostId, keys.length, values.length, walPos));
      result.rejected += Math.abs(values.length - n);
      n = Math.min(n, values.length);
    }
    if (!Number.isInteger(ts) || Math.abs(ts) > MAX_ABS_TS) {
      result.errors.push(invalidTimestampError(hostId, ts, walPos, n));
      result.rejected += n;
      this.rejected += result.rejected;
      return result;
    }
    const host = this.hostMap(hostId);
    const { blockMaxSpanMs } = this.opts;
    let limitReported = false;
    let invalidReported = false;
    const cache = this.keyCache.get(hostId);
    const cached = cache !== undefined && sameKeyList(cache.keys, keys, n) ? cache.series : null;
    const resolved: Series[] | null = cached === null ? new Array<Series>(n) : null;
    let complete = true;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      let s = cached !== null ? cached[i] : host.get(key);
      if (s === undefined) {
        if (host.size >= this.opts.maxSeriesPerHost) {
          result.rejected++;
          complete = false;
          if (!limitReported) {
            limitReported = true;
            result.errors.push(seriesLimitError(hostId, this.opts.maxSeriesPerHost, key));
          }
          continue;
        }
        s = new Series(this.nextId++, hostId, key);
        host.set(key, s);
        this.byId.set(s.id, s);
      }
      if (resolved !== null) resolved[i] = s;
      if (walPos <= s.flushedPos) {
        result.skippedFlushed++;
        continue;
      }
      const value = values[i]!;
      if (!Number.isFinite(value)) {
        result.rejected++;
        if (!invalidReported) {
          invalidReported = true;
          result.errors.push(invalidValueError(hostId, key, value, walPos));
        }
        continue;
      }
      if (ts === s.lastAppendTs) {
        result.duplicates++;
        continue;
      }
      let head = s.head;
      // Late data (ts below the head's last) starts a new head so every chunk stays sorted.
      if (head !== null && (ts < head.lastTs || ts - head.firstTs > blockMaxSpanMs)) {
        this.closeHead(s);
        head = null;
      }
      if (head === null) head = this.openHead(s, walPos);
      const before = head.buf.length;
      head.append(ts, value);
      this.headBytes += head.buf.length - before;
      s.headMaxPos = walPos;
      // The first sample after the latest checkpoint of this series is where that checkpoint's
      // coverage ends (minUnflushedWalPos).
      const snap = s.snap;
      if (snap !== null && snap.next === Number.POSITIVE_INFINITY) snap.next = walPos;
      s.lastAppendTs = ts;
      if (!(ts < s.lastTs)) {
        s.lastTs = ts;
        s.lastValue = value;
      }
      if (!(ts >= s.firstTs)) s.firstTs = ts;
      result.appended++;
      if (head.count >= s.headLimit) this.closeHead(s);
    }
    // Only a list whose every key has a series (none rejected by the limit) is cached: a cached
    // entry skips the limit check. A copy, as the caller may reuse its array.
    if (resolved !== null && complete && n === keys.length) this.keyCache.set(hostId, { keys: keys.slice(), series: resolved });
    this.duplicates += result.duplicates;
    this.rejected += result.rejected;
    this.skippedFlushed += result.skippedFlushed;
    if (this.headBytes > this.opts.maxHeadBytes) this.evictHeads();
    if (this.pendingBytes >= AUTO_WRITE_BYTES && !this.writeQueued) void this.scheduleWrite();
    return result;
  }

  /**
   * Closes heads opened more than `headMaxAgeMs` before `nowMs`, commits all closed heads, writes a
   * head checkpoint if `checkpointIntervalMs` passed since the last one, then deletes raw blocks
   * older than `retentionMs`. Resolves once committed; rejects if a write failed (the blocks stay
   * pending and are retried by the next flush, as is a failed checkpoint).
   */
  async flush(nowMs: number = Date.now()): Promise<void> {
    const oldest = nowMs - this.opts.headMaxAgeMs;
    for (const s of this.byId.values()) {
      if (s.head !== null && s.headOpenedAt <= oldest) this.closeHead(s);
    }
    const every = this.opts.checkpointIntervalMs;
    if (every <= 0 || nowMs - this.lastCheckpointMs >= every) {
      await this.checkpoint();
      this.lastCheckpointMs = nowMs;
    }
    // After a checkpoint (which wrote the pending blocks) this writes only blocks closed since, and
    // reports a failed background write.
    await this.commit();
    await this.enqueue(() => this.expire(nowMs - this.opts.retentionMs));
  }

  /** Closes every head and commits it (shutdown). */
  async flushAll(): Promise<void> {
    for (const s of this.byId.values()) if (s.head !== null) this.closeHead(s);
    await this.commit();
  }

  /** flushAll (idempotent). The root env stays open: its owner closes it. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushAll();
    this.closed = true;
  }

  /**
   * Writes a head checkpoint now (flush does when due): every pending block, then, for each open head
   * changed since its last checkpoint, its bytes so far into the series' `heads` record, in slices of
   * bounded transactions (writeCheckpoint). A slice's snapshot is taken when its transaction begins;
   * samples appended after that stay uncovered until a later checkpoint or block. Rejects if a write
   * failed (the slices committed before it count as covered, the rest do not).
   */
  checkpoint(): Promise<CheckpointStats> {
    return this.enqueue(() => this.writeCheckpoint());
  }

  /**
   * Smallest WAL position whose sample is in neither a committed block nor a committed head
   * checkpoint; null when none. The WAL may drop every entry before it. O(series + pending).
   */
  minUnflushedWalPos(): number | null {
    let min = Number.POSITIVE_INFINITY;
    // A series' samples up to its committed record's pos are all in blocks or that record (the
    // checkpoint wrote its pending blocks too); after it, the first uncovered one is `ckpt.next`.
    for (const b of this.pending) if (b.series.ckpt === null && b.minPos < min) min = b.minPos;
    for (const s of this.byId.values()) {
      const c = s.ckpt;
      if (c !== null) {
        if (c.next < min) min = c.next;
      } else if (s.head !== null && s.headMinPos < min) {
        min = s.headMinPos;
      }
    }
    return min === Number.POSITIVE_INFINITY ? null : min;
  }

  query(hostId: string, key: string, options: QueryOptions): QueryResult {
    const s = this.hostMaps.get(hostId)?.get(key);
    if (s === undefined) return { kind: 'raw', t: [], v: [] };
    const { from, to, maxPoints } = options;
    const c = new SampleCollector(from, to);
    this.db.forEachBlock(s.id, from, to, this.querySpanMs, (_minTs, block) => c.add(block.data, block.count));
    // The series' own pending blocks, not a scan of the store's: a fleet's heads close together (100 k
    // pending at once), and a scan per query made the forecasts' 7,000 queries take 10 s (`fleet` bench).
    for (const b of s.pendingBlocks) {
      if (b.maxTs >= from && b.minTs <= to) c.add(b.data, b.count);
    }
    if (s.head !== null && s.head.lastTs >= from && s.head.firstTs <= to) c.add(s.head.buf, s.head.count);
    const { t, v } = c.finish();
    if (maxPoints === undefined || t.length <= maxPoints || t.length === 0) return { kind: 'raw', t, v };
    const lo = Number.isFinite(from) ? from : t[0]!;
    const hi = Number.isFinite(to) ? to : t[t.length - 1]!;
    return downsample(t, v, bucketWidth(lo, hi, maxPoints));
  }

  latest(hostId: string, key: string): Sample | null {
    const s = this.hostMaps.get(hostId)?.get(key);
    if (s === undefined || Number.isNaN(s.lastTs)) return null;
    return { t: s.lastTs, v: s.lastValue };
  }

  listSeries(hostId: string): SeriesInfo[] {
    const out: SeriesInfo[] = [];
    for (const s of this.hostMaps.get(hostId)?.values() ?? []) {
      out.push({ key: s.key, firstTs: s.firstTs, lastTs: s.lastTs, lastValue: s.lastValue });
    }
    return out;
  }

  /** Series the host has (counted against maxSeriesPerHost). */
  seriesCount(hostId: string): number {
    return this.hostMaps.get(hostId)?.size ?? 0;
  }

  hosts(): string[] {
    return [...this.hostMaps.keys()];
  }

  stats(): StoreStats {
    let headSamples = 0;
    for (const s of this.byId.values()) if (s.head !== null) headSamples += s.head.count;
    return {
      series: this.byId.size,
      headSamples,
      headBytes: this.headBytes,
      pendingBlocks: this.pending.length,
      pendingBytes: this.pendingBytes,
      blocks: this.db.blockCount(),
      duplicates: this.duplicates,
      rejected: this.rejected,
      skippedFlushed: this.skippedFlushed,
      checkpoints: this.checkpoints,
      lastCheckpoint: this.lastCheckpoint,
      recoveredHeads: this.recoveredHeads,
    };
  }

  private hostMap(hostId: string): Map<string, Series> {
    let m = this.hostMaps.get(hostId);
    if (m === undefined) {
      m = new Map();
      this.hostMaps.set(hostId, m);
    }
    return m;
  }

  private openHead(s: Series, walPos: number): GorillaEncoder {
    const head = new GorillaEncoder();
    const { blockMaxSamples, firstBlockJitter } = this.opts;
    // u from the series id (golden-ratio steps spread consecutive ids evenly over [0, 1)).
    s.headLimit = s.opened || firstBlockJitter <= 0 ? blockMaxSamples : Math.max(1, Math.round(blockMaxSamples * (1 - firstBlockJitter * ((s.id * 0.6180339887498949) % 1))));
    s.opened = true;
    s.head = head;
    s.headOpenedAt = Date.now();
    s.headMinPos = walPos;
    this.headBytes += head.buf.length;
    return head;
  }

  private closeHead(s: Series): void {
    const head = s.head;
    if (head === null) return;
    s.head = null;
    this.headBytes -= head.buf.length;
    const data = head.finish();
    const block: PendingBlock = {
      series: s,
      minTs: head.firstTs,
      maxTs: head.lastTs,
      count: head.count,
      data,
      minPos: s.headMinPos,
      maxPos: s.headMaxPos,
    };
    this.pending.push(block);
    s.pendingBlocks.push(block);
    this.pendingBytes += data.length;
  }

  /** Closes the largest heads (oldest first among equals) until under the low-water mark. */
  private evictHeads(): void {
    const open: Series[] = [];
    for (const s of this.byId.values()) if (s.head !== null) open.push(s);
    open.sort((a, b) => b.head!.buf.length - a.head!.buf.length || a.headOpenedAt - b.headOpenedAt);
    const target = this.opts.maxHeadBytes * HEAD_BYTES_LOW_WATER;
    for (const s of open) {
      if (this.headBytes <= target) break;
      this.closeHead(s);
    }
  }

  /** Commits every block pending now; rethrows the error of a failed background write. */
  private async commit(): Promise<void> {
    await this.scheduleWrite();
    this.rethrowWriteError('writing blocks to LMDB');
  }

  /** Throws (once) the error a block write left, saying what was being done. */
  private rethrowWriteError(what: string): void {
    const err = this.writeError;
    if (err === undefined) return;
    this.writeError = undefined;
    throw new Error(`telemetry store: ${what} failed: ${String(err)}`, { cause: err });
  }

  private scheduleWrite(): Promise<void> {
    if (!this.writeQueued) {
      this.writeQueued = true;
      this.writeChain = this.writeChain.then(() => {
        this.writeQueued = false;
        return this.writePending();
      });
    }
    return this.writeChain;
  }

  /**
   * Runs `fn` after the queued writes; all LMDB writes of this store go through one chain, so at
   * most one transaction of this store is in flight (checkpoint bookkeeping relies on it).
   */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.writeChain.then(fn);
    this.writeChain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /**
   * Writes the blocks pending now, at most MAX_BLOCKS_PER_WRITE per transaction: a transaction's puts run
   * on the main thread, and heads that opened together close together (every series of a fleet that
   * connected at once reaches `blockMaxSamples` in the same second: 100 k blocks in one transaction
   * stalled ingest and the API for seconds at 1,000 hosts, the `fleet` bench).
   */
  private async writePending(): Promise<void> {
    let left = this.pending.length;
    while (left > 0) {
      const batch = this.pending.slice(0, Math.min(left, MAX_BLOCKS_PER_WRITE));
      try {
        const reached = await this.db.writeBlocks(batch);
        this.blocksCommitted(batch, reached);
      } catch (err) {
        this.writeError = err;
        return;
      }
      left -= batch.length;
    }
  }

  /** Bookkeeping after `batch` (a prefix of `pending`) committed, flushedPos per series in `reached`. */
  private blocksCommitted(batch: readonly PendingBlock[], reached: Map<Series, number>): void {
    for (const [s, pos] of reached) {
      s.flushedPos = pos;
      s.persisted = true;
      // putBlocksInTxn deleted a record these blocks cover.
      if (s.ckpt !== null && s.ckpt.pos <= pos) s.ckpt = null;
      if (s.snap !== null && s.snap.pos <= pos) s.snap = null;
    }
    this.pending.splice(0, batch.length);
    for (const b of batch) {
      this.pendingBytes -= b.data.length;
      // A series' blocks commit in the order they closed: its oldest pending block is this one.
      const own = b.series.pendingBlocks;
      const at = own[0] === b ? 0 : own.indexOf(b);
      if (at >= 0) own.splice(at, 1);
    }
  }

  /**
   * The checkpoint in slices. First every block pending now is committed (sliced as any block write):
   * a head record must never commit before an older block of its series, since minUnflushedWalPos
   * counts a series' pending blocks as covered once it has a record. Then the heads changed since
   * their last checkpoint, at most MAX_HEADS_PER_CHECKPOINT a transaction, each slice's snapshot taken
   * when its transaction begins. Before, one transaction wrote them all: at 1,000 hosts (100 k heads)
   * that was 1.0–1.5 s of main thread every 30 s (`fleet` bench), during which nothing was ingested.
   * A head whose series closed a block since the first step is left to the next checkpoint (its older
   * record, or none, still bounds the WAL there).
   */
  private async writeCheckpoint(): Promise<CheckpointStats> {
    const started = performance.now();
    const blocks = this.pending.length;
    // Not commit(): this runs inside the write chain that commit() would wait on.
    await this.writePending();
    this.rethrowWriteError('writing the blocks of a head checkpoint to LMDB');
    // The heads changed since their last checkpoint (a new head always has a sample after that one). A
    // candidate stays changed until it is taken; its head and blocks are checked again in its transaction.
    const candidates: Series[] = [];
    for (const s of this.byId.values()) {
      if (s.head !== null && !(s.snap !== null && s.snap.next === Number.POSITIVE_INFINITY)) candidates.push(s);
    }
    let heads = 0;
    let headBytes = 0;
    let callbackMs = 0;
    let maxCallbackMs = 0;
    let transactions = 0;
    let next = 0;
    while (next < candidates.length) {
      const taken: Array<[Series, HeadCheckpoint]> = [];
      let sliceMs = 0;
      try {
        await this.db.atomic(() => {
          // lmdb-js runs this once the write transaction has begun, synchronously: no append can
          // interleave, so what is read here is exactly what commits.
          const t = performance.now();
          while (next < candidates.length && taken.length < MAX_HEADS_PER_CHECKPOINT) {
            const s = candidates[next++]!;
            const head = s.head;
            if (head === null || s.pendingBlocks.length > 0) continue;
            if (!s.persisted) void this.db.series.put(s.id, s.toMeta());
            headBytes += this.db.putHeadInTxn(s.id, head, s.headMaxPos);
            const snap: HeadCheckpoint = { pos: s.headMaxPos, next: Number.POSITIVE_INFINITY };
            s.snap = snap;
            taken.push([s, snap]);
          }
          sliceMs = performance.now() - t;
        });
      } catch (err) {
        // A failed slice (its commit failed on a full disk, or its own code threw midway: the
        // transaction is atomic, block-db.ts) wrote nothing: its series' committed records (or none)
        // stand; appends since were tracked on the failed snapshots, but the old records' `next` was set
        // before them (they were changed). Earlier slices did commit and count. (checkpoint.test.ts
        // injects both failures.)
        for (const [s] of taken) s.snap = s.ckpt;
        throw new Error(`telemetry store: writing a head checkpoint to LMDB failed: ${String(err)}`, { cause: err });
      }
      for (const [s, snap] of taken) {
        s.ckpt = snap;
        s.persisted = true;
      }
      transactions++;
      heads += taken.length;
      callbackMs += sliceMs;
      if (sliceMs > maxCallbackMs) maxCallbackMs = sliceMs;
    }
    this.checkpoints++;
    this.lastCheckpoint = { heads, headBytes, blocks, transactions, callbackMs, maxCallbackMs, totalMs: performance.now() - started };
    return this.lastCheckpoint;
  }

  /** Deletes raw blocks older than `cutoff` (ms) and forgets series with nothing left. */
  private async expire(cutoff: number): Promise<void> {
    const gone: Series[] = [];
    await this.db.atomic(() => {
      for (const s of this.byId.values()) {
        if (!(s.firstTs < cutoff)) continue;
        let first = this.db.expireInTxn(s.id, cutoff);
        if (s.head !== null && !(s.head.firstTs >= first)) first = s.head.firstTs;
        for (const b of s.pendingBlocks) if (!(b.minTs >= first)) first = b.minTs;
        if (Number.isNaN(first) && !(s.lastTs >= cutoff)) {
          void this.db.series.remove(s.id);
          gone.push(s);
          continue;
        }
        s.firstTs = first;
        void this.db.series.put(s.id, s.toMeta());
      }
    });
    for (const s of gone) {
      // A sample may have arrived while the transaction ran; such a series stays (its record
      // is rewritten with its first block or checkpoint).
      if (s.head !== null || s.pendingBlocks.length > 0) {
        s.persisted = false;
        continue;
      }
      this.byId.delete(s.id);
      this.hostMaps.get(s.hostId)?.delete(s.key);
      this.keyCache.delete(s.hostId);
    }
  }
}

