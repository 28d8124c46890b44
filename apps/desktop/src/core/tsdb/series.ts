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

/**
 * A head checkpoint taken of a series: the head's bytes up to WAL position `pos` were (or are being)
 * written to the `<prefix>heads` record of the series. See TelemetryStore.checkpoint.
 */
export interface HeadCheckpoint {
  /** Highest WAL position of the samples it holds (the head's max walPos when it was taken). */
  readonly pos: number;
  /**
   * WAL position of the first sample of the series appended after it was taken (any head);
   * +Infinity while there is none. Set by appendBatch; it is where this record's coverage ends.
   */
  next: number;
}

/** In-memory state of one series: its open head and what listSeries/latest need. */
export class Series {
  /** Samples at which the open head closes (blockMaxSamples but for the first head, see firstBlockJitter). */
  headLimit = 0;
  /** A head was opened in this process (the next ones are full size). */
  opened = false;
  /** The open Gorilla chunk; null when no sample arrived since the last close. */
  head: GorillaEncoder | null = null;
  /** Wall-clock ms when the head was opened (for `headMaxAgeMs`). */
  headOpenedAt = 0;
  headMinPos = 0;
  headMaxPos = 0;
  /** Timestamp of the last appended sample, in any head; duplicate detection. NaN: none since start. */
  lastAppendTs = Number.NaN;
  /** This series' closed heads not yet committed, oldest first (also in the store's global list, in order). */
  readonly pendingBlocks: PendingBlock[] = [];
  /** The latest checkpoint taken of the head (its transaction may still be in flight); null: none. */
  snap: HeadCheckpoint | null = null;
  /**
   * The committed checkpoint record still standing in LMDB (deleted with the block that covers it);
   * null: none. Equal to `snap` except while a checkpoint transaction is in flight.
   */
  ckpt: HeadCheckpoint | null = null;
  /** The series record exists in LMDB (a checkpoint must write it, or recovery has no key/host). */
  persisted: boolean;
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
    this.persisted = meta !== undefined;
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
