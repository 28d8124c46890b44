/**
 * An incident's alerts on a time axis (SVG, D3 scales): one row per alert in onset order, numbered, with
 * its span (to now while open) coloured by severity and a mark at its onset; a label opens the alert in
 * its host view. Layout: timeline-layout.ts.
 */
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { scaleTime } from 'd3';
import type { IncidentAlertRef } from '@cerebro/shared/api/contract';
import { fmtClock } from '../../lib/format';
import { fmtDuration } from '../host/alert-format';
import { alertSelected } from '../../state/alert-actions';
import { dispatch } from '../../state/store';
import { hostHash } from './incident-links';
import { layoutTimeline } from './timeline-layout';

const LABEL_PX = 250;
const ROW_PX = 22;
const AXIS_PX = 22;
const LABEL_CHARS = 36;
/** Rows drawn at most; the list under the timeline has every alert. */
const MAX_ROWS = 30;

function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.getBoundingClientRect().width)));
    ro.observe(el);
    setWidth(Math.floor(el.getBoundingClientRect().width));
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

const clip = (s: string): string => (s.length > LABEL_CHARS ? `${s.slice(0, LABEL_CHARS - 1)}…` : s);

export function IncidentTimeline({ alerts, nowMs, hostname }: { alerts: readonly IncidentAlertRef[]; nowMs: number; hostname: (id: string) => string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const axisW = Math.max(100, width - LABEL_PX - 12);
  const layout = useMemo(() => layoutTimeline(alerts, { nowMs, width: axisW, maxRows: MAX_ROWS }), [alerts, nowMs, axisW]);
  const ticks = useMemo(() => {
    const x = scaleTime().domain([layout.fromMs, layout.toMs]).range([0, axisW]);
    return x.ticks(Math.max(2, Math.floor(axisW / 110))).map((d) => ({ ms: d.getTime(), x: x(d) }));
  }, [layout.fromMs, layout.toMs, axisW]);
  const height = AXIS_PX + layout.bars.length * ROW_PX + 4;
  const nowX = ((nowMs - layout.fromMs) / (layout.toMs - layout.fromMs)) * axisW;
  const anyOpen = layout.bars.some((b) => b.open);
  return (
    <div className="incident-timeline" ref={ref} data-testid="incident-timeline" data-bars={layout.bars.length}>
      {width > 0 ? (
        <svg width={width} height={height} role="img" aria-label={`Timeline of ${alerts.length} alerts in onset order`}>
          <g transform={`translate(${LABEL_PX},0)`}>
            {ticks.map((t) => (
              <g key={t.ms} transform={`translate(${t.x},0)`}>
                <line className="tl-grid" y1={AXIS_PX - 4} y2={height} />
                <text className="tl-tick" y={AXIS_PX - 8} textAnchor="middle">
                  {fmtClock(t.ms)}
                </text>
              </g>
            ))}
            {anyOpen && nowX >= 0 && nowX <= axisW ? (
              <g>
                <line className="tl-now" x1={nowX} x2={nowX} y1={AXIS_PX - 4} y2={height} />
              </g>
            ) : null}
          </g>
          {layout.bars.map((b) => {
            const y = AXIS_PX + b.row * ROW_PX;
            const label = `${b.order}. ${b.seriesKey} · ${hostname(b.hostId)}`;
            return (
              <g key={b.id} className={`tl-row sev-${b.severity}`} data-testid="timeline-bar" data-alert-id={b.id} data-order={b.order} data-start-ms={b.startMs} data-open={b.open}>
                <title>{`#${b.order} ${b.seriesKey} on ${hostname(b.hostId)}: ${b.severity}, ${fmtClock(b.startMs)}${b.open ? `, open ${fmtDuration(nowMs - b.startMs)}` : ` – ${fmtClock(b.endMs)} (${fmtDuration(b.endMs - b.startMs)})`}`}</title>
                <a href={hostHash(b.hostId)} onClick={() => dispatch(alertSelected, b.id)}>
                  <text className="tl-label" x={4} y={y + ROW_PX / 2} dominantBaseline="middle">
                    {clip(label)}
                  </text>
                </a>
                <rect className={`tl-bar${b.open ? ' open' : ''}`} x={LABEL_PX + b.x0} y={y + 5} width={b.x1 - b.x0} height={ROW_PX - 10} rx={2} />
                <path className="tl-onset" d={`M${LABEL_PX + b.x0},${y + 2} l4,${ROW_PX / 2 - 2} l-4,${ROW_PX / 2 - 2} l-4,${-(ROW_PX / 2 - 2)} z`} />
              </g>
            );
          })}
        </svg>
      ) : null}
      {layout.hidden > 0 ? <p className="muted pad">{layout.hidden} later alert{layout.hidden === 1 ? '' : 's'} not drawn (all are listed below).</p> : null}
    </div>
  );
}
