/** The fleet at a glance: every host's status and headline figures with their last 10 minutes. */
import { useMemo } from 'react';
import { EmptyFleet, ErrorState, Loading } from '../../components/States';
import { useFleetFeed } from '../../feeds/use-fleet-feed';
import { useApp } from '../../state/store';
import { filterFleet, sortFleet } from './fleet-rows';
import { FleetTable } from './FleetTable';
import { FleetToolbar } from './FleetToolbar';

export function FleetView() {
  useFleetFeed();
  const { fleet, load, sort, filter } = useApp((s) => ({ fleet: s.fleet, load: s.fleetLoad, sort: s.fleetSort, filter: s.fleetFilter }));
  const rows = useMemo(() => (fleet ? sortFleet(filterFleet(fleet.hosts, filter), sort) : []), [fleet, filter, sort]);
  if (!fleet) {
    if (load.status === 'error') return <ErrorState title="The fleet cannot be loaded" message={load.message} hint={<p>Check that the console is still running (the terminal where you ran <code>npm start</code>), then reload this page.</p>} />;
    return <Loading what="the fleet" />;
  }
  if (fleet.hosts.length === 0) return <EmptyFleet />;
  return (
    <section className="view fleet-view" data-testid="fleet-view">
      <div className="view-head">
        <h1>Fleet</h1>
        <p className="muted">Latest figures and the last 10 minutes, per host. Click a host for its charts and processes.</p>
      </div>
      {load.status === 'error' ? <div className="banner">Figures may be out of date: {load.message}</div> : null}
      <FleetToolbar all={fleet.hosts} shown={rows.length} />
      {rows.length === 0 ? <p className="state muted">No host matches this filter.</p> : <FleetTable rows={rows} />}
    </section>
  );
}
