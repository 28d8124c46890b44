/** How an alert's figures read: values in the series' unit (from its name), scores, durations. Pure. */
import type { Alert } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import { fmtBytes, fmtPct, fmtRate } from '../../lib/format';
import { logsHash } from '../../lib/route';

/** Lines shown around a log alert's span, ms on each side. */
export const LOG_CONTEXT_MS = 60_000;

/**
 * The lines behind a log alert (`log.new{template=…}`, `log.rate{template=…}`): the logs view filtered to its
 * host, template and window (an open alert's up to now); null for a metric alert.
 */
export function alertLinesHash(a: Alert, nowMs: number): string | null {
  const key = parseSeriesKey(a.seriesKey);
  if (!key || !key.name.startsWith('log.')) return null;
  const template = a.evidence.log?.templateId ?? key.labels['template'];
  const to = (a.state === 'open' || a.endMs === undefined ? nowMs : a.endMs) + LOG_CONTEXT_MS;
  return logsHash({ host: a.hostId, ...(template ? { template } : {}), from: a.startMs - LOG_CONTEXT_MS, to });
}

/** A value of series `key`, in the unit its name says (…_pct, …_bps, …_bytes), else a plain number. */
export function fmtSeriesValue(key: string, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const name = parseSeriesKey(key)?.name ?? key;
  if (name.endsWith('_pct')) return fmtPct(v);
  if (name.endsWith('_bps')) return fmtRate(v);
  if (name.endsWith('_bytes')) return fmtBytes(v);
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}

/** An anomaly score in [0, 1] as two decimals. */
export function fmtScore(v: number): string {
  return v.toFixed(2);
}

/** "45 s", "12 min", "3 h 5 min". */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** Lowest and highest value of the deviating points, or null when there are none. */
export function pointRange(points: ReadonlyArray<readonly [number, number]>): { min: number; max: number } | null {
  if (points.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const [, v] of points) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
