/**
 * Zooming a time chart: the brushed pixels as a time window, and how many points to ask the store for.
 * Pure, so the mapping is tested without a browser (zoom.test.ts).
 */
import { fmtClock } from '../lib/format';
import type { ZoomWindow } from '../state/types';
import type { Plot } from './scale';

/** Narrowest window a brush may select, ms: a click or a tiny drag does not zoom. */
export const MIN_ZOOM_MS = 5_000;
/** Narrowest drag that counts as a selection, CSS pixels. */
const MIN_DRAG_PX = 4;
/** Bounds of the points asked per line: enough for a narrow chart, within the API's 20,000 limit. */
const MIN_POINTS = 100;
const MAX_POINTS = 4_000;

/** The time (ms) under horizontal pixel `px` of a plot showing [fromMs, toMs]; clamped to the plot. */
export function pixelToTime(px: number, fromMs: number, toMs: number, plot: Pick<Plot, 'left' | 'width'>): number {
  const f = Math.min(1, Math.max(0, (px - plot.left) / plot.width));
  return fromMs + f * (toMs - fromMs);
}

/** The horizontal pixel of time `ms` on that plot (not clamped). */
export function timeToPixel(ms: number, fromMs: number, toMs: number, plot: Pick<Plot, 'left' | 'width'>): number {
  return plot.left + ((ms - fromMs) / (toMs - fromMs)) * plot.width;
}

/**
 * Points to ask per line for a chart whose plot is `plotWidthPx` wide: one per CSS pixel. The store
 * answers raw samples when the window holds fewer, else buckets that narrow with the window, so a
 * zoomed-in window shows finer detail than the overview of the same span.
 */
export function queryPoints(plotWidthPx: number): number {
  return Math.round(Math.min(MAX_POINTS, Math.max(MIN_POINTS, plotWidthPx)));
}

/**
 * The window selected by dragging from pixel `x0` to `x1` (either direction) on a plot showing
 * [fromMs, toMs], in whole ms; null when the drag is too short to mean a selection.
 */
export function zoomFromPixels(x0: number, x1: number, fromMs: number, toMs: number, plot: Pick<Plot, 'left' | 'width'>): ZoomWindow | null {
  if (Math.abs(x1 - x0) < MIN_DRAG_PX || !(toMs > fromMs)) return null;
  const a = Math.round(pixelToTime(Math.min(x0, x1), fromMs, toMs, plot));
  const b = Math.round(pixelToTime(Math.max(x0, x1), fromMs, toMs, plot));
  if (b - a < MIN_ZOOM_MS) return null;
  return { fromMs: a, toMs: b, points: queryPoints(plot.width) };
}

/** Two windows are the same query (a stale answer for another window is dropped). */
export function sameZoom(a: ZoomWindow | null, b: ZoomWindow | null): boolean {
  if (a === null || b === null) return a === b;
  return a.fromMs === b.fromMs && a.toMs === b.toMs && a.points === b.points;
}

/** "10:02:10–10:04:30", local time. */
export function fmtZoom(w: Pick<ZoomWindow, 'fromMs' | 'toMs'>): string {
  return `${fmtClock(w.fromMs)}–${fmtClock(w.toMs)}`;
}
