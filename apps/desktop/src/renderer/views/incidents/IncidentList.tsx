/** The incidents, one row each: severity, the title from the top cause, when, hosts and alert count. */
import type { Incident } from '@cerebro/shared/api/contract';
import { SeverityLabel } from '../../components/AlertBadge';
import { fmtClock } from '../../lib/format';
import { routeHash } from '../../lib/route';
import { incidentTitle } from '../../state/incidents';
import { fmtDuration } from '../host/alert-format';

/** Hosts named in a row at most; the rest are counted. */
const HOSTS_SHOWN = 3;

export function IncidentList({ list, selectedId, nowMs, hostname }: { list: readonly Incident[]; selectedId: string | null; nowMs: number; hostname: (id: string) => string }) {
  return (
    <ul className="incident-list panel" aria-label="Incidents, open first" data-testid="incident-list">
      {list.map((i) => (
        <li key={i.id}>
          <IncidentRow incident={i} selected={i.id === selectedId} nowMs={nowMs} hostname={hostname} />
        </li>
      ))}
    </ul>
  );
}

function IncidentRow({ incident: i, selected, nowMs, hostname }: { incident: Incident; selected: boolean; nowMs: number; hostname: (id: string) => string }) {
  const open = i.state === 'open';
  const hosts = i.hostIds.slice(0, HOSTS_SHOWN).map(hostname).join(', ') + (i.hostIds.length > HOSTS_SHOWN ? ` +${i.hostIds.length - HOSTS_SHOWN}` : '');
  const alerts = i.alerts.length + i.suppressed.count;
  return (
    <a
      href={routeHash({ name: 'incidents', incidentId: i.id })}
      className={`incident-row${selected ? ' selected' : ''}${open ? '' : ' closed'}`}
      aria-current={selected ? 'true' : undefined}
      data-testid="incident-row"
      data-incident-id={i.id}
      data-state={i.state}
      data-severity={i.severity}
    >
      <SeverityLabel severity={i.severity} />
      <span className="incident-title" data-testid="incident-title">
        {incidentTitle(i)}
      </span>
      <span className="muted incident-when">
        {fmtClock(i.openedMs)} {open ? `· open ${fmtDuration(nowMs - i.openedMs)}` : `– ${fmtClock(i.resolvedMs ?? i.updatedMs)}`}
      </span>
      <span className="muted incident-meta">
        {hosts} · {alerts} alert{alerts === 1 ? '' : 's'}
      </span>
    </a>
  );
}
