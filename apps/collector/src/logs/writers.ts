/**
 * Which process writes a followed log file, so that a log alert can name a process rather than only its
 * host: the processes holding the file open for writing (a link in /proc/<pid>/fd to its path, and
 * O_WRONLY or O_RDWR in /proc/<pid>/fdinfo/<fd>), as lsof does. The collector's own descriptors and
 * readers (`tail -f`, a pager) are left out.
 *
 * Cost: one pass over every fd directory the collector may read. It runs only when a file that got
 * records has no fresh answer, at most once per `minScanGapMs` (a file's first answer at once), and an answer stays fresh for
 * `freshMs`: on a host whose logs all have writers that is one pass every `freshMs` (60 s by default),
 * a few milliseconds each.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

export interface LogWriter {
  /** comm of the writing process. */
  readonly unit: string;
  readonly pid: number;
}

export interface LogWriterOptions {
  readonly procRoot: string;
  readonly freshMs: number;
  readonly minScanGapMs: number;
  /** Left out of the answers (the collector itself). */
  readonly selfPid: number;
}

export const DEFAULT_LOG_WRITER_OPTIONS: LogWriterOptions = { procRoot: '/proc', freshMs: 60_000, minScanGapMs: 10_000, selfPid: process.pid };

const O_ACCMODE = 3;

export class LogWriters {
  readonly options: LogWriterOptions;
  private readonly known = new Map<string, { writer: LogWriter | null; atMs: number }>();
  private lastScanMs = -Infinity;
  /** Full passes so far (tests read it). */
  scans = 0;

  constructor(options: Partial<LogWriterOptions> = {}) {
    this.options = { ...DEFAULT_LOG_WRITER_OPTIONS, ...options };
  }

  /** The writer of `path`, scanning first when the answer is stale and a scan is allowed; null when none is known. */
  of(path: string, nowMs: number): LogWriter | null {
    const k = this.known.get(path);
    if (k !== undefined && nowMs - k.atMs < this.options.freshMs) return k.writer;
    // A file never answered is scanned at once, gap or not (once per followed file): its first lines would
    // otherwise go without a writer until the gap is over, and a scan for another file meanwhile did not
    // include it. In the scenario runs supervisord's log got its first lines then, and its "stopped" line
    // after a restart came without a writer.
    if (k === undefined || nowMs - this.lastScanMs >= this.options.minScanGapMs) {
      const wanted = new Set([path]);
      for (const [p, v] of this.known) if (nowMs - v.atMs >= this.options.freshMs) wanted.add(p);
      this.scan(wanted, nowMs);
    }
    return this.known.get(path)?.writer ?? null;
  }

  /** Forget a file no longer followed. */
  forget(path: string): void {
    this.known.delete(path);
  }

  private scan(wanted: ReadonlySet<string>, nowMs: number): void {
    this.lastScanMs = nowMs;
    this.scans++;
    const found = new Map<string, LogWriter[]>();
    // fd links name the file by its canonical path.
    const real = new Map<string, string>();
    for (const p of wanted) real.set(canonical(p), p);
    const root = this.options.procRoot;
    let pids: string[];
    try {
      pids = readdirSync(root).filter((d) => /^\d+$/.test(d));
    } catch {
      pids = [];
    }
    for (const pid of pids) {
      if (Number(pid) === this.options.selfPid) continue;
      let fds: string[];
      try {
        fds = readdirSync(`${root}/${pid}/fd`);
      } catch {
        continue; // gone, or another user's process
      }
      for (const fd of fds) {
        let target: string;
        try {
          target = readlinkSync(`${root}/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const path = real.get(target);
        if (path === undefined || !writable(root, pid, fd)) continue;
        const list = found.get(path) ?? [];
        list.push({ unit: comm(root, pid), pid: Number(pid) });
        found.set(path, list);
      }
    }
    for (const p of wanted) {
      const list = found.get(p) ?? [];
      // Several writers of one name (a pre-forked server's workers): the first; of several names: none is the writer.
      const names = new Set(list.map((w) => w.unit));
      this.known.set(p, { writer: names.size === 1 ? list.sort((a, b) => a.pid - b.pid)[0]! : null, atMs: nowMs });
    }
  }
}

function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function writable(root: string, pid: string, fd: string): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`${root}/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & O_ACCMODE) !== 0;
  } catch {
    return false;
  }
}

function comm(root: string, pid: string): string {
  try {
    return readFileSync(`${root}/${pid}/comm`, 'utf8').trim();
  } catch {
    return `pid ${pid}`;
  }
}
