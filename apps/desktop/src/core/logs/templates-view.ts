/**
 * GET /logs/templates: per-template counts over [from, to] (one host or all) with a sparkline, read from
 * the per-(host, minute) count maps (template-counts.ts). Bounded: at most MAX_BUCKETS minute maps are
 * read per request (a week of one host is ~10 k); a wider request is refused with what to narrow.
 */
import type { Database } from 'lmdb';
import type { LogTemplateRow, LogTemplatesView } from '@cerebro/shared/api/contract';
import { levelsOf } from './records';
import { LogQueryError } from './search';
import { MINUTE_MS, type Bucket, type MetaKey, type TemplateCounts } from './template-counts';

const MAX_BUCKETS = 500_000;
const SPARK_STEPS = 60;
const MAX_ROWS = 500;

export function templatesView(meta: Database<unknown, MetaKey>, counts: TemplateCounts, hostIds: readonly string[], from: number, to: number): LogTemplatesView {
  const first = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  const minutes = Math.floor(to / MINUTE_MS) - first / MINUTE_MS + 1;
  const stepMs = Math.max(1, Math.ceil(minutes / SPARK_STEPS)) * MINUTE_MS;
  const steps = Math.max(1, Math.ceil((minutes * MINUTE_MS) / stepMs));
  const totals = new Map<string, { count: number; spark: number[] }>();
  let read = 0;
  for (const h of hostIds) {
    for (const { key, value } of meta.getRange({ start: ['m', h, first], end: ['m', h, to + 1] })) {
      if (++read > MAX_BUCKETS) throw new LogQueryError(`more than ${MAX_BUCKETS} minutes of counts in the window; narrow "from"/"to" or pick a host`);
      const minute = (key as [string, string, number])[2];
      const step = Math.min(steps - 1, Math.floor((minute - first) / stepMs));
      for (const [tid, n] of Object.entries(value as Bucket)) {
        let t = totals.get(tid);
        if (!t) totals.set(tid, (t = { count: 0, spark: new Array<number>(steps).fill(0) }));
        t.count += n;
        t.spark[step] = (t.spark[step] ?? 0) + n;
      }
    }
  }
  const rows: LogTemplateRow[] = [];
  for (const [id, t] of totals) {
    const m = counts.meta.get(id);
    rows.push({ id, text: m?.text ?? '(evicted template)', count: t.count, total: m?.count ?? t.count, firstSeenMs: m?.first ?? 0, lastSeenMs: m?.last ?? 0, levels: levelsOf(m?.levels ?? 0), spark: t.spark });
  }
  rows.sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
  return { from: first, to, stepMs, templates: rows.slice(0, MAX_ROWS), hosts: [...counts.hosts.keys()].sort() };
}
