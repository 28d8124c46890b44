/**
 * Socket inode → owning process, found by reading the links in /proc/<pid>/fd ("socket:[12345]"), as ss -p
 * and lsof do. Reading every fd link is costly, so results are cached and the fd directories are scanned
 * again only when the socket table holds an inode we have never looked for.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { errorCode, readSmallFile } from './read';

export interface SocketOwner {
  readonly pid: number;
  /** comm of the process. */
  readonly process: string;
}

/** The two filesystem calls a scan makes; injectable so tests can simulate EACCES while running as root. */
export interface FdDirOps {
  readdir(path: string): string[];
  readlink(path: string): string;
}

const realFs: FdDirOps = { readdir: (p) => readdirSync(p), readlink: (p) => readlinkSync(p) };

export class SocketOwners {
  private owners = new Map<number, SocketOwner>();
  /** Inodes the last scan looked for and did not find (hidden, or held by no process). */
  private missing = new Set<number>();
  private denied = false;
  /** fd-directory scans so far (tests check the cache with it). */
  scans = 0;

  constructor(
    private readonly procRoot: string,
    private readonly fs: FdDirOps = realFs,
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
    const found = new Map<number, SocketOwner>();
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
      const dir = `${this.procRoot}/${entry}/fd`;
      let fds: string[];
      try {
        fds = this.fs.readdir(dir);
      } catch (err) {
        if (errorCode(err) === 'EACCES' || errorCode(err) === 'EPERM') denied = true;
        continue;
      }
      let name: string | null = null;
      for (const fd of fds) {
        let link: string;
        try {
          link = this.fs.readlink(`${dir}/${fd}`);
        } catch (err) {
          // Some processes list their fds but refuse the links (no ptrace access): then they refuse them all.
          if (errorCode(err) === 'EACCES' || errorCode(err) === 'EPERM') {
            denied = true;
            break;
          }
          continue;
        }
        if (!link.startsWith('socket:[')) continue;
        const ino = Number(link.slice(8, -1));
        // A socket shared after fork belongs to several processes: keep the first (lowest) pid, the parent.
        if (!wanted.has(ino) || found.has(ino)) continue;
        name ??= (readSmallFile(`${this.procRoot}/${entry}/comm`) ?? '').trimEnd();
        found.set(ino, { pid: Number(entry), process: name });
      }
    }
    this.owners = found;
    this.missing = new Set([...wanted].filter((ino) => !found.has(ino)));
    this.denied = denied;
  }
}
