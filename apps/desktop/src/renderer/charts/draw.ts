/** Paints one time chart on a canvas: grid, axis labels, min/max envelopes and lines. */
import type { ChartSeries } from '../state/types';
import { fmtPct, fmtRate } from '../lib/format';
import { linePixels, plotArea, timeScale, valueScale, type ChartUnit, type Plot } from './scale';

export interface ChartColors {
  readonly lines: readonly string[];
  readonly grid: string;
  readonly text: string;
}

export interface DrawInput {
  readonly width: number;
  readonly height: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly unit: ChartUnit;
  readonly lines: readonly ChartSeries[];
  readonly colors: ChartColors;
}

/** Draws and returns how many points it drew (the e2e tests watch it grow). */
export function drawChart(ctx: CanvasRenderingContext2D, input: DrawInput): number {
  const { width, height, unit, lines, colors } = input;
  ctx.clearRect(0, 0, width, height);
  const plot: Plot = plotArea(width, height);
  const x = timeScale(input.fromMs, input.toMs, plot);
  const y = valueScale(lines, unit, plot);
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  ctx.strokeStyle = colors.grid;
  ctx.fillStyle = colors.text;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const v of y.ticks(4)) {
    const py = Math.round(y(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(plot.left, py);
    ctx.lineTo(plot.left + plot.width, py);
    ctx.stroke();
    ctx.fillText(unit === 'pct' ? fmtPct(v) : fmtRate(v), plot.left - 6, py);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const spanMs = input.toMs - input.fromMs;
  for (const t of x.ticks(Math.max(2, Math.floor(plot.width / 110)))) {
    ctx.fillText(timeLabel(t, spanMs), x(t), plot.top + plot.height + 6);
  }
  let drawn = 0;
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top, plot.width, plot.height);
  ctx.clip();
  lines.forEach((line, i) => {
    const color = colors.lines[i % colors.lines.length] as string;
    if (line.lo && line.hi) {
      // The envelope shows the spikes that averaging into buckets would hide.
      const lo = linePixels(line, line.lo, x, y);
      const hi = linePixels(line, line.hi, x, y);
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = color;
      for (let r = 0; r < hi.length && r < lo.length; r++) {
        const h = hi[r] as number[];
        const l = lo[r] as number[];
        ctx.beginPath();
        for (let k = 0; k < h.length; k += 2) ctx[k === 0 ? 'moveTo' : 'lineTo'](h[k] as number, h[k + 1] as number);
        for (let k = l.length - 2; k >= 0; k -= 2) ctx.lineTo(l[k] as number, l[k + 1] as number);
        ctx.closePath();
        ctx.fill();
      }
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    for (const run of linePixels(line, line.v, x, y)) {
      ctx.beginPath();
      for (let k = 0; k < run.length; k += 2) ctx[k === 0 ? 'moveTo' : 'lineTo'](run[k] as number, run[k + 1] as number);
      ctx.stroke();
      drawn += run.length / 2;
    }
  });
  ctx.restore();
  return drawn;
}

/** An axis tick's label, local time: with seconds on a zoomed span of minutes, the date at midnight on a day. */
export function timeLabel(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  if (spanMs <= 10 * 60_000) return `${hm}:${p(d.getSeconds())}`;
  return spanMs > 20 * 3_600_000 && d.getHours() === 0 && d.getMinutes() === 0 ? `${d.getMonth() + 1}/${d.getDate()}` : hm;
}
