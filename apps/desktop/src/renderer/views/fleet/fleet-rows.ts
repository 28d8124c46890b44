/** Which fleet rows show, in which order. Pure: tested in fleet-rows.test.ts. */
import type { FleetHost, HostStatus } from '@cerebro/shared/api/contract';
import { tallyRank, type AlertTally } from '../../state/alerts';
import type { FleetSortKey, SortDir, StatusFilter } from '../../state/types';

/** Active alerts per host id (state/alerts.ts tallyByHost). */
export type HostTallies = Readonly<Record<string, AlertTally>>;

/** Problems first when sorting by status ascending. */
const STATUS_RANK: Readonly<Record<HostStatus, number>> = { lost: 0, stale: 1, live: 2 };

function figure(h: FleetHost, key: FleetSortKey, alerts: HostTallies): number | string | null {
  switch (key) {
    case 'alerts':
      return tallyRank(alerts[h.id]);
    case 'hostname':
      return h.hostname.toLowerCase();
    case 'status':
      return STATUS_RANK[h.status];
    case 'cpu':
      return h.cpuPct;
    case 'mem':
      return h.memPct;
    case 'disk':
      return h.diskPct;
    case 'net':
      return h.netBps;
  }
}

/** Hosts whose name or id contains `text` (case-insensitive), whose status matches and, with `alerting`, that have active alerts. */
export function filterFleet(rows: readonly FleetHost[], filter: { readonly text: string; readonly status: StatusFilter; readonly alerting?: boolean }, alerts: HostTallies = {}): FleetHost[] {
  const text = filter.text.trim().toLowerCase();
  return rows.filter(
    (h) =>
      (filter.status === 'all' || h.status === filter.status) &&
      (!filter.alerting || (alerts[h.id]?.count ?? 0) > 0) &&
      (text === '' || h.hostname.toLowerCase().includes(text) || h.id.toLowerCase().includes(text)),
  );
}

/** Sorted copy; hosts without the figure go last in both directions; ties fall back to the hostname. */
export function sortFleet(rows: readonly FleetHost[], sort: { readonly key: FleetSortKey; readonly dir: SortDir }, alerts: HostTallies = {}): FleetHost[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = figure(a, sort.key, alerts);
    const y = figure(b, sort.key, alerts);
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    if (x !== null && y !== null && x !== y) return (x < y ? -1 : 1) * sign;
    return a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id);
  });
}

/** Counts per status for the filter chips. */
export function statusCounts(rows: readonly FleetHost[]): Record<StatusFilter, number> {
  const out: Record<StatusFilter, number> = { all: rows.length, live: 0, stale: 0, lost: 0 };
  for (const h of rows) out[h.status]++;
  return out;
}

/** Hosts of `rows` with active alerts, for the filter chip. */
export function alertingCount(rows: readonly FleetHost[], alerts: HostTallies): number {
  let n = 0;
  for (const h of rows) if ((alerts[h.id]?.count ?? 0) > 0) n++;
  return n;
}
