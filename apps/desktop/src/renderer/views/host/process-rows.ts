/** Which processes show, in which order. Pure. */
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import type { ProcessSortKey, SortDir } from '../../state/types';

/** Processes whose name, command line, user or pid contains `search` (case-insensitive). */
export function filterProcesses(rows: readonly ProcessRow[], search: string): ProcessRow[] {
  const q = search.trim().toLowerCase();
  if (q === '') return [...rows];
  return rows.filter((p) => p.name.toLowerCase().includes(q) || p.cmd.toLowerCase().includes(q) || p.user.toLowerCase().includes(q) || String(p.pid) === q);
}

export function sortProcesses(rows: readonly ProcessRow[], sort: { readonly key: ProcessSortKey; readonly dir: SortDir }): ProcessRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const k = sort.key;
  // A disk rate the collector could not read (null) or did not send (an older collector) sorts below 0.
  const value = (p: ProcessRow): string | number => p[k] ?? -1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y) : (x as number) - (y as number);
    return c * sign || a.pid - b.pid;
  });
}
