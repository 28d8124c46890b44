/**
 * One live chart (canvas: thousands of points stay cheap) with its legend of latest values, and a brush
 * overlay to zoom. `data-from-ms` / `data-to-ms` expose the shown window (the e2e test reads them).
 */
import { useEffect, useRef, useState } from 'react';
import { drawChart, type ChartColors } from '../../charts/draw';
import { fmtPct, fmtRate } from '../../lib/format';
import type { ChartSeries } from '../../state/types';
import type { ChartDef } from './chart-defs';
import { ChartBrush } from './ChartBrush';

const HEIGHT_PX = 170;

function colorsOf(el: HTMLElement): ChartColors {
  const css = getComputedStyle(el);
  const v = (name: string): string => css.getPropertyValue(name).trim();
  return { lines: [v('--chart-1'), v('--chart-2'), v('--chart-3'), v('--chart-4')], grid: v('--chart-grid'), text: v('--text-muted') };
}

export function TimeChart({ def, lines, fromMs, toMs, theme }: { def: ChartDef; lines: readonly ChartSeries[]; fromMs: number; toMs: number; theme: string }) {
  const wrap = useRef<HTMLDivElement | null>(null);
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const [width, setWidth] = useState(0);
  const [points, setPoints] = useState(0);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(HEIGHT_PX * dpr);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    setPoints(drawChart(ctx, { width, height: HEIGHT_PX, fromMs, toMs, unit: def.unit, lines, colors: colorsOf(c) }));
  }, [width, lines, fromMs, toMs, def.unit, theme]);
  const lastTs = Math.max(0, ...lines.map((l) => l.t.at(-1) ?? 0));
  const fmt = def.unit === 'pct' ? fmtPct : fmtRate;
  return (
    <figure className="chart" data-testid={`chart-${def.id}`} data-points={points} data-last-ts={lastTs} data-from-ms={Math.round(fromMs)} data-to-ms={Math.round(toMs)}>
      <figcaption>
        <span className="chart-title">{def.title}</span>
        <span className="legend">
          {def.lines.map((l, i) => (
            <span key={l.key} className="legend-item">
              <span className={`swatch swatch-${i % 4}`} aria-hidden="true" />
              {l.label} <b>{fmt(lines.find((s) => s.key === l.key)?.v.at(-1) ?? null)}</b>
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={wrap} className="chart-canvas">
        <canvas ref={canvas} style={{ width: '100%', height: HEIGHT_PX }} />
        {def.lines.length > 0 ? <ChartBrush width={width} height={HEIGHT_PX} fromMs={fromMs} toMs={toMs} /> : null}
        {def.lines.length === 0 ? <p className="chart-empty muted">This host reports no {def.title.toLowerCase()} series.</p> : null}
      </div>
    </figure>
  );
}
