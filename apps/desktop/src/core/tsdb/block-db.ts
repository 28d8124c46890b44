import type { Database, RootDatabase } from 'lmdb';
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

const SPAN_KEY = 'maxBlockSpanMs';

/** The store's LMDB sub-databases: blocks, series records, and a few settings. */
export class BlockDb {
  readonly blocks: Database<BlockValue, BlockKey>;
  readonly series: Database<SeriesMeta, number>;
  private readonly settings: Database<number, string>;

  constructor(env: RootDatabase, prefix: string) {
    this.blocks = env.openDB<BlockValue, BlockKey>({ name: `${prefix}blocks` });
    this.series = env.openDB<SeriesMeta, number>({ name: `${prefix}series` });
    this.settings = env.openDB<number, string>({ name: `${prefix}settings` });
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
    const reached = new Map<Series, number>();
    for (const b of batch) {
      const prev = reached.get(b.series) ?? b.series.flushedPos;
      reached.set(b.series, Math.max(prev, b.maxPos));
    }
    await this.blocks.transaction(() => {
      for (const b of batch) {
        let n = 0;
        while (this.blocks.doesExist([b.series.id, b.minTs, n])) n++;
        void this.blocks.put([b.series.id, b.minTs, n], { maxTs: b.maxTs, count: b.count, data: b.data });
      }
      for (const [s, flushedPos] of reached) void this.series.put(s.id, { ...s.toMeta(), flushedPos });
    });
    return reached;
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
