/** Which fleet rows show, in which order. Pure: tested in fleet-rows.test.ts. */
import type { FleetHost, HostStatus } from '@cerebro/shared/api/contract';
import type { FleetSortKey, SortDir, StatusFilter } from '../../state/types';

/** Problems first when sorting by status ascending. */
const STATUS_RANK: Readonly<Record<HostStatus, number>> = { lost: 0, stale: 1, live: 2 };

function figure(h: FleetHost, key: FleetSortKey): number | string | null {
  switch (key) {
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

/** Hosts whose name or id contains `text` (case-insensitive) and whose status matches. */
export function filterFleet(rows: readonly FleetHost[], filter: { readonly text: string; readonly status: StatusFilter }): FleetHost[] {
  const text = filter.text.trim().toLowerCase();
  return rows.filter((h) => (filter.status === 'all' || h.status === filter.status) && (text === '' || h.hostname.toLowerCase().includes(text) || h.id.toLowerCase().includes(text)));
}

/** Sorted copy; hosts without the figure go last in both directions; ties fall back to the hostname. */
export function sortFleet(rows: readonly FleetHost[], sort: { readonly key: FleetSortKey; readonly dir: SortDir }): FleetHost[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = figure(a, sort.key);
    const y = figure(b, sort.key);
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
