/**
 * A short per-host history of the process table, so that causes can name a process: the collector sends
 * only the latest table (every 2 s) and the console keeps only the latest one. Bounded on purpose: per
 * snapshot only the top `topK` processes by CPU and the top `topK` by RSS are kept, snapshots at most one
 * per `spacingMs`, for `keepMs`. A process missing from a snapshot was below that snapshot's cut-off, so
 * its value there is read as the cut-off (an upper bound; 0 for CPU when every process is kept).
 */
import type { ProcessRow } from '@cerebro/shared/protocol/messages';

export interface ProcessHistoryOptions {
  readonly topK: number;
  readonly spacingMs: number;
  readonly keepMs: number;
  /** Hosts tracked at most (the least recently updated are dropped). */
  readonly maxHosts: number;
}

export const DEFAULT_PROCESS_HISTORY: ProcessHistoryOptions = { topK: 16, spacingMs: 2_000, keepMs: 15 * 60_000, maxHosts: 2_000 };

interface Kept {
  readonly pid: number;
  readonly name: string;
  readonly cpuPct: number;
  readonly rssBytes: number;
}

interface Snapshot {
  readonly ts: number;
  readonly procs: ReadonlyMap<number, Kept>;
  /** Lowest kept CPU among the top-K by CPU (0 when every process was kept). */
  readonly cpuCut: number;
  readonly rssCut: number;
}

/** One process over the history: aligned with the snapshot times. */
export interface ProcessTrack {
  readonly pid: number;
  readonly name: string;
  readonly t: readonly number[];
  readonly cpuPct: readonly number[];
  readonly rssBytes: readonly number[];
}

export class ProcessHistory {
  readonly options: ProcessHistoryOptions;
  private readonly hosts = new Map<string, Snapshot[]>();

  constructor(options: Partial<ProcessHistoryOptions> = {}) {
    this.options = { ...DEFAULT_PROCESS_HISTORY, ...options };
  }

  /** A process table of a host (collector time `ts`). */
  add(hostId: string, ts: number, procs: readonly ProcessRow[]): void {
    let snaps = this.hosts.get(hostId);
    const last = snaps?.[snaps.length - 1];
    if (last !== undefined && ts - last.ts < this.options.spacingMs) return;
    if (snaps === undefined) {
      if (this.hosts.size >= this.options.maxHosts) this.hosts.delete(this.hosts.keys().next().value as string);
      snaps = [];
    } else {
      this.hosts.delete(hostId); // re-inserted below: Map order is least recently updated first
    }
    this.hosts.set(hostId, snaps);
    snaps.push(snapshot(ts, procs, this.options.topK));
    while (snaps.length > 0 && ts - snaps[0]!.ts > this.options.keepMs) snaps.shift();
  }

  /** Earliest snapshot time kept for a host, or null. */
  since(hostId: string): number | null {
    return this.hosts.get(hostId)?.[0]?.ts ?? null;
  }

  /** Every process seen in the host's snapshots within [from, to], with a value in each snapshot. */
  tracks(hostId: string, from: number, to: number): ProcessTrack[] {
    const snaps = (this.hosts.get(hostId) ?? []).filter((s) => s.ts >= from && s.ts <= to);
    const seen = new Map<number, string>();
    for (const s of snaps) for (const p of s.procs.values()) seen.set(p.pid, p.name);
    const t = snaps.map((s) => s.ts);
    return [...seen].map(([pid, name]) => {
      const cpuPct: number[] = [];
      const rssBytes: number[] = [];
      for (const s of snaps) {
        const p = s.procs.get(pid);
        cpuPct.push(p?.cpuPct ?? s.cpuCut);
        rssBytes.push(p?.rssBytes ?? s.rssCut);
      }
      return { pid, name, t, cpuPct, rssBytes };
    });
  }
}

function snapshot(ts: number, procs: readonly ProcessRow[], k: number): Snapshot {
  const byCpu = [...procs].sort((a, b) => b.cpuPct - a.cpuPct).slice(0, k);
  const byRss = [...procs].sort((a, b) => b.rssBytes - a.rssBytes).slice(0, k);
  const kept = new Map<number, Kept>();
  for (const p of [...byCpu, ...byRss]) kept.set(p.pid, { pid: p.pid, name: p.name, cpuPct: finite(p.cpuPct), rssBytes: finite(p.rssBytes) });
  const all = procs.length <= k;
  return { ts, procs: kept, cpuCut: all ? 0 : finite(byCpu[byCpu.length - 1]?.cpuPct ?? 0), rssCut: all ? 0 : finite(byRss[byRss.length - 1]?.rssBytes ?? 0) };
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
