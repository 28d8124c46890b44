import { useEffect, useMemo } from 'react';
import { ErrorState, Loading } from '../../components/States';
import { zoomReset } from '../../state/actions';
import { dispatch, useApp } from '../../state/store';
import { RANGES, type ChartSeries } from '../../state/types';
import { chartDefs } from './chart-defs';
import { TimeChart } from './TimeChart';

export function ChartGrid() {
  const { series, charts, load, range, zoom, toMs, theme } = useApp((s) => ({ series: s.hostView.series, charts: s.hostView.charts, load: s.hostView.chartsLoad, range: s.hostView.range, zoom: s.hostView.zoom, toMs: s.hostView.toMs, theme: s.theme }));
  const defs = useMemo(() => chartDefs(series), [series]);
  const zoomed = zoom !== null;
  useEffect(() => {
    if (!zoomed) return;
    // Escape leaves the zoom unless something else (the command palette) already handled it.
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && !e.defaultPrevented) dispatch(zoomReset, undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [zoomed]);
  const fromMs = zoom ? zoom.fromMs : toMs - RANGES[range];
  const endMs = zoom ? zoom.toMs : toMs;
  if (load.status === 'error') return <ErrorState title="Charts unavailable" message={load.message} hint={<p>Pick another range or reload; if the console stopped, start it again.</p>} />;
  if (load.status === 'loading') return <Loading what="charts" />;
  return (
    <div className="chart-grid">
      {defs.map((d) => (
        <TimeChart key={d.id} def={d} lines={d.lines.map((l) => charts[l.key]).filter((c): c is ChartSeries => c !== undefined)} fromMs={fromMs} toMs={endMs} theme={theme} />
      ))}
    </div>
  );
}
