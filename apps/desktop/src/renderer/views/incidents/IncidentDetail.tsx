/**
 * One incident in full: what and when, its alerts on a timeline in onset order, the ranked causes with
 * their explanations, each alert with links to its host (the alert picked there) and, for log alerts, to
 * its lines; "Show in topology" opens the topology with the incident's subgraph highlighted.
 */
import type { Incident, IncidentAlertRef } from '@cerebro/shared/api/contract';
import { SeverityLabel } from '../../components/AlertBadge';
import { fmtClock } from '../../lib/format';
import { alertSelected } from '../../state/alert-actions';
import { incidentTitle } from '../../state/incidents';
import { dispatch } from '../../state/store';
import { fmtDuration } from '../host/alert-format';
import { CauseList } from './CauseList';
import { useProposals } from '../remediation/use-proposals';
import { DiagnosisPanel } from './DiagnosisPanel';
import { foldedAlertsText } from './folded-alerts';
import { IncidentTimeline } from './IncidentTimeline';
import { alertLogsHash, hostHash, topologyHash } from './incident-links';

export function IncidentDetail({ incident: i, nowMs, hostname }: { incident: Incident; nowMs: number; hostname: (id: string) => string }) {
  const open = i.state === 'open';
  const proposals = useProposals(i.id, i.causesMs);
  const folded = foldedAlertsText(i);
  return (
    <article className="incident-detail panel" data-testid="incident-detail" data-incident-id={i.id} data-state={i.state}>
      <div className="panel-head incident-head">
        <SeverityLabel severity={i.severity} />
        <h2 data-testid="incident-detail-title">{incidentTitle(i)}</h2>
        <span className={`alert-state state-${i.state}`}>{open ? 'open' : 'resolved'}</span>
        <a className="action incident-topology" href={topologyHash(i.id)} data-testid="show-in-topology" title="The topology with this incident's hosts, processes and their connections highlighted">
          Show in topology
        </a>
      </div>
      <dl className="facts incident-facts">
        <div>
          <dt>Opened</dt>
          <dd>{fmtClock(i.openedMs)}</dd>
        </div>
        <div>
          <dt>{open ? 'Open for' : 'Resolved'}</dt>
          <dd>{open ? fmtDuration(nowMs - i.openedMs) : `${fmtClock(i.resolvedMs ?? i.updatedMs)} (after ${fmtDuration((i.resolvedMs ?? i.updatedMs) - i.openedMs)})`}</dd>
        </div>
        <div>
          <dt>Hosts</dt>
          <dd>
            {i.hostIds.map((h, k) => (
              <span key={h}>
                {k > 0 ? ', ' : ''}
                <a href={hostHash(h)}>{hostname(h)}</a>
              </span>
            ))}
          </dd>
        </div>
        {i.services.length > 0 ? (
          <div>
            <dt>Services</dt>
            <dd>{i.services.join(', ')}</dd>
          </div>
        ) : null}
        <div>
          <dt>Alerts</dt>
          <dd>{i.alerts.length}</dd>
        </div>
        {folded !== null ? (
          <div data-testid="incident-folded" data-count={i.suppressed.count}>
            <dt>Folded in</dt>
            <dd>{folded}</dd>
          </div>
        ) : null}
      </dl>
      <section className="incident-section">
        <h3>Likely causes{i.causesMs > 0 ? <span className="muted"> · ranked at {fmtClock(i.causesMs)}</span> : null}</h3>
        <CauseList causes={i.causes} rankedMs={i.causesMs} incidentId={i.id} proposals={proposals} />
      </section>
      <DiagnosisPanel incident={i} nowMs={nowMs} hostname={hostname} />
      <section className="incident-section">
        <h3>Timeline</h3>
        <IncidentTimeline alerts={i.alerts} nowMs={nowMs} hostname={hostname} />
      </section>
      <section className="incident-section">
        <h3>Alerts in onset order</h3>
        <IncidentAlerts alerts={i.alerts} nowMs={nowMs} hostname={hostname} />
      </section>
    </article>
  );
}

function IncidentAlerts({ alerts, nowMs, hostname }: { alerts: readonly IncidentAlertRef[]; nowMs: number; hostname: (id: string) => string }) {
  return (
    <ol className="incident-alerts">
      {alerts.map((a, k) => {
        const logs = alertLogsHash(a, nowMs);
        return (
          <li key={a.id} className="incident-alert" data-testid="incident-alert" data-alert-id={a.id} data-kind={a.kind}>
            <span className="muted incident-alert-order">{k + 1}.</span>
            <SeverityLabel severity={a.severity} />
            <a href={hostHash(a.hostId)} onClick={() => dispatch(alertSelected, a.id)} data-testid="incident-alert-link" title="Open the alert in its host view">
              {a.seriesKey} on {hostname(a.hostId)}
            </a>
            <span className="muted">
              {fmtClock(a.startMs)} {a.state === 'open' ? `· open ${fmtDuration(nowMs - a.startMs)}` : `– ${fmtClock(a.endMs ?? a.startMs)}`}
            </span>
            {logs ? (
              <a href={logs} data-testid="incident-alert-logs" title="The lines of this template around the alert">
                log lines
              </a>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
