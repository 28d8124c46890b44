/** Hash routes (#/fleet, #/topology, #/host/ID): they work however the files are served, and need no server routing. */
import type { LogsLink, Route } from '../state/types';

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

export function parseRoute(hash: string): Route {
  const m = /^#\/host\/(.+)$/.exec(hash);
  if (m) return { name: 'host', hostId: decodeURIComponent(m[1] as string) };
  if (hash === '#/topology') return { name: 'topology' };
  const topo = /^#\/topology\?(.*)$/.exec(hash);
  if (topo) {
    const incident = new URLSearchParams(topo[1]).get('incident');
    return incident ? { name: 'topology', incident } : { name: 'topology' };
  }
  const inc = /^#\/incidents(?:\/(.+))?$/.exec(hash);
  if (inc) return { name: 'incidents', incidentId: inc[1] ? decodeURIComponent(inc[1]) : null };
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
      return route.incidentId ? `#/incidents/${encodeURIComponent(route.incidentId)}` : '#/incidents';
    case 'host':
      return `#/host/${encodeURIComponent(route.hostId)}`;
    case 'logs':
      return logsHash(route.link);
  }
}
