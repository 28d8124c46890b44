/** Where an incident's parts link to: an alert's host view, a log alert's lines, the topology highlight. Pure. */
import type { IncidentAlertRef } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import { logsHash, routeHash } from '../../lib/route';

/** Lines shown around a log alert's span, ms on each side. */
export const LOG_CONTEXT_MS = 60_000;

export function hostHash(hostId: string): string {
  return routeHash({ name: 'host', hostId });
}

/**
 * A log alert (`log.new{template=ID}`, `log.rate{template=ID}`): the logs view filtered to its host,
 * its template and its window (an open one up to now); null for other alerts.
 */
export function alertLogsHash(a: IncidentAlertRef, nowMs: number): string | null {
  if (a.kind !== 'log') return null;
  const template = parseSeriesKey(a.seriesKey)?.labels['template'];
  const to = (a.state === 'open' || a.endMs === undefined ? nowMs : a.endMs) + LOG_CONTEXT_MS;
  return logsHash({ host: a.hostId, ...(template ? { template } : {}), from: a.startMs - LOG_CONTEXT_MS, to });
}

export function topologyHash(incidentId: string): string {
  return routeHash({ name: 'topology', incident: incidentId });
}
