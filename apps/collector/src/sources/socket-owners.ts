/**
 * Socket inode → owning process, found by reading the links in /proc/<pid>/fd ("socket:[12345]"), as ss -p
 * and lsof do. Reading every fd link is costly (it was the collector's largest syscall cost on a busy machine,
 * measured with perf), so:
 *  - fd directories are scanned again only when the socket table holds an inode we have never looked for;
 *  - within a scan, a process whose descriptor count (one stat() on procfs, see pid-files.ts) is unchanged
 *    since it was last read keeps its cached socket inodes, and only new or changed processes are read;
 *  - a process that closed one socket and opened another keeps its count, so the cache is dropped and every
 *    process read again when a scan leaves inodes unfound and the last full read is older than FULL_EVERY_MS.
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { errorCode, readSmallFile } from './read';
import { isProcfs } from './pid-files';

export interface SocketOwner {
  readonly pid: number;
  /** comm of the process. */
  readonly process: string;
}

/** The filesystem calls a scan makes; injectable so tests can simulate EACCES while running as root. */
export interface FdDirOps {
  readdir(path: string): string[];
  readlink(path: string): string;
  /** Open descriptors of the process owning the fd directory, or null when unknown (then it is always read). */
  fdCount?(path: string): number | null;
}

function realFs(procRoot: string): FdDirOps {
  const procfs = isProcfs(procRoot);
  return {
    readdir: (p) => readdirSync(p),
    readlink: (p) => readlinkSync(p),
    // st_size of /proc/<pid>/fd is the descriptor count since Linux 6.2 (0 before: unknown).
    fdCount: procfs ? (p) => statSync(p).size || null : () => null,
  };
}

/** Most ms between two full reads of every process's links while some inodes stay unfound. */
const FULL_EVERY_MS = 60_000;

/** What one process's fd directory held when last read. */
interface PidSockets {
  readonly fdCount: number | null;
  readonly inodes: readonly number[];
  readonly name: string;
}

export class SocketOwners {
  private owners = new Map<number, SocketOwner>();
  /** Inodes the last scan looked for and did not find (hidden, or held by no process). */
  private missing = new Set<number>();
  private denied = false;
  private byPid = new Map<number, PidSockets>();
  private lastFullMs = -Infinity;
  /** fd-directory scans so far (tests check the cache with it). */
  scans = 0;
  /** Processes whose fd links were read, over all scans (tests check the per-process cache with it). */
  pidReads = 0;

  constructor(
    private readonly procRoot: string,
    private readonly fs: FdDirOps = realFs(procRoot),
    private readonly now: () => number = Date.now,
  ) {}
  /** Whether the last scan was refused some /proc/<pid>/fd (so unowned sockets may be another user's). */
  get lastScanDenied(): boolean {
    return this.denied;
  }

  /** Make owners known for `inodes` (the current table), and forget inodes no longer in it. */
  update(inodes: ReadonlySet<number>): void {
    let unknown = false;
    for (const ino of inodes) {
      if (!this.owners.has(ino) && !this.missing.has(ino)) {
        unknown = true;
        break;
      }
    }
    if (unknown) this.scan(inodes);
    for (const ino of this.owners.keys()) if (!inodes.has(ino)) this.owners.delete(ino);
    for (const ino of this.missing) if (!inodes.has(ino)) this.missing.delete(ino);
  }

  get(inode: number): SocketOwner | undefined {
    return this.owners.get(inode);
  }

  private scan(wanted: ReadonlySet<number>): void {
    this.scans++;
    const full = this.missing.size > 0 && this.now() - this.lastFullMs >= FULL_EVERY_MS;
    if (full || this.lastFullMs === -Infinity) {
      this.byPid.clear();
      this.lastFullMs = this.now();
    }
    const found = new Map<number, SocketOwner>();
    const seen = new Map<number, PidSockets>();
    let denied = false;
    let pids: string[];
    try {
      pids = this.fs.readdir(this.procRoot);
    } catch {
      pids = [];
    }
    for (const entry of pids) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(entry);
      const dir = `${this.procRoot}/${entry}/fd`;
      let count: number | null = null;
      try {
        count = this.fs.fdCount?.(dir) ?? null;
      } catch {
        continue; // exited
      }
      const cached = this.byPid.get(pid);
      let sockets: PidSockets | null = cached !== undefined && count !== null && cached.fdCount === count ? cached : null;
      if (sockets === null) {
        const read = this.readPid(entry, dir, count);
        if (read === 'denied') denied = true;
        if (typeof read === 'string') continue;
        sockets = read;
      }
      seen.set(pid, sockets);
      // A socket shared after fork belongs to several processes: keep the first (lowest) pid, the parent.
      for (const ino of sockets.inodes) if (wanted.has(ino) && !found.has(ino)) found.set(ino, { pid, process: sockets.name });
    }
    this.byPid = seen;
    this.owners = found;
    this.missing = new Set([...wanted].filter((ino) => !found.has(ino)));
    this.denied = denied;
  }

  /** The socket inodes in one process's fd directory, or why they cannot be read. */
  private readPid(entry: string, dir: string, fdCount: number | null): PidSockets | 'denied' | 'gone' {
    this.pidReads++;
    let fds: string[];
    try {
      fds = this.fs.readdir(dir);
    } catch (err) {
      return errorCode(err) === 'EACCES' || errorCode(err) === 'EPERM' ? 'denied' : 'gone';
    }
    const inodes: number[] = [];
    for (const fd of fds) {
      let link: string;
      try {
        link = this.fs.readlink(`${dir}/${fd}`);
      } catch (err) {
        // Some processes list their fds but refuse the links (no ptrace access): then they refuse them all.
        if (errorCode(err) === 'EACCES' || errorCode(err) === 'EPERM') return 'denied';
        continue;
      }
      if (link.startsWith('socket:[')) inodes.push(Number(link.slice(8, -1)));
    }
    const name = inodes.length > 0 ? (readSmallFile(`${this.procRoot}/${entry}/comm`) ?? '').trimEnd() : '';
    return { fdCount, inodes, name };
  }
}
