import { useMemo } from 'react';
import { paletteOpened, themeToggled } from '../state/actions';
import { fleetAlertingFilterChanged } from '../state/alert-actions';
import { tallyAll } from '../state/alerts';
import { openIncidents } from '../state/incidents';
import { dispatch, useApp } from '../state/store';
import { useNow } from '../views/fleet/FleetTable';

/** The fleet's open alerts (not snoozed, not noise), coloured by the worst; a click lists the hosts that have them. */
function OpenAlerts() {
  const byId = useApp((s) => s.alerts.byId);
  const nowMs = useNow(15_000);
  const { count, worst } = useMemo(() => tallyAll(byId, nowMs), [byId, nowMs]);
  return (
    <a
      href="#/fleet"
      className={`open-alerts${worst ? ` sev-${worst}` : ''}`}
      onClick={() => dispatch(fleetAlertingFilterChanged, count > 0)}
      data-testid="open-alerts"
      data-count={count}
      data-severity={worst ?? 'none'}
      title={count > 0 ? 'Show the hosts with open alerts' : 'No open alerts'}
    >
      <span className="sev-mark" aria-hidden="true">▲</span> {count} open alert{count === 1 ? '' : 's'}
    </a>
  );
}

/** Open incidents, coloured by the worst; a click opens the incidents view. */
function OpenIncidents() {
  const byId = useApp((s) => s.incidents.byId);
  const { count, worst } = useMemo(() => openIncidents(byId), [byId]);
  return (
    <a href="#/incidents" className={`open-alerts open-incidents${worst ? ` sev-${worst}` : ''}`} data-testid="open-incidents" data-count={count} data-severity={worst ?? 'none'} title={count > 0 ? 'Show the open incidents' : 'No open incidents'}>
      <span className="sev-mark" aria-hidden="true">◆</span> {count} open incident{count === 1 ? '' : 's'}
    </a>
  );
}

export function TopBar() {
  const { route, theme } = useApp((s) => ({ route: s.route, theme: s.theme }));
  return (
    <header className="topbar">
      <a className="brand" href="#/fleet">
        <span className="brand-mark" aria-hidden="true">◆</span> CEREBRO
      </a>
      <nav className="nav">
        <a href="#/fleet" className={route.name === 'fleet' ? 'active' : ''}>
          Fleet
        </a>
        <a href="#/topology" className={route.name === 'topology' ? 'active' : ''}>
          Topology
        </a>
        <a href="#/logs" className={route.name === 'logs' ? 'active' : ''}>
          Logs
        </a>
        <a href="#/incidents" className={route.name === 'incidents' ? 'active' : ''}>
          Incidents
        </a>
        <a href="#/actions" className={route.name === 'actions' ? 'active' : ''} data-testid="nav-actions">
          Actions
        </a>
        <a href="#/audit" className={route.name === 'audit' ? 'active' : ''} data-testid="nav-audit">
          Audit
        </a>
        <a href="#/ask" className={route.name === 'ask' ? 'active' : ''}>
          Ask
        </a>
      </nav>
      <OpenIncidents />
      <OpenAlerts />
      <button type="button" className="ghost palette-hint" onClick={() => dispatch(paletteOpened, undefined)} title="Go to a host or view (Ctrl+K)">
        Go to… <kbd>Ctrl</kbd><kbd>K</kbd>
      </button>
      <button type="button" className="ghost" onClick={() => dispatch(themeToggled, undefined)} title="Switch between dark and light theme">
        {theme === 'dark' ? 'Light theme' : 'Dark theme'}
      </button>
    </header>
  );
}
