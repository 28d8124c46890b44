/** Public types of the telemetry store. */

export interface StoreOptions {
  /**
   * A head closes into a block once it holds this many samples. Larger blocks fill LMDB pages
   * better (bench-tsdb.ts, 3000 series at 1 Hz: 240 → 8.3 bytes/sample of pages for 4.1 bytes of
   * Gorilla data; 900 → 5.1), but only pay off if `headMaxAgeMs` is raised too (longer WAL replay).
   */
  blockMaxSamples: number;
  /**
   * A series' first head in this process closes after blockMaxSamples × (1 − firstBlockJitter × u), u in
   * [0, 1) fixed per series: a fleet that connected at once would otherwise open all its heads in the same
   * second and close (and write) them together every blockMaxSamples samples, for good (at 1,000 hosts,
   * 100 k blocks at once: a 2–3 s stall every 4 min, `fleet` bench). 0: every head is full size.
   */
  firstBlockJitter: number;
  /** A head closes before a sample would make it span more than this (ms); queries rely on it. */
  blockMaxSpanMs: number;
  /** `flush()` closes heads opened (wall clock) longer ago than this (ms), so the WAL can be trimmed. */
  headMaxAgeMs: number;
  /**
   * `flush(nowMs)` also writes a head checkpoint when this long (ms) passed since the last one (the
   * first is due this long after open): the bytes of every head changed since, so the ingest WAL
   * need only hold the frames after it (~this long) instead of up to `headMaxAgeMs`. 0: every flush.
   */
  checkpointIntervalMs: number;
  /** Series per host; samples of further new series are rejected with SERIES_LIMIT. */
  maxSeriesPerHost: number;
  /** Bytes held by all open heads; above it the largest heads are closed early. */
  maxHeadBytes: number;
  /** Raw blocks whose newest sample is older than this (ms before `flush`'s now) are deleted. */
  retentionMs: number;
  /** Prefix of the LMDB sub-database names this store opens. */
  dbPrefix: string;
}

export const DEFAULT_STORE_OPTIONS: Readonly<StoreOptions> = {
  blockMaxSamples: 240,
  firstBlockJitter: 0,
  blockMaxSpanMs: 15 * 60_000,
  headMaxAgeMs: 5 * 60_000,
  checkpointIntervalMs: 30_000,
  maxSeriesPerHost: 10_000,
  maxHeadBytes: 256 * 1024 * 1024,
  retentionMs: 7 * 24 * 3_600_000,
  dbPrefix: 'tsdb.',
};

/** Error codes `appendBatch` reports, each with its meaning. */
export const STORE_ERROR_CODES = {
  /** The host has `maxSeriesPerHost` series; samples of new series are dropped. */
  SERIES_LIMIT: 'SERIES_LIMIT',
  /** A timestamp or value was unusable (not a finite number, or timestamp not an integer ms ≤ 2^50). */
  INVALID_SAMPLE: 'INVALID_SAMPLE',
} as const;
export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

export interface LimitError {
  code: StoreErrorCode;
  /** What was dropped, for which host, and what the user can do. */
  message: string;
}

export interface AppendResult {
  appended: number;
  /** Samples whose timestamp equalled the series' previous one; dropped. */
  duplicates: number;
  /** Samples at or below the series' persisted WAL position (WAL replay of data already in blocks). */
  skippedFlushed: number;
  /** Samples dropped by a limit or validation; each cause appears once per batch in `errors`. */
  rejected: number;
  errors: LimitError[];
}

export interface QueryOptions {
  /** Inclusive, ms. */
  from: number;
  /** Inclusive, ms. */
  to: number;
  /** Above this many samples in range, equal-width buckets are returned instead of raw points. */
  maxPoints?: number;
}

export interface RawQueryResult {
  kind: 'raw';
  t: number[];
  v: number[];
}

/** One entry per non-empty bucket; `t` is the bucket's start (ms), buckets are `bucketMs` wide. */
export interface BucketQueryResult {
  kind: 'buckets';
  bucketMs: number;
  t: number[];
  min: number[];
  max: number[];
  avg: number[];
  last: number[];
  n: number[];
}

export type QueryResult = RawQueryResult | BucketQueryResult;

export interface SeriesInfo {
  key: string;
  /** ms; NaN once all of the series' data has expired. */
  firstTs: number;
  lastTs: number;
  lastValue: number;
}

export interface Sample {
  t: number;
  v: number;
}

export interface StoreStats {
  series: number;
  /** Samples held in open heads. */
  headSamples: number;
  /** Bytes allocated by open heads' bit buffers (the bound `maxHeadBytes` applies to). */
  headBytes: number;
  /** Closed heads waiting for (or in) an LMDB write, and their bytes. */
  pendingBlocks: number;
  pendingBytes: number;
  /** Blocks in LMDB. */
  blocks: number;
  duplicates: number;
  rejected: number;
  skippedFlushed: number;
  /** Head checkpoints committed since open, and the last one (null: none yet). */
  checkpoints: number;
  lastCheckpoint: CheckpointStats | null;
  /** Head records a crash left that open() turned into blocks. */
  recoveredHeads: number;
}

/** What one head checkpoint wrote. */
export interface CheckpointStats {
  /** Head records written (heads changed since the previous checkpoint). */
  heads: number;
  /** Their bytes: Gorilla data plus an estimate of the record framing. */
  headBytes: number;
  /** Pending blocks committed first (in their own transactions). */
  blocks: number;
  /** Transactions of head records (each at most 2,000 heads). */
  transactions: number;
  /** Main-thread time in the transaction callbacks (snapshot + encoding), ms: all of them, and the longest. */
  callbackMs: number;
  maxCallbackMs: number;
  /** From the write being started to its commit, ms. */
  totalMs: number;
}
