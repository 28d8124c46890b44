/** The fleet at a glance: every host's status and headline figures with their last 10 minutes. */
import { useMemo, useRef } from 'react';
import { EmptyFleet, ErrorState, Loading } from '../../components/States';
import { useFleetFeed } from '../../feeds/use-fleet-feed';
import { useForecastsFeed } from '../../feeds/use-forecasts-feed';
import { forecastsAtRisk } from '../../state/incidents';
import { sameTallies, tallyByHost, type AlertTally } from '../../state/alerts';
import { useApp } from '../../state/store';
import { filterFleet, sortFleet } from './fleet-rows';
import { FleetTable } from './FleetTable';
import { FleetToolbar } from './FleetToolbar';
import { useNow } from './FleetTable';

/** A snooze that runs out shows its alert again within this, ms. */
const SNOOZE_CHECK_MS = 15_000;

export function FleetView() {
  useFleetFeed();
  useForecastsFeed();
  const { fleet, load, sort, filter, byId, ingestUrl, forecasts } = useApp((s) => ({ fleet: s.fleet, load: s.fleetLoad, sort: s.fleetSort, filter: s.fleetFilter, byId: s.alerts.byId, ingestUrl: s.ingestUrl, forecasts: s.forecasts.byHost }));
  const atRisk = useMemo(() => forecastsAtRisk(forecasts), [forecasts]);
  const nowMs = useNow(SNOOZE_CHECK_MS);
  const alerts = useStableTallies(useMemo(() => tallyByHost(byId, nowMs), [byId, nowMs]));
  const rows = useMemo(() => (fleet ? sortFleet(filterFleet(fleet.hosts, filter, alerts), sort, alerts) : []), [fleet, filter, sort, alerts]);
  if (!fleet) {
    if (load.status === 'error') return <ErrorState title="The fleet cannot be loaded" message={load.message} hint={<p>Check that the console is still running (the terminal where you ran <code>npm start</code>), then reload this page.</p>} />;
    return <Loading what="the fleet" />;
  }
  if (fleet.hosts.length === 0) return <EmptyFleet ingestUrl={ingestUrl} />;
  return (
    <section className="view fleet-view" data-testid="fleet-view">
      <div className="view-head">
        <h1>Fleet</h1>
        <p className="muted">Latest figures and the last 10 minutes, per host. Click a host for its charts and processes.</p>
      </div>
      {load.status === 'error' ? <div className="banner">Figures may be out of date: {load.message}</div> : null}
      <FleetToolbar all={fleet.hosts} shown={rows.length} alerts={alerts} />
      {rows.length === 0 ? <p className="state muted">No host matches this filter.</p> : <FleetTable rows={rows} alerts={alerts} forecasts={atRisk} />}
    </section>
  );
}

/** Open alerts' scores change every second; the badges (and so the sort) only when counts or severities do. */
function useStableTallies(next: Record<string, AlertTally>): Record<string, AlertTally> {
  const kept = useRef(next);
  if (kept.current !== next && !sameTallies(kept.current, next)) kept.current = next;
  return kept.current;
}
