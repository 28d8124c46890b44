import type { FleetHost } from '@cerebro/shared/api/contract';
import { fleetStatusFilterChanged, fleetTextFilterChanged } from '../../state/actions';
import { fleetAlertingFilterChanged } from '../../state/alert-actions';
import { dispatch, useApp } from '../../state/store';
import type { StatusFilter } from '../../state/types';
import { alertingCount, statusCounts, type HostTallies } from './fleet-rows';

const FILTERS: readonly StatusFilter[] = ['all', 'live', 'stale', 'lost'];

export function FleetToolbar({ all, shown, alerts }: { all: readonly FleetHost[]; shown: number; alerts: HostTallies }) {
  const filter = useApp((s) => s.fleetFilter);
  const counts = statusCounts(all);
  const alerting = alertingCount(all, alerts);
  return (
    <div className="toolbar">
      <input
        type="search"
        className="search"
        placeholder="Filter hosts by name or id"
        value={filter.text}
        onChange={(e) => dispatch(fleetTextFilterChanged, e.target.value)}
        aria-label="Filter hosts"
      />
      <div className="chips" role="group" aria-label="Status">
        {FILTERS.map((f) => (
          <button key={f} type="button" className={`chip chip-${f}${filter.status === f ? ' on' : ''}`} onClick={() => dispatch(fleetStatusFilterChanged, f)}>
            {f} <span className="chip-count">{counts[f]}</span>
          </button>
        ))}
      </div>
      <button
        type="button"
        className={`chip chip-alerting${filter.alerting ? ' on' : ''}`}
        aria-pressed={filter.alerting}
        onClick={() => dispatch(fleetAlertingFilterChanged, !filter.alerting)}
        data-testid="filter-alerting"
        title="Only hosts with open alerts (not snoozed, not marked as noise)"
      >
        with alerts <span className="chip-count">{alerting}</span>
      </button>
      <span className="muted toolbar-count">
        {shown === all.length ? `${all.length} hosts` : `${shown} of ${all.length} hosts`}
      </span>
    </div>
  );
}
