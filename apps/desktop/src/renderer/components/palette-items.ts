/** What the command palette can jump to: the views, then every host (by hostname or id). */
import type { Host } from '@cerebro/shared/api/contract';
import { fuzzyRank } from '../lib/fuzzy';
import type { Route } from '../state/types';

export interface PaletteItem {
  readonly key: string;
  readonly kind: 'view' | 'host';
  readonly title: string;
  readonly detail: string;
  readonly route: Route;
  /** Texts the query is matched against. */
  readonly texts: readonly string[];
  readonly status?: Host['status'];
}

const VIEWS: readonly PaletteItem[] = [
  { key: 'view:fleet', kind: 'view', title: 'Fleet', detail: 'Every host and its headline figures', route: { name: 'fleet' }, texts: ['Fleet', 'hosts'] },
  { key: 'view:topology', kind: 'view', title: 'Topology', detail: 'Who talks to whom', route: { name: 'topology' }, texts: ['Topology', 'graph', 'map'] },
];

export function paletteItems(hosts: readonly Host[]): PaletteItem[] {
  const hostItems = [...hosts]
    .sort((a, b) => a.hostname.localeCompare(b.hostname))
    .map((h): PaletteItem => ({ key: `host:${h.id}`, kind: 'host', title: h.hostname, detail: h.id, route: { name: 'host', hostId: h.id }, texts: [h.hostname, h.id], status: h.status }));
  return [...VIEWS, ...hostItems];
}

/** Best matches first; with no query, the views and the first hosts. */
export function paletteMatches(query: string, items: readonly PaletteItem[], limit = 30): PaletteItem[] {
  if (query.trim() === '') return items.slice(0, limit);
  return fuzzyRank(query, items, (i) => i.texts, limit).map((r) => r.item);
}
