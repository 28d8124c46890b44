import type { Database, RootDatabase } from 'lmdb';
import type { GorillaEncoder } from './gorilla';
import type { PendingBlock, Series, SeriesMeta } from './series';

/**
 * [seriesId, minTs ms, n]; n only disambiguates blocks of one series starting at the same ms.
 * Typed as number[] because range bounds are shorter prefixes ([seriesId], [seriesId, ts]).
 */
export type BlockKey = number[];

export interface BlockValue {
  /** ms of the newest sample. */
  maxTs: number;
  count: number;
  /** Gorilla chunk (gorilla.ts). */
  data: Uint8Array;
}

/**
 * A checkpoint of an open head (sub-db `<prefix>heads`, key: series id): its Gorilla bytes so far,
 * decodable with `count`. At most one per series; deleted with the block that covers it.
 */
export interface HeadRecord {
  /** Highest WAL position of its samples; recovery sets the series' flushedPos to it. */
  pos: number;
  count: number;
  /** ms of the oldest and newest sample. */
  minTs: number;
  maxTs: number;
  /** Value of the newest sample, so recovery can update the series record without decoding. */
  lastValue: number;
  data: Uint8Array;
}

/**
 * Head records are stored raw (`encoding: 'binary'`): a little-endian header of pos, minTs, maxTs,
 * lastValue (float64 each), count (uint32) and 4 spare bytes, then the data. A checkpoint puts up to
 * one per series (200 k), and msgpack-encoding an object per put cost ~25 % of the checkpoint
 * (bench-tsdb.ts).
 */
const HEAD_HEADER_BYTES = 40;

export function encodeHeadRecord(rec: HeadRecord): Uint8Array {
  // allocUnsafe: small sizes come from Node's pooled slab; every byte is written below.
  const out = Buffer.allocUnsafe(HEAD_HEADER_BYTES + rec.data.length);
  out.writeDoubleLE(rec.pos, 0);
  out.writeDoubleLE(rec.minTs, 8);
  out.writeDoubleLE(rec.maxTs, 16);
  out.writeDoubleLE(rec.lastValue, 24);
  out.writeUInt32LE(rec.count, 32);
  out.writeUInt32LE(0, 36);
  out.set(rec.data, HEAD_HEADER_BYTES);
  return out;
}

export function decodeHeadRecord(raw: Uint8Array): HeadRecord {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return {
    pos: b.readDoubleLE(0),
    minTs: b.readDoubleLE(8),
    maxTs: b.readDoubleLE(16),
    lastValue: b.readDoubleLE(24),
    count: b.readUInt32LE(32),
    // A copy: lmdb-js may reuse the buffer a read returned.
    data: Uint8Array.prototype.slice.call(raw, HEAD_HEADER_BYTES),
  };
}

const SPAN_KEY = 'maxBlockSpanMs';

/** The store's LMDB sub-databases: blocks, series records, head checkpoints and a few settings. */
export class BlockDb {
  readonly blocks: Database<BlockValue, BlockKey>;
  readonly series: Database<SeriesMeta, number>;
  /** Encoded with encodeHeadRecord. */
  readonly heads: Database<Uint8Array, number>;
  private readonly settings: Database<number, string>;

  constructor(env: RootDatabase, prefix: string) {
    this.blocks = env.openDB<BlockValue, BlockKey>({ name: `${prefix}blocks` });
    this.series = env.openDB<SeriesMeta, number>({ name: `${prefix}series` });
    this.heads = env.openDB<Uint8Array, number>({ name: `${prefix}heads`, encoding: 'binary' });
    this.settings = env.openDB<number, string>({ name: `${prefix}settings` });
  }

  /**
   * Runs `fn` in a write transaction that commits all of its puts or none. lmdb-js's `transaction`
   * rolls back only a failed commit (a full disk): when its callback throws midway, the puts made
   * before the throw commit anyway (kriszyp/lmdb-js#115), which here would leave blocks without their
   * series' `flushedPos` (replayed twice after a restart) or head records deleted without their blocks
   * written. A child transaction, batched with the others as `transaction` is, is aborted when its
   * callback throws, and the promise rejects with the error (store.test.ts, checkpoint.test.ts; its cost:
   * docs/benchmarks.md, ingest, "Session 17").
   */
  atomic(fn: () => void): Promise<unknown> {
    return this.blocks.childTransaction(fn);
  }

  loadSeries(): Array<{ id: number; meta: SeriesMeta }> {
    const out: Array<{ id: number; meta: SeriesMeta }> = [];
    for (const { key, value } of this.series.getRange()) out.push({ id: key, meta: value });
    return out;
  }

  /**
   * Queries must look back by the widest span any block was ever written with, so a smaller
   * `blockMaxSpanMs` in a later run cannot hide older, wider blocks. Returns that span (ms).
   */
  async recordSpan(spanMs: number): Promise<number> {
    const stored = this.settings.get(SPAN_KEY);
    if (stored !== undefined && stored >= spanMs) return stored;
    await this.settings.put(SPAN_KEY, spanMs);
    return spanMs;
  }

  /**
   * Writes blocks and their series records in one transaction, so a series' `flushedPos` is
   * never ahead of (or behind) its blocks. Returns the flushedPos each series reached.
   */
  async writeBlocks(batch: readonly PendingBlock[]): Promise<Map<Series, number>> {
    let reached = new Map<Series, number>();
    await this.atomic(() => {
      reached = this.putBlocksInTxn(batch);
    });
    return reached;
  }

  /**
   * `writeBlocks` inside a running write transaction. Also deletes the head records of the series
   * written: a series' blocks commit in WAL order and a checkpoint writes every pending block
   * before its records, so a standing record always belongs to the head the newest block closed
   * (or to a later head only when that head's record is put after this, in the same transaction).
   */
  putBlocksInTxn(batch: readonly PendingBlock[]): Map<Series, number> {
    const reached = new Map<Series, number>();
    for (const b of batch) {
      const prev = reached.get(b.series) ?? b.series.flushedPos;
      reached.set(b.series, Math.max(prev, b.maxPos));
    }
    for (const b of batch) this.putBlockInTxn(b.series.id, b.minTs, { maxTs: b.maxTs, count: b.count, data: b.data });
    for (const [s, flushedPos] of reached) {
      void this.series.put(s.id, { ...s.toMeta(), flushedPos });
      if (s.ckpt !== null) void this.heads.remove(s.id);
    }
    return reached;
  }

  /**
   * Puts the record of an open head checkpointed up to WAL position `pos`, inside a write
   * transaction. Returns the bytes it adds (data plus an estimate of its framing).
   */
  putHeadInTxn(seriesId: number, head: GorillaEncoder, pos: number): number {
    // The encoded record is the copy of the head's bytes: later appends change its last byte.
    const data = head.buf.subarray(0, head.byteLength);
    const raw = encodeHeadRecord({ pos, count: head.count, minTs: head.firstTs, maxTs: head.lastTs, lastValue: head.lastValue, data });
    void this.heads.put(seriesId, raw);
    return raw.length;
  }

  /** All head records, decoded (recovery and tests). */
  readHeads(): Map<number, HeadRecord> {
    const out = new Map<number, HeadRecord>();
    for (const { key, value } of this.heads.getRange()) out.set(key, decodeHeadRecord(value));
    return out;
  }

  /**
   * Start-up, before the WAL is replayed: turns each head record newer than its series' flushedPos
   * into a block and sets flushedPos to the record's position (so replay rebuilds only what came
   * after it); deletes records already covered by blocks. One transaction.
   */
  async recoverHeads(): Promise<{ recovered: number; stale: number }> {
    let recovered = 0;
    let stale = 0;
    const records = this.readHeads();
    if (records.size === 0) return { recovered, stale };
    await this.atomic(() => {
      for (const [id, rec] of records) {
        void this.heads.remove(id);
        const meta = this.series.get(id);
        if (meta === undefined || !(rec.pos > meta.flushedPos) || rec.count === 0) {
          stale++;
          continue;
        }
        this.putBlockInTxn(id, rec.minTs, { maxTs: rec.maxTs, count: rec.count, data: rec.data });
        const newer = !(rec.maxTs < meta.lastTs);
        void this.series.put(id, {
          ...meta,
          flushedPos: rec.pos,
          firstTs: rec.minTs < meta.firstTs || Number.isNaN(meta.firstTs) ? rec.minTs : meta.firstTs,
          lastTs: newer ? rec.maxTs : meta.lastTs,
          lastValue: newer ? rec.lastValue : meta.lastValue,
        });
        recovered++;
      }
    });
    return { recovered, stale };
  }

  private putBlockInTxn(seriesId: number, minTs: number, value: BlockValue): void {
    let n = 0;
    while (this.blocks.doesExist([seriesId, minTs, n])) n++;
    void this.blocks.put([seriesId, minTs, n], value);
  }

  /**
   * Calls `fn` for each block of a series that may hold samples in [from, to]: blocks start no
   * earlier than `from - maxSpanMs` because none spans more than that.
   */
  forEachBlock(
    seriesId: number,
    from: number,
    to: number,
    maxSpanMs: number,
    fn: (minTs: number, value: BlockValue) => void,
  ): void {
    const start = Number.isFinite(from) ? [seriesId, from - maxSpanMs] : [seriesId];
    const end = Number.isFinite(to) ? [seriesId, Math.floor(to) + 1] : [seriesId + 1];
    for (const { key, value } of this.blocks.getRange({ start, end })) {
      if (value.maxTs >= from) fn(key[1]!, value);
    }
  }

  /**
   * Deletes the series' blocks whose newest sample is older than `cutoff` (ms). Must run inside a
   * write transaction. Returns the minTs of the oldest block left, or NaN when none is left.
   */
  expireInTxn(seriesId: number, cutoff: number): number {
    const doomed: BlockKey[] = [];
    for (const { key, value } of this.blocks.getRange({ start: [seriesId], end: [seriesId, cutoff] })) {
      if (value.maxTs < cutoff) doomed.push(key);
    }
    for (const key of doomed) void this.blocks.remove(key);
    for (const key of this.blocks.getKeys({ start: [seriesId], end: [seriesId + 1], limit: 1 })) {
      return key[1]!;
    }
    return Number.NaN;
  }

  blockCount(): number {
    // lmdb types getStats() as {}; entryCount is LMDB's ms_entries for this sub-db.
    return (this.blocks.getStats() as { entryCount: number }).entryCount;
  }
}
