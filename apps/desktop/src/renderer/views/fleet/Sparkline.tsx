/** A tiny SVG trend of one fleet figure; gaps (no samples in a step) break the line. */
import { memo } from 'react';
import { line, scaleLinear } from 'd3';
import type { FleetHistory } from '@cerebro/shared/api/contract';

const W = 72;
const H = 22;

export const Sparkline = memo(function Sparkline({ values, max, tone }: { values: FleetHistory; max: number | null; tone: string }) {
  let top = max ?? 0;
  if (max === null) for (const v of values) if (v !== null && v > top) top = v;
  const x = scaleLinear().domain([0, Math.max(1, values.length - 1)]).range([1, W - 1]);
  const y = scaleLinear().domain([0, top || 1]).range([H - 2, 2]);
  const d = line<number | null>()
    .defined((v) => v !== null)
    .x((_v, i) => x(i))
    .y((v) => y(v as number))(values as (number | null)[]);
  // The newest value gets a dot: it also shows a lone sample that a line cannot.
  let last: number | null = null;
  for (let i = values.length - 1; i >= 0 && last === null; i--) if (values[i] !== null) last = i;
  return (
    <svg className={`spark spark-${tone}`} width={W} height={H} viewBox={`0 0 ${W} ${H}`} aria-hidden="true">
      {d ? <path d={d} /> : null}
      {last !== null ? <circle cx={x(last)} cy={y(values[last] as number)} r={1.8} /> : null}
    </svg>
  );
});
