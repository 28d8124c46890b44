/** Incidents: the list (open first) and the picked one in full (#/incidents/ID; else the first listed). */
import { useMemo } from 'react';
import { ErrorState, Loading } from '../../components/States';
import { routeHash } from '../../lib/route';
import { incidentList } from '../../state/incidents';
import { useApp } from '../../state/store';
import { useNow } from '../fleet/FleetTable';
import { IncidentDetail } from './IncidentDetail';
import { IncidentList } from './IncidentList';
import './incidents.css';

export function IncidentsView({ incidentId }: { incidentId: string | null }) {
  const { byId, load, hosts } = useApp((s) => ({ byId: s.incidents.byId, load: s.incidents.load, hosts: s.hosts }));
  const list = useMemo(() => incidentList(byId), [byId]);
  const nowMs = useNow(5_000);
  const hostname = (id: string): string => hosts[id]?.hostname ?? id;
  if (list.length === 0 && load.status !== 'ready') {
    if (load.status === 'error') return <ErrorState title="Incidents cannot be loaded" message={load.message} hint={<p>Check that the console is still running, then reload this page.</p>} />;
    return <Loading what="incidents" />;
  }
  const selected = (incidentId !== null ? byId[incidentId] : undefined) ?? list[0];
  const open = list.filter((i) => i.state === 'open').length;
  return (
    <section className="view incidents-view" data-testid="incidents-view">
      <div className="view-head">
        <h1>Incidents</h1>
        <p className="muted">
          Related alerts grouped by time and topology, with their most likely causes. {open} open · {list.length - open} resolved ·{' '}
          <a href={routeHash(selected ? { name: 'notifications', incident: selected.id } : { name: 'notifications' })} data-testid="incident-notifications-link">
            notifications{selected ? ' of this incident' : ''}
          </a>
        </p>
      </div>
      {load.status === 'error' ? <div className="banner">The list may be out of date: {load.message}</div> : null}
      {list.length === 0 ? (
        <p className="state muted" data-testid="incidents-none">
          No incidents. An incident opens when alerts fire; related alerts (close in time and in the topology) join the same one.
        </p>
      ) : (
        <div className="incidents-body">
          <IncidentList list={list} selectedId={selected?.id ?? null} nowMs={nowMs} hostname={hostname} />
          {incidentId !== null && !byId[incidentId] ? <p className="state muted">No incident with id {incidentId} is known; showing the first listed.</p> : null}
          {selected ? <IncidentDetail key={selected.id} incident={selected} nowMs={nowMs} hostname={hostname} /> : null}
        </div>
      )}
    </section>
  );
}
