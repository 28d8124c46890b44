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
import { detachString } from '../detach';

export interface ProcessHistoryOptions {
  readonly topK: number;
  readonly spacingMs: number;
  readonly keepMs: number;
  /** Hosts tracked at most (the least recently updated are dropped). */
  readonly maxHosts: number;
}

export const DEFAULT_PROCESS_HISTORY: ProcessHistoryOptions = { topK: 16, spacingMs: 2_000, keepMs: 15 * 60_000, maxHosts: 2_000 };

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
  private readonly hosts = new Map<string, HostHistory>();

  constructor(options: Partial<ProcessHistoryOptions> = {}) {
    this.options = { ...DEFAULT_PROCESS_HISTORY, ...options };
  }

  /** A process table of a host (collector time `ts`). */
  add(hostId: string, ts: number, procs: readonly ProcessRow[]): void {
    let host = this.hosts.get(hostId);
    const last = host?.lastTs() ?? null;
    if (last !== null && ts - last < this.options.spacingMs) return;
    if (host === undefined) {
      if (this.hosts.size >= this.options.maxHosts) this.hosts.delete(this.hosts.keys().next().value as string);
      // Snapshots at least spacingMs apart within keepMs (both ends kept): at most this many at once.
      host = new HostHistory(Math.floor(this.options.keepMs / this.options.spacingMs) + 1);
    } else {
      this.hosts.delete(hostId); // re-inserted below: Map order is least recently updated first
    }
    this.hosts.set(hostId, host);
    host.push(ts, procs, this.options.topK);
    host.dropBefore(ts - this.options.keepMs);
  }

  /** Earliest snapshot time kept for a host, or null. */
  since(hostId: string): number | null {
    return this.hosts.get(hostId)?.firstTs() ?? null;
  }

  /** Every process seen in the host's snapshots within [from, to], with a value in each snapshot. */
  tracks(hostId: string, from: number, to: number): ProcessTrack[] {
    return this.hosts.get(hostId)?.tracks(from, to) ?? [];
  }
}

/** Values per kept row, in this order. */
const CPU = 0;
const RSS = 1;
const READ = 2;
const WRITE = 3;
const VALUES = 4;
/** Per kept row, the rates' places in its float32 triple (RSS has its own float64). */
const RATE_SLOT = [0, -1, 1, 2];
const RATES = 3;
/** Per snapshot: its time, its first row (a position in the row ring), its row count and the four cut-offs. */
const SNAP_TS = 0;
const SNAP_ROW = 1;
const SNAP_ROWS = 2;
const SNAP_CUT = 3;
const SNAP_FIELDS = SNAP_CUT + VALUES;

/**
 * One host's snapshots, packed (session 13). Kept as objects, a snapshot cost ~25 KB (`npm run bench --
 * process-history`: 11.3 MB per host, 10.8 GB at 1,000 hosts): a row object per kept process, and above
 * all its name, a string decoded from the table's frame, which V8 keeps as a slice of a chunk of the
 * frame's text, so every snapshot held its frame's strings alive (detach.ts). Here a process's identity
 * (pid, name, start, kernel flag) is stored once per host, with the name copied out of the frame, and each
 * snapshot is a run of rows in ring buffers of typed arrays: an identity index, the resident memory
 * (float64, as sent) and the three rates (CPU, reads, writes: float32, 7 significant digits, far finer than
 * a 2-second scan measures them): 411 KB per host, 392 MiB at 1,000 hosts. Rows are written once and read
 * only by `tracks`, which assembles each process's values snapshot by snapshot as before.
 */
class HostHistory {
  /** @param maxSnaps snapshots held at most (the rings are sized towards it, with little to spare). */
  constructor(private readonly maxSnaps: number) {}

  // Identities, by index; a free index is reused. `refs` counts the kept rows naming it.
  private readonly pid: number[] = [];
  private readonly name: string[] = [];
  private readonly start: number[] = [];
  private readonly kernel: boolean[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];
  /** pid → its identities' indices (more than one only across pid reuse). */
  private readonly byPid = new Map<number, number[]>();

  private snaps = new Float64Array(0);
  private snapHead = 0;
  private snapLen = 0;
  private rowIds = new Uint32Array(0);
  private rowRss = new Float64Array(0);
  private rowRates = new Float32Array(0);
  private rowHead = 0;
  private rowLen = 0;

  lastTs(): number | null {
    return this.snapLen === 0 ? null : this.snapField(this.snapLen - 1, SNAP_TS);
  }

  firstTs(): number | null {
    return this.snapLen === 0 ? null : this.snapField(0, SNAP_TS);
  }

  push(ts: number, procs: readonly ProcessRow[], k: number): void {
    const cpuOf = (p: ProcessRow): number => finite(p.cpuPct);
    const rssOf = (p: ProcessRow): number => finite(p.rssBytes);
    const byCpu = topK(procs, k, cpuOf, false);
    const byRss = topK(procs, k, rssOf, false);
    // Disk rates: only processes that touched the disk. Most do not, and keeping k of them at 0 for every
    // snapshot would double what a quiet host's history holds; their value is the cut (0) anyway.
    const byRead = topK(procs, k, readOf, true);
    const byWrite = topK(procs, k, writeOf, true);
    const kept = new Set<ProcessRow>();
    const pids = new Set<number>();
    for (const list of [byCpu, byRss, byRead, byWrite]) {
      for (const p of list) {
        if (pids.has(p.pid)) continue;
        pids.add(p.pid);
        kept.add(p);
      }
    }
    const all = procs.length <= k;
    // The k-th value when k were kept, else 0 (every process kept, or fewer than k touched the disk).
    const cut = (rows: readonly ProcessRow[], value: (p: ProcessRow) => number): number => (all || rows.length < k ? 0 : value(rows[k - 1]!));
    this.reserveRows(kept.size);
    this.reserveSnaps();
    const s = this.snapPos(this.snapLen);
    this.snaps[s + SNAP_TS] = ts;
    this.snaps[s + SNAP_ROW] = (this.rowHead + this.rowLen) % this.rowIds.length;
    this.snaps[s + SNAP_ROWS] = kept.size;
    this.snaps[s + SNAP_CUT + CPU] = cut(byCpu, cpuOf);
    this.snaps[s + SNAP_CUT + RSS] = cut(byRss, rssOf);
    this.snaps[s + SNAP_CUT + READ] = cut(byRead, readOf);
    this.snaps[s + SNAP_CUT + WRITE] = cut(byWrite, writeOf);
    this.snapLen++;
    for (const p of kept) {
      const r = (this.rowHead + this.rowLen) % this.rowIds.length;
      this.rowIds[r] = this.identity(p);
      this.rowRss[r] = rssOf(p);
      this.rowRates[r * RATES + RATE_SLOT[CPU]!] = cpuOf(p);
      this.rowRates[r * RATES + RATE_SLOT[READ]!] = readOf(p);
      this.rowRates[r * RATES + RATE_SLOT[WRITE]!] = writeOf(p);
      this.rowLen++;
    }
  }

  /** Drops the snapshots older than `oldest`. */
  dropBefore(oldest: number): void {
    while (this.snapLen > 0 && this.snapField(0, SNAP_TS) < oldest) {
      const n = this.snapField(0, SNAP_ROWS);
      for (let j = 0; j < n; j++) this.release(this.rowIds[(this.rowHead + j) % this.rowIds.length]!);
      this.rowHead = (this.rowHead + n) % this.rowIds.length;
      this.rowLen -= n;
      this.snapHead = (this.snapHead + 1) % (this.snaps.length / SNAP_FIELDS);
      this.snapLen--;
    }
  }

  tracks(from: number, to: number): ProcessTrack[] {
    const idx: number[] = [];
    for (let i = 0; i < this.snapLen; i++) {
      const ts = this.snapField(i, SNAP_TS);
      if (ts >= from && ts <= to) idx.push(i);
    }
    const t = idx.map((i) => this.snapField(i, SNAP_TS));
    // A pid's track takes the identity of the latest row with that pid; its values, in each snapshot, are
    // those of the row with that pid there (so across pid reuse, of whichever process held it then).
    const perPid = new Map<number, { id: number; values: number[][] }>();
    const ring = this.rowIds.length;
    idx.forEach((i, k) => {
      const first = this.snapField(i, SNAP_ROW);
      const n = this.snapField(i, SNAP_ROWS);
      for (let j = 0; j < n; j++) {
        const r = (first + j) % ring;
        const id = this.rowIds[r]!;
        let track = perPid.get(this.pid[id]!);
        if (track === undefined) {
          track = { id, values: [new Array<number>(t.length).fill(NaN), new Array<number>(t.length).fill(NaN), new Array<number>(t.length).fill(NaN), new Array<number>(t.length).fill(NaN)] };
          perPid.set(this.pid[id]!, track);
        }
        track.id = id;
        for (let v = 0; v < VALUES; v++) track.values[v]![k] = v === RSS ? this.rowRss[r]! : this.rowRates[r * RATES + RATE_SLOT[v]!]!;
      }
    });
    return [...perPid.values()].map(({ id, values }) => {
      const startMs = this.start[id]!;
      idx.forEach((i, k) => {
        // Missing from a snapshot taken before its start (a NaN start compares false: the cut-off).
        const absent = t[k]! < startMs;
        for (let v = 0; v < VALUES; v++) if (Number.isNaN(values[v]![k])) values[v]![k] = absent ? 0 : this.snapField(i, SNAP_CUT + v);
      });
      return { pid: this.pid[id]!, name: this.name[id]!, startMs, kernel: this.kernel[id]!, t, cpuPct: values[CPU]!, rssBytes: values[RSS]!, readBps: values[READ]!, writeBps: values[WRITE]! };
    });
  }

  /** The identity index of a row's process (a new one is stored with its own copy of the name). */
  private identity(p: ProcessRow): number {
    const startMs = finiteOrNaN(p.startMs);
    const kernel = isKernelThread(p);
    const same = this.byPid.get(p.pid);
    const found = same?.find((i) => this.name[i] === p.name && Object.is(this.start[i], startMs) && this.kernel[i] === kernel);
    if (found !== undefined) {
      this.refs[found]!++;
      return found;
    }
    const i = this.free.pop() ?? this.pid.length;
    this.pid[i] = p.pid;
    this.name[i] = detachString(p.name);
    this.start[i] = startMs;
    this.kernel[i] = kernel;
    this.refs[i] = 1;
    if (same === undefined) this.byPid.set(p.pid, [i]);
    else same.push(i);
    return i;
  }

  private release(i: number): void {
    if (--this.refs[i]! > 0) return;
    const same = this.byPid.get(this.pid[i]!)!;
    if (same.length === 1) this.byPid.delete(this.pid[i]!);
    else same.splice(same.indexOf(i), 1);
    this.name[i] = '';
    this.free.push(i);
  }

  private snapPos(i: number): number {
    return ((this.snapHead + i) % (this.snaps.length / SNAP_FIELDS)) * SNAP_FIELDS;
  }

  private snapField(i: number, field: number): number {
    return this.snaps[this.snapPos(i) + field]!;
  }

  /** Room for one more snapshot (the ring doubles, up to maxSnaps, unrolled into order). */
  private reserveSnaps(): void {
    const cap = this.snaps.length / SNAP_FIELDS;
    if (this.snapLen < cap) return;
    const next = new Float64Array(Math.max(cap + 1, Math.min(this.maxSnaps, Math.max(16, 2 * cap))) * SNAP_FIELDS);
    for (let i = 0; i < this.snapLen; i++) next.set(this.snaps.subarray(this.snapPos(i), this.snapPos(i) + SNAP_FIELDS), i * SNAP_FIELDS);
    this.snaps = next;
    this.snapHead = 0;
  }

  /** Room for `n` more rows; the snapshots' first rows move with them. */
  private reserveRows(n: number): void {
    const cap = this.rowIds.length;
    if (cap > 0 && this.rowLen + n <= cap) return;
    // Towards the rows of a full history at the mean rows per snapshot so far (5 % to spare), at most
    // doubling the snapshots it is sized for: growing by a fixed factor left up to a quarter unused.
    const snaps = this.snapLen + 1;
    const size = Math.max(64, this.rowLen + n, Math.ceil(((this.rowLen + n) / snaps) * Math.min(this.maxSnaps, 2 * snaps) * 1.05));
    const ids = new Uint32Array(size);
    const rss = new Float64Array(size);
    const rates = new Float32Array(size * RATES);
    for (let j = 0; j < this.rowLen; j++) {
      const r = (this.rowHead + j) % cap;
      ids[j] = this.rowIds[r]!;
      rss[j] = this.rowRss[r]!;
      rates.set(this.rowRates.subarray(r * RATES, r * RATES + RATES), j * RATES);
    }
    for (let i = 0; i < this.snapLen; i++) {
      const s = this.snapPos(i);
      this.snaps[s + SNAP_ROW] = (this.snaps[s + SNAP_ROW]! - this.rowHead + cap) % cap;
    }
    this.rowIds = ids;
    this.rowRss = rss;
    this.rowRates = rates;
    this.rowHead = 0;
  }
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
