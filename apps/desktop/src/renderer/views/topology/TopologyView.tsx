/** Who talks to whom: hosts, their listening and connected processes, and the connections between them. */
import { useEffect, useMemo, useState } from 'react';
import { ErrorState, Loading } from '../../components/States';
import { useTopologyFeed } from '../../feeds/use-topology-feed';
import { routeHash } from '../../lib/route';
import { incidentsLoaded } from '../../state/incident-actions';
import { incidentTitle } from '../../state/incidents';
import { dispatch, useApp } from '../../state/store';
import { useTransport } from '../../transport/context';
import { incidentHighlight } from './highlight';
import { TopologyCanvas } from './TopologyCanvas';

/** `incidentId`: highlight that incident's subgraph (#/topology?incident=ID). */
export function TopologyView({ incidentId = null }: { incidentId?: string | null }) {
  const [mode, setMode] = useState<'processes' | 'services'>('processes');
  useTopologyFeed(mode);
  const { topology, load, theme, incident } = useApp((s) => ({ topology: s.topology, load: s.topologyLoad, theme: s.theme, incident: incidentId === null ? undefined : s.incidents.byId[incidentId] }));
  useIncidentIfUnknown(incidentId, incident !== undefined);
  const highlight = useMemo(() => (incident ? incidentHighlight(incident) : null), [incident]);
  const counts = useMemo(() => {
    const c = { host: 0, process: 0, external: 0, connections: 0, stale: 0 };
    for (const n of topology?.nodes ?? []) c[n.kind]++;
    for (const e of topology?.edges ?? []) if (e.kind === 'connects') c[e.stale === true ? 'stale' : 'connections'] += e.count;
    return c;
  }, [topology]);
  if (!topology) {
    if (load.status === 'error') return <ErrorState title="The topology cannot be loaded" message={load.message} hint={<p>Check that the console is still running, then reload this page.</p>} />;
    return <Loading what="the topology" />;
  }
  return (
    <section className="view topology-view" data-testid="topology-view">
      <div className="view-head topology-head">
        <div>
          <h1>Topology</h1>
          <p className="muted">
            {mode === 'services'
              ? 'The knowledge graph: each executable on a host as one service, and every client → server connection seen, remembered after it ends (dashed: not seen in the last minute, e.g. the clients of a server that died).'
              : "Established TCP connections from each host's latest socket table, client → server, matched to listeners on the same host or on the host that owns the address."}
          </p>
        </div>
        <div className="topology-stats">
          <Stat label="hosts" value={counts.host} />
          <Stat label={mode === 'services' ? 'services' : 'processes'} value={counts.process} />
          {mode === 'services' ? <Stat label="remembered" value={counts.stale} /> : <Stat label="external" value={counts.external} />}
          <Stat label="connections" value={counts.connections} />
        </div>
      </div>
      {load.status === 'error' ? <div className="banner">The graph may be out of date: {load.message}</div> : null}
      {incidentId !== null ? (
        <div className="topology-highlight-note" data-testid="topology-highlight-note">
          {incident ? (
            <>
              Highlighted: <a href={routeHash({ name: 'incidents', incidentId })}>{incidentTitle(incident)}</a> ({topology.nodes.filter((n) => highlight?.has(n.id)).length} of its nodes are in the graph; the rest of the graph is dimmed).
            </>
          ) : (
            <>Loading incident {incidentId}…</>
          )}{' '}
          <a href="#/topology">Clear</a>
        </div>
      ) : null}
      <div className="topology-panel">
        <div className="topology-toolbar">
          <div className="segmented" role="group" aria-label="What to draw">
            {(['processes', 'services'] as const).map((m) => (
              <button key={m} type="button" className={m === mode ? 'on' : undefined} aria-pressed={m === mode} data-testid={`topology-mode-${m}`} onClick={() => setMode(m)}>
                {m === 'processes' ? 'Processes (live)' : 'Services (remembered)'}
              </button>
            ))}
          </div>
          <Legend />
          <span className="muted topology-note">{topology.hostsWithSockets < counts.host ? `${counts.host - topology.hostsWithSockets} host(s) have not sent a socket table yet · ` : ''}Scroll to zoom · drag to pan · click a node to open its host</span>
          <button type="button" className="ghost" onClick={() => document.querySelector('[data-testid="topology-canvas"]')?.dispatchEvent(new Event('cerebro:fit'))}>
            Fit
          </button>
        </div>
        {topology.nodes.length === 0 ? <p className="state muted">No host has reported yet.</p> : <TopologyCanvas graph={topology} theme={theme} highlight={highlight} />}
      </div>
    </section>
  );
}

/** An incident linked to but not in the slice (an old one beyond what the UI keeps): fetch it once. */
function useIncidentIfUnknown(incidentId: string | null, known: boolean): void {
  const transport = useTransport();
  useEffect(() => {
    if (incidentId === null || known) return;
    let alive = true;
    transport.request('incident', { hostId: incidentId }).then(
      (inc) => alive && dispatch(incidentsLoaded, [inc]),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [transport, incidentId, known]);
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="topology-stat">
      <span className="figure">{value.toLocaleString('en-US')}</span>
      <span className="muted">{label}</span>
    </div>
  );
}

function Legend() {
  return (
    <ul className="topology-legend" aria-label="Legend">
      <li><span className="lg-dot host live" />host live</li>
      <li><span className="lg-dot host stale" />stale</li>
      <li><span className="lg-dot host lost" />lost</li>
      <li><span className="lg-dot proc" />process</li>
      <li><span className="lg-dot ext" />external</li>
      <li><span className="lg-line" />connection →</li>
      <li><span className="lg-line stale" />not seen lately</li>
    </ul>
  );
}
