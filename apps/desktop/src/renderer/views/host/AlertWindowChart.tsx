/**
 * The series around one alert: the alert's span shaded, its baseline dashed, the deviating points marked.
 * SVG (a few hundred points); sized to its box so that marks and text are not stretched.
 */
import { useEffect, useRef, useState } from 'react';
import { line, scaleLinear } from 'd3';
import type { Alert } from '@cerebro/shared/api/contract';
import { fmtClock } from '../../lib/format';
import type { ChartSeries } from '../../state/types';
import { fmtSeriesValue } from './alert-format';

const H = 150;
const PAD = { left: 64, right: 8, top: 8, bottom: 20 };

function yDomain(a: Alert, s: ChartSeries): [number, number] {
  let lo = a.evidence.baseline;
  let hi = a.evidence.baseline;
  for (const v of s.hi ?? s.v) if (v > hi) hi = v;
  for (const v of s.lo ?? s.v) if (v < lo) lo = v;
  for (const [, v] of a.evidence.points) {
    if (v > hi) hi = v;
    if (v < lo) lo = v;
  }
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

export function AlertWindowChart({ alert, series }: { alert: Alert; series: ChartSeries | null }) {
  const wrap = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  if (!series || series.t.length === 0) {
    return (
      <div ref={wrap} className="alert-chart alert-chart-empty muted" data-testid="alert-chart" data-points={0}>
        {series ? 'No samples of this series around the alert.' : 'Loading the series around the alert…'}
      </div>
    );
  }
  const t0 = series.t[0] as number;
  const t1 = Math.max(series.t.at(-1) as number, alert.endMs ?? alert.startMs);
  const x = scaleLinear().domain([Math.min(t0, alert.startMs), t1]).range([PAD.left, Math.max(PAD.left + 10, width - PAD.right)]);
  const y = scaleLinear().domain(yDomain(alert, series)).nice(3).range([H - PAD.bottom, PAD.top]);
  const path = line<number>()
    .x((_v, i) => x(series.t[i] as number))
    .y((v) => y(v))(series.v as number[]);
  const spanEnd = x(alert.endMs ?? t1);
  const baseY = y(alert.evidence.baseline);
  return (
    <div ref={wrap} className="alert-chart" data-testid="alert-chart" data-points={series.t.length}>
      {width > 0 ? (
        <svg width={width} height={H} role="img" aria-label={`${alert.seriesKey} around the alert`}>
          <rect className="alert-span" x={x(alert.startMs)} y={PAD.top} width={Math.max(2, spanEnd - x(alert.startMs))} height={H - PAD.top - PAD.bottom} data-testid="alert-span" />
          {y.ticks(3).map((v) => (
            <g key={v} className="alert-grid">
              <line x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} />
              <text x={PAD.left - 6} y={y(v)} textAnchor="end" dominantBaseline="middle">
                {fmtSeriesValue(alert.seriesKey, v)}
              </text>
            </g>
          ))}
          <line className="alert-baseline" x1={PAD.left} x2={width - PAD.right} y1={baseY} y2={baseY} />
          {path ? <path className="alert-line" d={path} /> : null}
          {alert.evidence.points.map(([t, v]) => (
            <circle key={t} className="alert-point" cx={x(t)} cy={y(v)} r={2.5} />
          ))}
          <text className="alert-axis" x={PAD.left} y={H - 4}>
            {fmtClock(x.domain()[0] as number)}
          </text>
          <text className="alert-axis" x={width - PAD.right} y={H - 4} textAnchor="end">
            {fmtClock(x.domain()[1] as number)}
          </text>
        </svg>
      ) : null}
    </div>
  );
}
