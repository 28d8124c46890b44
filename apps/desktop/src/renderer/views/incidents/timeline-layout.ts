/**
 * Where an incident's alerts go on its timeline: one row per alert in onset order (row 0 began first), a
 * bar from its onset to its end (or to now while it is open), x in pixels over a time domain padded around
 * them. Pure: tested in timeline-layout.test.ts; IncidentTimeline.tsx draws it.
 */
import type { AlertKind, AlertSeverity, IncidentAlertRef } from '@cerebro/shared/api/contract';

/** Narrowest bar, px, so an alert that opened and closed within a sample still shows. */
export const MIN_BAR_PX = 3;
/** Shortest time domain, ms: a few seconds of alerts do not fill the width as if they were hours. */
export const MIN_SPAN_MS = 60_000;
/** Share of the span added on each side. */
const PAD = 0.05;

export interface TimelineBar {
  readonly id: string;
  readonly hostId: string;
  readonly seriesKey: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  /** 1 for the alert that began first. */
  readonly order: number;
  /** Row index, top to bottom (order − 1). */
  readonly row: number;
  readonly x0: number;
  readonly x1: number;
  readonly startMs: number;
  /** Its end, or now while it is open. */
  readonly endMs: number;
  readonly open: boolean;
}

export interface TimelineLayout {
  /** The time domain drawn over [0, width], ms since the epoch. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly bars: readonly TimelineBar[];
  /** Alerts beyond `maxRows`, not drawn (the list under the timeline has them all). */
  readonly hidden: number;
}

export interface TimelineOptions {
  readonly nowMs: number;
  /** Drawing width of the time axis, px. */
  readonly width: number;
  readonly maxRows?: number;
}

export function layoutTimeline(alerts: readonly IncidentAlertRef[], { nowMs, width, maxRows = 40 }: TimelineOptions): TimelineLayout {
  // Onset order, ties by id so the order is the same on every render and in every window.
  const sorted = [...alerts].sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const shown = sorted.slice(0, Math.max(0, maxRows));
  if (shown.length === 0) return { fromMs: nowMs - MIN_SPAN_MS, toMs: nowMs, bars: [], hidden: sorted.length };
  const endOf = (a: IncidentAlertRef): number => (a.state === 'open' || a.endMs === undefined ? Math.max(nowMs, a.startMs) : a.endMs);
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of shown) {
    lo = Math.min(lo, a.startMs);
    hi = Math.max(hi, endOf(a));
  }
  const span = Math.max(MIN_SPAN_MS, hi - lo);
  const mid = span === hi - lo ? 0 : (span - (hi - lo)) / 2;
  const fromMs = lo - mid - span * PAD;
  const toMs = hi + mid + span * PAD;
  const x = (t: number): number => ((t - fromMs) / (toMs - fromMs)) * width;
  const bars = shown.map((a, i): TimelineBar => {
    const endMs = endOf(a);
    const x0 = x(a.startMs);
    return {
      id: a.id,
      hostId: a.hostId,
      seriesKey: a.seriesKey,
      kind: a.kind,
      severity: a.severity,
      order: i + 1,
      row: i,
      x0,
      x1: Math.max(x0 + MIN_BAR_PX, x(endMs)),
      startMs: a.startMs,
      endMs,
      open: a.state === 'open',
    };
  });
  return { fromMs, toMs, bars, hidden: sorted.length - shown.length };
}
