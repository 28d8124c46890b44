/**
 * Per-process reads that stay cheap on a real procfs.
 *
 * Measured with `strace -c` on the daemon (docs/benchmarks.md, collector): most of its CPU is kernel time, and
 * the process scan's open + read + read-to-EOF + close of /proc/<pid>/stat for every process was the largest
 * share of the syscalls. On procfs a /proc/<pid>/stat descriptor can be kept open and re-read with one pread at
 * offset 0 (the kernel formats it afresh); once the process exits the read fails with ESRCH, and a new process
 * that reuses the pid has a new /proc entry, so a kept descriptor can never show another process's numbers.
 * Counting open files by listing /proc/<pid>/fd is replaced by one stat(): since Linux 6.2 its st_size is the
 * number of open descriptors (0 on older kernels, where the listing is used instead).
 *
 * Neither trick holds on a copy of /proc in ordinary files (the parsers' fixtures), so both are used only when
 * the root is a procfs mount.
 */
import { closeSync, openSync, readdirSync, readSync, statfsSync, statSync } from 'node:fs';
import { errorCode, readSmallFile, SourceReadError } from './read';

const PROC_SUPER_MAGIC = 0x9fa0;
/** Codes that mean "this process is gone or hidden". */
const VANISHED = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'EINVAL']);

/** Whether `root` is a procfs mount (false for fixture trees and when it cannot be told). */
export function isProcfs(root: string): boolean {
  try {
    return statfsSync(root).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Kept-open descriptors of one per-process file (`stat`, `io`): the same trick holds for every procfs file
 * that the kernel formats on each read.
 */
export class PidFiles {
  private readonly fds = new Map<number, number>();
  private readonly denied = new Set<number>();
  /** One /proc/<pid>/stat line (or io block) is well under 1 KB; a longer one falls back to the open-and-read path. */
  private readonly buf = Buffer.allocUnsafe(4096);
  /** Reads answered by a kept descriptor (tests check that the cheap path is taken). */
  keptReads = 0;

  /**
   * @param keep keep descriptors open (true only on a real procfs)
   * @param maxOpen most descriptors kept; processes beyond it are read by opening their file each time, so a
   *   host with tens of thousands of processes cannot exhaust the collector's descriptor limit
   * @param file the file under /proc/<pid>
   */
  constructor(
    private readonly root: string,
    private readonly keep: boolean,
    private readonly maxOpen = 1024,
    private readonly file = 'stat',
  ) {}

  /**
   * The text of /proc/<pid>/<file>, or null when the process has gone or the file may not be read (`io` of
   * another user's process without CAP_SYS_PTRACE). Throws SourceReadError otherwise.
   */
  read(pid: number): string | null {
    const path = `${this.root}/${pid}/${this.file}`;
    if (!this.keep) return readSmallFile(path);
    if (this.denied.has(pid)) return null;
    let fd = this.fds.get(pid);
    if (fd === undefined) {
      if (this.fds.size >= this.maxOpen) return readSmallFile(path);
      try {
        fd = openSync(path, 'r');
      } catch (err) {
        const code = errorCode(err) ?? '';
        // A kernel that refuses the open itself (a hardened procfs) refuses it every time too.
        if (code === 'EACCES' || code === 'EPERM') this.denied.add(pid);
        if (VANISHED.has(code)) return null;
        throw new SourceReadError(path, err);
      }
      this.fds.set(pid, fd);
    }
    let n: number;
    try {
      n = readSync(fd, this.buf, 0, this.buf.length, 0);
    } catch (err) {
      this.drop(pid);
      const code = errorCode(err) ?? '';
      // procfs checks access to `io` on each read, not at open: a process we may not trace answers EACCES
      // every time, so it is asked no more while it lives (retain() forgets it once it has gone).
      if (code === 'EACCES' || code === 'EPERM') {
        this.denied.add(pid);
        return null;
      }
      if (!VANISHED.has(code)) throw new SourceReadError(path, err);
      // The process we had open exited; the pid may already belong to a new one: read that by path.
      return readSmallFile(path);
    }
    if (n === 0) {
      this.drop(pid);
      return readSmallFile(path);
    }
    if (n === this.buf.length) return readSmallFile(path);
    this.keptReads++;
    return this.buf.toString('utf8', 0, n);
  }

  /** Close the descriptors of processes not in `alive` (those that exited since the last scan). */
  retain(alive: (pid: number) => boolean): void {
    for (const pid of this.fds.keys()) if (!alive(pid)) this.drop(pid);
    for (const pid of this.denied) if (!alive(pid)) this.denied.delete(pid);
  }

  /**
   * Forget what is kept for `pid`: its process was replaced by another with the same pid (a new start
   * time), which may be readable where the old one was not.
   */
  forget(pid: number): void {
    this.drop(pid);
    this.denied.delete(pid);
  }

  /** Processes whose file may not be read (see read()). */
  get deniedCount(): number {
    return this.denied.size;
  }

  /** Whether a descriptor is kept for `pid`. */
  isOpen(pid: number): boolean {
    return this.fds.has(pid);
  }

  get openCount(): number {
    return this.fds.size;
  }

  close(): void {
    for (const pid of [...this.fds.keys()]) this.drop(pid);
  }

  private drop(pid: number): void {
    const fd = this.fds.get(pid);
    if (fd === undefined) return;
    this.fds.delete(pid);
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing to release.
    }
  }
}

/**
 * Open descriptors of a process, or null where /proc/<pid>/fd may not be read (another user's process without
 * privileges) or the process exited. `statCount`: trust stat()'s st_size (procfs on Linux ≥ 6.2).
 */
export function countFds(root: string, pid: number, statCount: boolean): number | null {
  const dir = `${root}/${pid}/fd`;
  try {
    if (statCount) {
      const size = statSync(dir).size;
      // 0 is what kernels before 6.2 report (and a process with no descriptors): list the directory then.
      if (size > 0) return size;
    }
    return readdirSync(dir).length;
  } catch {
    // EACCES for other users' processes without privileges; ENOENT when it just exited.
    return null;
  }
}
