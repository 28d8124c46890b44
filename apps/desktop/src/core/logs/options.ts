/**
 * Settings of the console's log store (`serve --log-retention-days`, `--log-max-bytes`,
 * `--log-learning-minutes`; ConsoleOptions.logs), with their defaults and checks.
 */

export interface LogStoreOptions {
  /** Records older than this (by their timestamp) are evicted, days. */
  readonly retentionDays: number;
  /** Past this estimated size (keys and values) the oldest records are evicted, bytes. */
  readonly maxBytes: number;
  /**
   * A host's first log records are its baseline: templates first seen within this window after them
   * never raise a "new template" alert, ms (collector clock). 1 h by default.
   */
  readonly learningMs: number;
  /**
   * A "new template" alert resolves after this long without another record of it on that host, ms (5 min
   * by default: long enough that an error every minute or two stays one alert, short enough that the
   * incident it belongs to can resolve once the errors stop).
   */
  readonly newTemplateClearMs: number;
  /** Minutes of per-minute counts a template needs before its rate may alert. */
  readonly rateWarmupMinutes: number;
  /** Per-minute count below which a rate never alerts (a few lines are never a burst). */
  readonly rateMinCount: number;
  /** Most records one search examines before it answers with `partial: true`. */
  readonly maxScan: number;
}

export const DEFAULT_LOG_OPTIONS: LogStoreOptions = {
  retentionDays: 7,
  maxBytes: 2 * 1024 ** 3,
  learningMs: 3_600_000,
  newTemplateClearMs: 5 * 60_000,
  rateWarmupMinutes: 60,
  rateMinCount: 10,
  maxScan: 200_000,
};

/** Merges and checks options; throws a message naming the bad setting. */
export function logOptions(partial: Partial<LogStoreOptions> = {}): LogStoreOptions {
  const o = { ...DEFAULT_LOG_OPTIONS, ...partial };
  const positive = (name: keyof LogStoreOptions, v: number): void => {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`log store: ${name} must be a positive number, got ${v}`);
  };
  positive('retentionDays', o.retentionDays);
  positive('maxBytes', o.maxBytes);
  positive('newTemplateClearMs', o.newTemplateClearMs);
  positive('maxScan', o.maxScan);
  if (!(Number.isFinite(o.learningMs) && o.learningMs >= 0)) throw new Error(`log store: learningMs must be ≥ 0, got ${o.learningMs}`);
  if (!(Number.isInteger(o.rateWarmupMinutes) && o.rateWarmupMinutes >= 2)) throw new Error(`log store: rateWarmupMinutes must be an integer ≥ 2, got ${o.rateWarmupMinutes}`);
  if (!(Number.isFinite(o.rateMinCount) && o.rateMinCount >= 1)) throw new Error(`log store: rateMinCount must be ≥ 1, got ${o.rateMinCount}`);
  return o;
}
