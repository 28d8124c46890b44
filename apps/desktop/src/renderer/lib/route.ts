/** Hash routes (#/fleet, #/topology, #/host/ID): they work however the files are served, and need no server routing. */
import type { LogsLink, RemediateLink, Route } from '../state/types';

const LINK_TEXT = ['host', 'template', 'level', 'q'] as const;
const LINK_TIME = ['from', 'to'] as const;

/** `#/logs?host=…&template=…&from=…&to=…`: the logs view filtered (alerts link here; see LogsLink). */
export function logsHash(link: LogsLink): string {
  const p = new URLSearchParams();
  for (const k of LINK_TEXT) if (link[k]) p.set(k, link[k]);
  for (const k of LINK_TIME) if (link[k] !== undefined) p.set(k, String(Math.round(link[k])));
  const q = p.toString();
  return q ? `#/logs?${q}` : '#/logs';
}

function parseLogsLink(query: string): LogsLink {
  const p = new URLSearchParams(query);
  const link: { -readonly [K in keyof LogsLink]: LogsLink[K] } = {};
  for (const k of LINK_TEXT) {
    const v = p.get(k);
    if (v) link[k] = v;
  }
  for (const k of LINK_TIME) {
    const v = Number(p.get(k) ?? NaN);
    if (p.get(k) && Number.isFinite(v)) link[k] = v;
  }
  return link;
}

/** `#/incidents/ID?remediate=RUNBOOK&host=HOST&cause=RANK&p.NAME=VALUE`: the remediation drawer of a runbook over an incident. */
export function remediateHash(incidentId: string, link: RemediateLink): string {
  const p = new URLSearchParams({ remediate: link.runbookId });
  if (link.hostId) p.set('host', link.hostId);
  if (link.cause !== undefined) p.set('cause', String(link.cause));
  for (const [k, v] of Object.entries(link.params ?? {})) p.set(`p.${k}`, v);
  return `#/incidents/${encodeURIComponent(incidentId)}?${p.toString()}`;
}

function parseRemediateLink(query: string): RemediateLink | null {
  const p = new URLSearchParams(query);
  const runbookId = p.get('remediate');
  if (!runbookId) return null;
  const params: Record<string, string> = {};
  for (const [k, v] of p) if (k.startsWith('p.') && k.length > 2) params[k.slice(2)] = v;
  const hostId = p.get('host');
  const cause = Number(p.get('cause') ?? NaN);
  return { runbookId, ...(hostId ? { hostId } : {}), ...(Number.isInteger(cause) && cause >= 1 ? { cause } : {}), ...(Object.keys(params).length > 0 ? { params } : {}) };
}

/** `#/terminal?host=ID`: a terminal on that host (opened at once); `&replay=SID`: that session's recording. */
export function terminalHash(hostId: string, replay?: string): string {
  return `#/terminal?${new URLSearchParams({ host: hostId, ...(replay ? { replay } : {}) }).toString()}`;
}

export function parseRoute(hash: string): Route {
  const m = /^#\/host\/(.+)$/.exec(hash);
  if (m) return { name: 'host', hostId: decodeURIComponent(m[1] as string) };
  if (hash === '#/topology') return { name: 'topology' };
  const topo = /^#\/topology\?(.*)$/.exec(hash);
  if (topo) {
    const incident = new URLSearchParams(topo[1]).get('incident');
    return incident ? { name: 'topology', incident } : { name: 'topology' };
  }
  const inc = /^#\/incidents(?:\/([^?]+))?(?:\?(.*))?$/.exec(hash);
  if (inc) {
    const incidentId = inc[1] ? decodeURIComponent(inc[1]) : null;
    const remediate = incidentId !== null ? parseRemediateLink(inc[2] ?? '') : null;
    return remediate ? { name: 'incidents', incidentId, remediate } : { name: 'incidents', incidentId };
  }
  if (hash === '#/actions') return { name: 'actions' };
  const notify = /^#\/notifications(?:\?(.*))?$/.exec(hash);
  if (notify) {
    const incident = new URLSearchParams(notify[1] ?? '').get('incident');
    return incident ? { name: 'notifications', incident } : { name: 'notifications' };
  }
  if (hash === '#/audit') return { name: 'audit' };
  const ask = /^#\/ask(?:\?(.*))?$/.exec(hash);
  if (ask) {
    const incident = new URLSearchParams(ask[1] ?? '').get('incident');
    return incident ? { name: 'ask', incident } : { name: 'ask' };
  }
  const term = /^#\/terminal\?(.*)$/.exec(hash);
  if (term) {
    const p = new URLSearchParams(term[1]);
    const hostId = p.get('host');
    const replay = p.get('replay');
    if (hostId) return replay ? { name: 'terminal', hostId, replay } : { name: 'terminal', hostId };
  }
  const logs = /^#\/logs(?:\?(.*))?$/.exec(hash);
  if (logs) return { name: 'logs', link: parseLogsLink(logs[1] ?? '') };
  return { name: 'fleet' };
}

/** The hash of a route, for links and for jumping (the palette). */
export function routeHash(route: Route): string {
  switch (route.name) {
    case 'fleet':
      return '#/fleet';
    case 'topology':
      return route.incident ? `#/topology?${new URLSearchParams({ incident: route.incident }).toString()}` : '#/topology';
    case 'incidents':
      if (route.incidentId && route.remediate) return remediateHash(route.incidentId, route.remediate);
      return route.incidentId ? `#/incidents/${encodeURIComponent(route.incidentId)}` : '#/incidents';
    case 'actions':
      return '#/actions';
    case 'notifications':
      return route.incident ? `#/notifications?${new URLSearchParams({ incident: route.incident }).toString()}` : '#/notifications';
    case 'audit':
      return '#/audit';
    case 'host':
      return `#/host/${encodeURIComponent(route.hostId)}`;
    case 'logs':
      return logsHash(route.link);
    case 'terminal':
      return terminalHash(route.hostId, route.replay);
    case 'ask':
      return route.incident ? `#/ask?${new URLSearchParams({ incident: route.incident }).toString()}` : '#/ask';
  }
}
