/**
 * A d3 brush on an SVG laid over a time chart's canvas: dragging across the plot zooms every chart of the
 * host to that window; double-clicking goes back to the live range.
 */
import { useEffect, useRef } from 'react';
import { brushX, select, type D3BrushEvent } from 'd3';
import { plotArea } from '../../charts/scale';
import { zoomFromPixels } from '../../charts/zoom';
import { chartsZoomed, zoomReset } from '../../state/actions';
import { dispatch } from '../../state/store';

export function ChartBrush({ width, height, fromMs, toMs }: { width: number; height: number; fromMs: number; toMs: number }) {
  const svg = useRef<SVGSVGElement | null>(null);
  // Live charts slide every second: the brush reads the window when a drag ends rather than being
  // rebuilt (which would drop a drag in progress) each time it moves.
  const domain = useRef({ fromMs, toMs });
  domain.current = { fromMs, toMs };
  useEffect(() => {
    const el = svg.current;
    if (!el || width === 0) return;
    const plot = plotArea(width, height);
    const g = select(el).append('g').attr('class', 'brush');
    const brush = brushX<unknown>()
      .extent([
        [plot.left, plot.top],
        [plot.left + plot.width, plot.top + plot.height],
      ])
      .on('end', (e: D3BrushEvent<unknown>) => {
        // Clearing the selection below fires 'end' again, without a user event: ignore that one.
        if (!e.sourceEvent || !Array.isArray(e.selection)) return;
        const [x0, x1] = e.selection as [number, number];
        g.call(brush.move, null);
        const zoom = zoomFromPixels(x0, x1, domain.current.fromMs, domain.current.toMs, plot);
        if (zoom) dispatch(chartsZoomed, zoom);
      });
    g.call(brush);
    return () => {
      g.on('.brush', null).remove();
    };
  }, [width, height]);
  return <svg ref={svg} className="chart-brush" width={width} height={height} data-testid="chart-brush" onDoubleClick={() => dispatch(zoomReset, undefined)} aria-hidden="true" />;
}
