/**
 * Incidents and forecasts as the UI reads them. Pure: merging what the console sent, the list order, the
 * titles, the open count and the forecast badges. Tested in incidents.test.ts.
 */
import type { AlertSeverity, Incident, IncidentCause, ResourceForecast } from '@cerebro/shared/api/contract';

/** Most incidents kept; beyond it the oldest resolved ones are forgotten (they are still in the console). */
export const MAX_KNOWN_INCIDENTS = 1_000;

/**
 * Merge a queried copy into the one already known. A query may answer after a live change newer than its
 * snapshot: the copy changed last (updatedMs) wins, and a resolved incident never reopens from an older
 * copy. Live changes, which arrive in order, replace instead.
 */
export function mergeQueriedIncident(known: Incident | undefined, got: Incident): Incident {
  if (!known) return got;
  if (known.state === 'resolved' && got.state !== 'resolved') return known;
  if (got.state === 'resolved' && known.state !== 'resolved') return got;
  return got.updatedMs >= known.updatedMs ? got : known;
}

/** Drops the oldest resolved incidents beyond `max` (open ones are always kept). */
export function pruneIncidents(byId: Record<string, Incident>, max = MAX_KNOWN_INCIDENTS): Record<string, Incident> {
  const all = Object.values(byId);
  if (all.length <= max) return byId;
  const closed = all.filter((i) => i.state === 'resolved').sort((a, b) => (a.resolvedMs ?? a.updatedMs) - (b.resolvedMs ?? b.updatedMs));
  const out = { ...byId };
  for (let i = 0; i < all.length - max && i < closed.length; i++) delete out[(closed[i] as Incident).id];
  return out;
}

const SEV_RANK: Readonly<Record<AlertSeverity, number>> = { critical: 0, warning: 1 };

/** The list: open ones first (critical before warning, then newest first), then resolved ones (latest resolved first). */
export function incidentList(byId: Readonly<Record<string, Incident>>): Incident[] {
  const all = Object.values(byId);
  const open = all.filter((i) => i.state === 'open').sort((a, b) => SEV_RANK[a.severity] - SEV_RANK[b.severity] || b.openedMs - a.openedMs);
  const resolved = all.filter((i) => i.state === 'resolved').sort((a, b) => (b.resolvedMs ?? b.updatedMs) - (a.resolvedMs ?? a.updatedMs));
  return [...open, ...resolved];
}

export interface IncidentTally {
  readonly count: number;
  /** Worst severity among the open ones; null when there are none. */
  readonly worst: AlertSeverity | null;
}

export function openIncidents(byId: Readonly<Record<string, Incident>>): IncidentTally {
  let count = 0;
  let worst: AlertSeverity | null = null;
  for (const i of Object.values(byId)) {
    if (i.state !== 'open') continue;
    count++;
    worst = worst === 'critical' || i.severity === 'critical' ? 'critical' : 'warning';
  }
  return { count, worst };
}

/** What a cause is, in a few words: "process nginx (pid 42) on web-01", "host web-01", "filesystem /data on web-01". */
export function causeLabel(c: IncidentCause): string {
  switch (c.kind) {
    case 'host':
      return `host ${c.host}`;
    case 'process':
    case 'service':
      return `${c.kind} ${c.name}${c.pid !== undefined ? ` (pid ${c.pid})` : ''} on ${c.host}`;
    case 'resource':
      return `${c.name} on ${c.host}`;
  }
}

/** The incident's headline: its top cause once ranked, else the console's title (first alert and count). */
export function incidentTitle(i: Incident): string {
  const top = i.causes[0];
  return top ? causeLabel(top) : i.title;
}

/** Time left to exhaustion under which a forecast gets a badge: its lower bound is within its horizon. */
export function forecastAtRisk(f: ResourceForecast): boolean {
  return f.etaLowerBoundMs !== null && f.etaLowerBoundMs < f.horizonMs;
}

/** Per host id, its forecasts at risk, soonest (lower bound) first; hosts without any are absent. */
export function forecastsAtRisk(byHost: Readonly<Record<string, readonly ResourceForecast[]>>): Record<string, ResourceForecast[]> {
  const out: Record<string, ResourceForecast[]> = {};
  for (const [hostId, list] of Object.entries(byHost)) {
    const risky = list.filter(forecastAtRisk).sort((a, b) => (a.etaLowerBoundMs ?? 0) - (b.etaLowerBoundMs ?? 0));
    if (risky.length > 0) out[hostId] = risky;
  }
  return out;
}

/** Group a forecast list by host, keeping each host's resources in a stable order (resource, then name). */
export function forecastsByHost(list: readonly ResourceForecast[]): Record<string, ResourceForecast[]> {
  const out: Record<string, ResourceForecast[]> = {};
  for (const f of list) (out[f.hostId] ??= []).push(f);
  for (const l of Object.values(out)) l.sort((a, b) => a.resource.localeCompare(b.resource) || a.name.localeCompare(b.name));
  return out;
}
