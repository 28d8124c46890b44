/** Chart lines from the store's range API, and live samples folded into them. Pure functions. */
import type { SeriesData } from '@cerebro/shared/api/contract';
import type { ChartSeries } from '../state/types';

export function chartSeriesFrom(key: string, data: SeriesData): ChartSeries {
  if (data.kind === 'raw') return { key, t: data.t, v: data.v, lo: null, hi: null, n: null, bucketMs: null };
  return { key, t: data.t, v: data.avg, lo: data.min, hi: data.max, n: data.n, bucketMs: data.bucketMs };
}

/**
 * Add one live sample at `ts` (ms) and drop points before `fromMs`. Raw lines get a point; bucketed lines
 * fold it into the last bucket while it still covers `ts`, else open a new bucket. Samples not newer than
 * the last point are ignored (a resubscribe can replay nothing, but a reconnect may race a fetch).
 */
export function appendSample(s: ChartSeries, ts: number, value: number, fromMs: number): ChartSeries {
  const last = s.t.length - 1;
  const lastT = last >= 0 ? (s.t[last] as number) : Number.NEGATIVE_INFINITY;
  let first = 0;
  while (first < s.t.length && (s.t[first] as number) < fromMs) first++;
  const keep = <T>(a: readonly T[]): T[] => a.slice(first);
  if (s.bucketMs === null) {
    if (ts <= lastT) return s;
    return { ...s, t: [...keep(s.t), ts], v: [...keep(s.v), value] };
  }
  const lo = s.lo ?? [];
  const hi = s.hi ?? [];
  const n = s.n ?? [];
  if (last >= 0 && ts >= lastT && ts < lastT + s.bucketMs) {
    const count = (n[last] as number) + 1;
    const t = keep(s.t);
    const v = keep(s.v);
    const l = keep(lo);
    const h = keep(hi);
    const c = keep(n);
    const i = t.length - 1;
    v[i] = (v[i] as number) + (value - (v[i] as number)) / count;
    l[i] = Math.min(l[i] as number, value);
    h[i] = Math.max(h[i] as number, value);
    c[i] = count;
    return { ...s, t, v, lo: l, hi: h, n: c };
  }
  if (ts < lastT) return s;
  // A new bucket starts on the grid of the existing ones so that widths stay equal.
  const start = last >= 0 ? lastT + Math.floor((ts - lastT) / s.bucketMs) * s.bucketMs : ts;
  return { ...s, t: [...keep(s.t), start], v: [...keep(s.v), value], lo: [...keep(lo), value], hi: [...keep(hi), value], n: [...keep(n), 1] };
}
