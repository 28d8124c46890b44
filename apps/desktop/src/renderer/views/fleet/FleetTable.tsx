/**
 * Every host, one row each, windowed: only the rows in view (plus a few) are in the DOM, so 1,000+ hosts
 * scroll smoothly. ↑/↓ move a selection through the rows once the table has focus, Enter opens the host.
 */
import { useEffect, useLayoutEffect, useState } from 'react';
import type { FleetHost, ResourceForecast } from '@cerebro/shared/api/contract';
import { fleetSortChanged } from '../../state/actions';
import { dispatch, useApp } from '../../state/store';
import type { FleetSortKey } from '../../state/types';
import type { HostTallies } from './fleet-rows';
import { FleetRow } from './FleetRow';
import { useWindow } from './use-window';
import { routeHash } from '../../lib/route';

/** performance.mark name set when rows first reach the DOM (read by the ui benchmark). */
export const FIRST_ROWS_MARK = 'cerebro:fleet-rows';
let firstRowsMarked = false;

const ROW_PX = 44;

const COLUMNS: ReadonlyArray<{ key: FleetSortKey; label: string; unit?: string }> = [
  { key: 'hostname', label: 'Host' },
  { key: 'status', label: 'Status' },
  { key: 'alerts', label: 'Alerts' },
  { key: 'cpu', label: 'CPU', unit: 'used' },
  { key: 'mem', label: 'Memory', unit: 'used' },
  { key: 'disk', label: 'Disk', unit: 'fullest mount' },
  { key: 'net', label: 'Network', unit: 'rx + tx' },
];

export function FleetTable({ rows, alerts, forecasts = {} }: { rows: readonly FleetHost[]; alerts: HostTallies; forecasts?: Readonly<Record<string, readonly ResourceForecast[]>> }) {
  const sort = useApp((s) => s.fleetSort);
  const { ref, onScroll, start, end } = useWindow<HTMLDivElement>(ROW_PX, rows.length);
  const nowMs = useNow(5_000);
  const [selected, setSelected] = useState(-1);
  useLayoutEffect(() => {
    // Once per page load: the time from navigation start to the first rows in the DOM.
    if (!firstRowsMarked && rows.length > 0) {
      firstRowsMarked = true;
      performance.mark(FIRST_ROWS_MARK);
    }
  }, [rows.length]);
  const move = (to: number): void => {
    const i = Math.max(0, Math.min(rows.length - 1, to));
    setSelected(i);
    const el = ref.current;
    if (!el) return;
    // Keep the selected row in view: the list is windowed, so the row may not exist in the DOM yet.
    if (i * ROW_PX < el.scrollTop) el.scrollTop = i * ROW_PX;
    else if ((i + 1) * ROW_PX > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW_PX - el.clientHeight;
  };
  const onKeyDown = (e: React.KeyboardEvent): void => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      move(selected < 0 ? 0 : selected + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'Enter' && rows[selected]) {
      e.preventDefault();
      window.location.hash = routeHash({ name: 'host', hostId: (rows[selected] as FleetHost).id });
    }
  };
  return (
    <div className="fleet-table" role="table" aria-rowcount={rows.length}>
      <div className="fleet-head grid-fleet" role="row">
        {COLUMNS.map((c) => (
          <button key={c.key} type="button" className={`th${sort.key === c.key ? ' sorted' : ''}`} onClick={() => dispatch(fleetSortChanged, c.key)} data-sort={c.key}>
            {c.label}
            {c.unit ? <span className="th-unit"> {c.unit}</span> : null}
            {sort.key === c.key ? <span className="arrow">{sort.dir === 'asc' ? ' ▲' : ' ▼'}</span> : null}
          </button>
        ))}
        <span className="th">Last seen</span>
      </div>
      <div className="fleet-body" ref={ref} onScroll={onScroll} tabIndex={0} onKeyDown={onKeyDown} aria-label="Hosts: ↑/↓ to choose, Enter to open" data-testid="fleet-body">
        <div className="fleet-spacer" style={{ height: rows.length * ROW_PX }}>
          {rows.slice(start, end).map((h, i) => (
            <FleetRow key={h.id} host={h} top={(start + i) * ROW_PX} nowMs={nowMs} selected={start + i === selected} alertCount={alerts[h.id]?.count ?? 0} alertWorst={alerts[h.id]?.worst ?? null} forecastsAtRisk={forecasts[h.id]} />
          ))}
        </div>
      </div>
    </div>
  );
}

/** The clock, ticking every `everyMs`, for "seen 5 s ago". */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
