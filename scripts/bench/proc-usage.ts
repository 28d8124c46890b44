/**
 * CPU time and memory of a process tree, read from /proc (Linux only).
 *
 * CPU: utime + stime + cutime + cstime of the process and of each live descendant, so time spent by a
 * child that exited and was reaped (folded into its parent's cutime/cstime) is never lost or counted twice.
 * Memory: VmRSS / VmHWM from /proc/<pid>/status, in kB as the kernel reports them.
 */
import fs from 'node:fs';

/** Clock ticks per second of the times in /proc/<pid>/stat (USER_HZ; 100 on every Linux we run on). */
export const CLOCK_TICKS_PER_SEC = 100;

export interface ProcStat {
  readonly pid: number;
  /** comm, without the parentheses. */
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** Clock ticks spent in user mode. */
  readonly utime: number;
  /** Clock ticks spent in kernel mode. */
  readonly stime: number;
  /** Clock ticks of waited-for children, user mode. */
  readonly cutime: number;
  /** Clock ticks of waited-for children, kernel mode. */
  readonly cstime: number;
  readonly threads: number;
}

/**
 * Parse the text of /proc/<pid>/stat. The comm field is in parentheses and may itself contain spaces and
 * ')' characters, so fields are counted from the LAST ')'. Returns null for text that is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ") ": field 3 (state) is rest[0]; field N is rest[N - 3].
  const rest = text.slice(close + 2).trim().split(' ');
  if (!Number.isInteger(pid) || rest.length < 18) return null;
  const field = (n: number): number => Number(rest[n - 3]);
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    threads: field(20),
  };
  for (const v of [stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime]) if (!Number.isFinite(v)) return null;
  return stat;
}

export interface ProcMemory {
  /** Resident set size now, kB. */
  readonly rssKb: number;
  /** Peak resident set size ("high water mark"), kB. */
  readonly hwmKb: number;
  /** Anonymous resident memory now (heap, stacks), kB. */
  readonly rssAnonKb: number;
  /** File-backed resident memory now (code, mmapped files such as an LMDB map), kB. */
  readonly rssFileKb: number;
}

/** Parse VmRSS, VmHWM, RssAnon and RssFile out of /proc/<pid>/status; missing fields (kernel threads, zombies) read as 0. */
export function parseProcStatus(text: string): ProcMemory {
  const kb = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), rssAnonKb: kb('RssAnon'), rssFileKb: kb('RssFile') };
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null; // the process exited between listing and reading
  }
}

export function readProcStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  return text === null ? null : parseProcStat(text);
}

/** Pids of every process on the machine (numeric entries of /proc; threads are not listed there). */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const n = Number(name);
    if (Number.isInteger(n) && n > 0) pids.push(n);
  }
  return pids;
}

/** Processes on the machine now. */
export function countProcesses(): number {
  return listPids().length;
}

/** The pid and all of its live descendants (one scan of /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of listPids()) {
    const s = readProcStat(pid);
    if (!s) continue;
    const list = children.get(s.ppid);
    if (list) list.push(pid);
    else children.set(s.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  // Bounded: a pid is visited once, and there are finitely many.
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface TreeUsage {
  /** When it was read, ms (performance.now()). */
  readonly atMs: number;
  /** CPU seconds used so far by the tree (see the file comment). */
  readonly cpuSec: number;
  /** Sum of VmRSS over the tree, kB. */
  readonly rssKb: number;
  /** VmHWM of the root process, kB. */
  readonly rootHwmKb: number;
  /** Sum of RssAnon over the tree, kB (RSS without file-backed pages such as mmapped databases). */
  readonly rssAnonKb: number;
  /** Processes in the tree (root included), 0 once the root is gone. */
  readonly processes: number;
}

/** Read the CPU and memory of `root` and its descendants now; null when the root process is gone. */
export function readTreeUsage(root: number): TreeUsage | null {
  const atMs = performance.now();
  if (!readProcStat(root)) return null;
  let ticks = 0;
  let rssKb = 0;
  let rootHwmKb = 0;
  let rssAnonKb = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    const s = readProcStat(pid);
    if (!s) continue;
    ticks += s.utime + s.stime + s.cutime + s.cstime;
    processes++;
    const status = readText(`/proc/${pid}/status`);
    const mem = status === null ? null : parseProcStatus(status);
    if (!mem) continue;
    rssKb += mem.rssKb;
    rssAnonKb += mem.rssAnonKb;
    if (pid === root) rootHwmKb = mem.hwmKb;
  }
  return { atMs, cpuSec: ticks / CLOCK_TICKS_PER_SEC, rssKb, rootHwmKb, rssAnonKb, processes };
}

/** CPU used between two readings, percent of one core. */
export function cpuPctOfCore(from: TreeUsage, to: TreeUsage): number {
  const wallSec = (to.atMs - from.atMs) / 1000;
  return wallSec > 0 ? ((to.cpuSec - from.cpuSec) / wallSec) * 100 : 0;
}

/**
 * Samples a process tree at a fixed interval, keeping the peak of the tree's summed RSS, so a tree whose
 * children come and go still gets a peak (VmHWM only covers one process).
 */
export class TreeSampler {
  private timer: NodeJS.Timeout | null = null;
  peakRssKb = 0;
  /** Largest summed RssAnon seen, kB (sampled, so a lower bound of the true peak). */
  peakRssAnonKb = 0;
  last: TreeUsage | null = null;

  constructor(
    readonly pid: number,
    private readonly everyMs = 1000,
  ) {}

  sample(): TreeUsage | null {
    const u = readTreeUsage(this.pid);
    if (u) {
      this.last = u;
      this.peakRssKb = Math.max(this.peakRssKb, u.rssKb, u.rootHwmKb);
      this.peakRssAnonKb = Math.max(this.peakRssAnonKb, u.rssAnonKb);
    }
    return u;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Peak RSS, MiB (VmHWM of the root or the largest summed RSS of the tree seen, whichever is larger). */
  peakRssMB(): number {
    return this.peakRssKb / 1024;
  }
}
