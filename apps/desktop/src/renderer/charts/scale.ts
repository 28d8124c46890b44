/** From samples to pixels: the scales of a time chart and the polylines it draws. Pure (d3-scale only). */
import { scaleLinear, type ScaleLinear } from 'd3';
import type { ChartSeries } from '../state/types';

export type ChartUnit = 'pct' | 'bytesPerSec';

export interface Plot {
  /** Drawing area inside the canvas, CSS pixels. */
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Margins of a time chart around its plot, CSS pixels (axis labels live there). */
export const CHART_PAD = { left: 64, right: 10, top: 8, bottom: 22 } as const;

/** The plot inside a chart of `width` × `height` CSS pixels; shared by the painter and the brush overlay. */
export function plotArea(width: number, height: number): Plot {
  return { left: CHART_PAD.left, top: CHART_PAD.top, width: Math.max(10, width - CHART_PAD.left - CHART_PAD.right), height: Math.max(10, height - CHART_PAD.top - CHART_PAD.bottom) };
}

export function timeScale(fromMs: number, toMs: number, plot: Plot): ScaleLinear<number, number> {
  return scaleLinear().domain([fromMs, toMs]).range([plot.left, plot.left + plot.width]);
}

/** Percent charts span 0–100; rates span 0 to a rounded maximum of what is shown (at least 1 KiB/s). */
export function valueScale(lines: readonly ChartSeries[], unit: ChartUnit, plot: Plot): ScaleLinear<number, number> {
  let max = unit === 'pct' ? 100 : 1024;
  if (unit !== 'pct') for (const l of lines) for (const v of l.hi ?? l.v) if (v > max) max = v;
  return scaleLinear().domain([0, max]).nice(4).range([plot.top + plot.height, plot.top]);
}

/** A gap wider than this many sampling steps breaks the line (the host was down or not collecting). */
const GAP_STEPS = 5;

/**
 * Polylines of a line's points as flat [x0, y0, x1, y1, …] arrays, one per run without a gap. Points
 * outside [fromMs, toMs] are left out. For raw samples the step is the median spacing; for buckets, bucketMs.
 */
export function linePixels(s: ChartSeries, values: readonly number[], x: ScaleLinear<number, number>, y: ScaleLinear<number, number>): number[][] {
  const [fromMs, toMs] = x.domain() as [number, number];
  const step = s.bucketMs ?? medianStep(s.t);
  const out: number[][] = [];
  let run: number[] = [];
  let prevT = Number.NaN;
  for (let i = 0; i < s.t.length; i++) {
    const t = s.t[i] as number;
    const v = values[i] as number;
    if (t < fromMs || t > toMs || !Number.isFinite(v)) continue;
    if (run.length > 0 && t - prevT > GAP_STEPS * step) {
      out.push(run);
      run = [];
    }
    run.push(x(t), y(v));
    prevT = t;
  }
  if (run.length > 0) out.push(run);
  return out;
}

function medianStep(t: readonly number[]): number {
  if (t.length < 2) return 1000;
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) d.push((t[i] as number) - (t[i - 1] as number));
  d.sort((a, b) => a - b);
  return Math.max(1, d[d.length >> 1] as number);
}
