/**
 * A short per-host history of the process table, so that causes can name a process: the collector sends
 * only the latest table (every 2 s) and the console keeps only the latest one. Bounded on purpose: per
 * snapshot only the top `topK` processes by CPU, by RSS, by disk reads and by disk writes are kept,
 * snapshots at most one per `spacingMs`, for `keepMs`. A process missing from a snapshot was below that
 * snapshot's cut-off, so its value there is read as the cut-off (an upper bound; 0 for CPU when every
 * process is kept, and for disk I/O on a host where fewer than `topK` processes touched the disk), except
 * in a snapshot taken before it started (its start time, from the table): there it did not exist, and its
 * values are 0. Disk rates a collector could not read (another user's process, an older collector) are
 * kept as 0.
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
  readonly startMs: number;
  readonly kernel: boolean;
  readonly cpuPct: number;
  readonly rssBytes: number;
  readonly readBps: number;
  readonly writeBps: number;
}

interface Snapshot {
  readonly ts: number;
  readonly procs: ReadonlyMap<number, Kept>;
  /** Lowest kept CPU among the top-K by CPU (0 when every process was kept). */
  readonly cpuCut: number;
  readonly rssCut: number;
  readonly readCut: number;
  readonly writeCut: number;
}

/** One process over the history: aligned with the snapshot times. */
export interface ProcessTrack {
  readonly pid: number;
  readonly name: string;
  /**
   * When it started (ms since the epoch, the table's start time; NaN where the table gave none). In the
   * snapshots before it, its values are 0: a new process's memory rose from nothing, not from the cut-off.
   */
  readonly startMs: number;
  /**
   * A kernel thread (`kworker/…`, `kswapd0`, `jbd2/…`): kthreadd (pid 2) or its child, with no command
   * line. No command line alone is not enough: a zombie has none either, and a process that burned a CPU
   * and then lingered unreaped is still a cause.
   */
  readonly kernel: boolean;
  readonly t: readonly number[];
  readonly cpuPct: readonly number[];
  readonly rssBytes: readonly number[];
  /** Bytes a second read from and written to storage (ProcessRow.readBps / writeBps). */
  readonly readBps: readonly number[];
  readonly writeBps: readonly number[];
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
    const seen = new Map<number, Kept>();
    for (const s of snaps) for (const p of s.procs.values()) seen.set(p.pid, p);
    const t = snaps.map((s) => s.ts);
    return [...seen.values()].map(({ pid, name, startMs, kernel }) => {
      const cpuPct: number[] = [];
      const rssBytes: number[] = [];
      const readBps: number[] = [];
      const writeBps: number[] = [];
      for (const s of snaps) {
        const p = s.procs.get(pid);
        // Missing from a snapshot taken before its start (a NaN start compares false: the cut-off).
        const absent = s.ts < startMs ? 0 : null;
        cpuPct.push(p?.cpuPct ?? absent ?? s.cpuCut);
        rssBytes.push(p?.rssBytes ?? absent ?? s.rssCut);
        readBps.push(p?.readBps ?? absent ?? s.readCut);
        writeBps.push(p?.writeBps ?? absent ?? s.writeCut);
      }
      return { pid, name, startMs, kernel, t, cpuPct, rssBytes, readBps, writeBps };
    });
  }
}

function snapshot(ts: number, procs: readonly ProcessRow[], k: number): Snapshot {
  const cpuOf = (p: ProcessRow): number => finite(p.cpuPct);
  const rssOf = (p: ProcessRow): number => finite(p.rssBytes);
  const byCpu = topK(procs, k, cpuOf, false);
  const byRss = topK(procs, k, rssOf, false);
  // Disk rates: only processes that touched the disk. Most do not, and keeping k of them at 0 for every
  // snapshot would double what a quiet host's history holds; their value is the cut (0) anyway.
  const byRead = topK(procs, k, readOf, true);
  const byWrite = topK(procs, k, writeOf, true);
  const kept = new Map<number, Kept>();
  for (const list of [byCpu, byRss, byRead, byWrite]) {
    for (const p of list) if (!kept.has(p.pid)) kept.set(p.pid, { pid: p.pid, name: p.name, startMs: finiteOrNaN(p.startMs), kernel: isKernelThread(p), cpuPct: cpuOf(p), rssBytes: rssOf(p), readBps: readOf(p), writeBps: writeOf(p) });
  }
  const all = procs.length <= k;
  // The k-th value when k were kept, else 0 (every process kept, or fewer than k touched the disk).
  const cut = (rows: readonly ProcessRow[], value: (p: ProcessRow) => number): number => (all || rows.length < k ? 0 : value(rows[k - 1]!));
  return { ts, procs: kept, cpuCut: cut(byCpu, cpuOf), rssCut: cut(byRss, rssOf), readCut: cut(byRead, readOf), writeCut: cut(byWrite, writeOf) };
}

/**
 * The `k` processes with the largest `value`, largest first; ties keep table order (as a stable sort would).
 * A bounded insertion instead of sorting the table: four measures per snapshot sorted in full cost 149 µs
 * for 300 processes against 51 µs for the two measures before disk I/O (session 8, scratch timing); a
 * process below the current k-th costs one comparison.
 */
export function topK(procs: readonly ProcessRow[], k: number, value: (p: ProcessRow) => number, positiveOnly: boolean): ProcessRow[] {
  const rows: ProcessRow[] = [];
  const vals: number[] = [];
  for (const p of procs) {
    const v = value(p);
    if (positiveOnly && !(v > 0)) continue;
    if (rows.length === k && !(v > vals[k - 1]!)) continue;
    let i = rows.length < k ? rows.length : k - 1;
    rows[i] = p;
    vals[i] = v;
    for (; i > 0 && vals[i - 1]! < v; i--) {
      rows[i] = rows[i - 1]!;
      vals[i] = vals[i - 1]!;
      rows[i - 1] = p;
      vals[i - 1] = v;
    }
  }
  return rows;
}

function readOf(p: ProcessRow): number {
  return finite(p.readBps ?? 0);
}

function writeOf(p: ProcessRow): number {
  return finite(p.writeBps ?? 0);
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function finiteOrNaN(x: number): number {
  return Number.isFinite(x) ? x : NaN;
}

function isKernelThread(p: ProcessRow): boolean {
  return p.cmd === '' && (p.pid === 2 || p.ppid === 2);
}
