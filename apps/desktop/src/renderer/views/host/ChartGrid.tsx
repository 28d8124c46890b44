import { useMemo } from 'react';
import { ErrorState, Loading } from '../../components/States';
import { useApp } from '../../state/store';
import { RANGES, type ChartSeries } from '../../state/types';
import { chartDefs } from './chart-defs';
import { TimeChart } from './TimeChart';

export function ChartGrid() {
  const { series, charts, load, range, toMs, theme } = useApp((s) => ({ series: s.hostView.series, charts: s.hostView.charts, load: s.hostView.chartsLoad, range: s.hostView.range, toMs: s.hostView.toMs, theme: s.theme }));
  const defs = useMemo(() => chartDefs(series), [series]);
  if (load.status === 'error') return <ErrorState title="Charts unavailable" message={load.message} hint={<p>Pick another range or reload; if the console stopped, start it again.</p>} />;
  if (load.status === 'loading') return <Loading what="charts" />;
  return (
    <div className="chart-grid">
      {defs.map((d) => (
        <TimeChart key={d.id} def={d} lines={d.lines.map((l) => charts[l.key]).filter((c): c is ChartSeries => c !== undefined)} fromMs={toMs - RANGES[range]} toMs={toMs} theme={theme} />
      ))}
    </div>
  );
}
