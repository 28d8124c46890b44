import type { GorillaEncoder } from './gorilla';

/** The persisted record of a series (sub-db `<prefix>series`, key: series id). */
export interface SeriesMeta {
  hostId: string;
  key: string;
  /** Highest WAL position whose sample of this series is in a committed block. */
  flushedPos: number;
  /** ms; NaN when unknown. */
  firstTs: number;
  lastTs: number;
  lastValue: number;
}

/** A closed head waiting for (or in) its LMDB write. */
export interface PendingBlock {
  series: Series;
  minTs: number;
  maxTs: number;
  count: number;
  data: Uint8Array;
  /** WAL position range of its samples. */
  minPos: number;
  maxPos: number;
}

/** In-memory state of one series: its open head and what listSeries/latest need. */
export class Series {
  /** The open Gorilla chunk; null when no sample arrived since the last close. */
  head: GorillaEncoder | null = null;
  /** Wall-clock ms when the head was opened (for `headMaxAgeMs`). */
  headOpenedAt = 0;
  headMinPos = 0;
  headMaxPos = 0;
  /** Timestamp of the last appended sample, in any head; duplicate detection. NaN: none since start. */
  lastAppendTs = Number.NaN;
  /** Closed heads not yet committed. */
  pending = 0;
  flushedPos: number;
  firstTs: number;
  lastTs: number;
  lastValue: number;

  constructor(
    readonly id: number,
    readonly hostId: string,
    readonly key: string,
    meta?: SeriesMeta,
  ) {
    this.flushedPos = meta?.flushedPos ?? Number.NEGATIVE_INFINITY;
    this.firstTs = meta?.firstTs ?? Number.NaN;
    this.lastTs = meta?.lastTs ?? Number.NaN;
    this.lastValue = meta?.lastValue ?? Number.NaN;
  }

  toMeta(): SeriesMeta {
    return {
      hostId: this.hostId,
      key: this.key,
      flushedPos: this.flushedPos,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      lastValue: this.lastValue,
    };
  }
}
