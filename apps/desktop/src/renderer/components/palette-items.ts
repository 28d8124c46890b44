/** What the command palette can jump to: the views, the open alerts (worst first), then every host (by hostname or id). */
import type { Alert, Host, Incident } from '@cerebro/shared/api/contract';
import { fuzzyRank } from '../lib/fuzzy';
import { incidentTitle } from '../state/incidents';
import type { Route } from '../state/types';

export interface PaletteItem {
  readonly key: string;
  readonly kind: 'view' | 'host' | 'alert' | 'incident';
  readonly title: string;
  readonly detail: string;
  readonly route: Route;
  /** Texts the query is matched against. */
  readonly texts: readonly string[];
  readonly status?: Host['status'];
  /** For alerts: the one to show in the host view. */
  readonly alertId?: string;
  readonly severity?: Alert['severity'];
}

const VIEWS: readonly PaletteItem[] = [
  { key: 'view:fleet', kind: 'view', title: 'Fleet', detail: 'Every host and its headline figures', route: { name: 'fleet' }, texts: ['Fleet', 'hosts'] },
  { key: 'view:topology', kind: 'view', title: 'Topology', detail: 'Who talks to whom', route: { name: 'topology' }, texts: ['Topology', 'graph', 'map'] },
  { key: 'view:logs', kind: 'view', title: 'Logs', detail: 'Live tail, search and templates', route: { name: 'logs', link: {} }, texts: ['Logs', 'tail', 'search', 'templates'] },
  { key: 'view:incidents', kind: 'view', title: 'Incidents', detail: 'Grouped alerts and their likely causes', route: { name: 'incidents', incidentId: null }, texts: ['Incidents', 'causes', 'problems'] },
  { key: 'view:actions', kind: 'view', title: 'Actions', detail: 'Runbook runs by operators and the policy', route: { name: 'actions' }, texts: ['Actions', 'runs', 'remediation', 'runbooks', 'history'] },
  { key: 'view:notifications', kind: 'view', title: 'Notifications', detail: 'Incident notifications: channels, deliveries, retries, silences', route: { name: 'notifications' }, texts: ['Notifications', 'webhook', 'email', 'smtp', 'syslog', 'silence', 'maintenance', 'deliveries'] },
  { key: 'view:audit', kind: 'view', title: 'Audit', detail: 'The audit log, its chain verification, and the remediation policy', route: { name: 'audit' }, texts: ['Audit', 'log', 'policy', 'kill switch', 'verify'] },
];

/** Open alerts, critical first, then newest first: "critical cpu.util_pct on web-1". */
function alertItems(alerts: readonly Alert[], hosts: readonly Host[]): PaletteItem[] {
  const names = new Map(hosts.map((h) => [h.id, h.hostname]));
  return alerts
    .filter((a) => a.state === 'open')
    .sort((a, b) => (a.severity === b.severity ? b.startMs - a.startMs : a.severity === 'critical' ? -1 : 1))
    .map((a): PaletteItem => {
      const hostname = names.get(a.hostId) ?? a.hostId;
      return { key: `alert:${a.id}`, kind: 'alert', title: `${a.seriesKey} on ${hostname}`, detail: `${a.severity} · peak ${a.peakScore.toFixed(2)}`, route: { name: 'host', hostId: a.hostId }, texts: [a.seriesKey, hostname, 'alert', a.severity], alertId: a.id, severity: a.severity };
    });
}

/** Open incidents, critical first, then newest first, titled by their top cause. */
function incidentItems(incidents: readonly Incident[]): PaletteItem[] {
  return incidents
    .filter((i) => i.state === 'open')
    .sort((a, b) => (a.severity === b.severity ? b.openedMs - a.openedMs : a.severity === 'critical' ? -1 : 1))
    .map((i): PaletteItem => {
      const title = incidentTitle(i);
      return { key: `incident:${i.id}`, kind: 'incident', title, detail: `incident · ${i.alerts.length} alert${i.alerts.length === 1 ? '' : 's'}`, route: { name: 'incidents', incidentId: i.id }, texts: [title, 'incident', i.title, i.severity], severity: i.severity };
    });
}

export function paletteItems(hosts: readonly Host[], alerts: readonly Alert[] = [], incidents: readonly Incident[] = []): PaletteItem[] {
  const hostItems = [...hosts]
    .sort((a, b) => a.hostname.localeCompare(b.hostname))
    .map((h): PaletteItem => ({ key: `host:${h.id}`, kind: 'host', title: h.hostname, detail: h.id, route: { name: 'host', hostId: h.id }, texts: [h.hostname, h.id], status: h.status }));
  return [...VIEWS, ...incidentItems(incidents), ...alertItems(alerts, hosts), ...hostItems];
}

/** Best matches first; with no query, the views and the first hosts. */
export function paletteMatches(query: string, items: readonly PaletteItem[], limit = 30): PaletteItem[] {
  if (query.trim() === '') return items.slice(0, limit);
  return fuzzyRank(query, items, (i) => i.texts, limit).map((r) => r.item);
}
