import type { LimitError } from './types';

export function seriesLimitError(hostId: string, limit: number, key: string): LimitError {
  return {
    code: 'SERIES_LIMIT',
    message:
      `host ${hostId} has reached its limit of ${limit} series; new series (e.g. ${JSON.stringify(key)}) ` +
      'are dropped until old ones expire — raise limits.maxSeriesPerHost',
  };
}

export function invalidTimestampError(hostId: string, ts: unknown, walPos: number, samples: number): LimitError {
  return {
    code: 'INVALID_SAMPLE',
    message:
      `host ${hostId}: batch at WAL position ${walPos} has timestamp ${String(ts)}, not an integer ms ` +
      `within ±2^50; its ${samples} samples are dropped — check the collector's clock and encoder`,
  };
}

export function invalidValueError(hostId: string, key: string, value: unknown, walPos: number): LimitError {
  return {
    code: 'INVALID_SAMPLE',
    message:
      `host ${hostId}: ${JSON.stringify(key)} at WAL position ${walPos} has value ${String(value)}, ` +
      'not a finite number; such samples are dropped — fix the source that produces it',
  };
}

export function lengthMismatchError(hostId: string, keys: number, values: number, walPos: number): LimitError {
  return {
    code: 'INVALID_SAMPLE',
    message:
      `host ${hostId}: batch at WAL position ${walPos} has ${keys} keys but ${values} values; ` +
      'the unpaired ones are dropped — the frame decoder is out of step with the collector',
  };
}
