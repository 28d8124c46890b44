/**
 * Synchronous readers for procfs and sysfs (MACHINE-FACTS: sync reads into a reused buffer cost a third of
 * fs.promises). Fixed files stay open and are re-read from offset 0; per-pid files are opened per read.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** The error a source throws when a file it needs cannot be read; collectTick reports its message. */
export class SourceReadError extends Error {
  constructor(readonly path: string, cause: unknown) {
    super(`couldn't read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SourceReadError';
  }
}

/** Error code of a Node system error ('ENOENT', 'EACCES', ...), or undefined. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Reads `fd` from offset 0 to EOF into `buf`, doubling it when full; returns the (maybe new) buffer and length.
 * Only a zero-length read means EOF: procfs seq files return at most about a page per read.
 */
function readAll(fd: number, buf: Buffer): { buf: Buffer; len: number } {
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    const n = readSync(fd, buf, len, buf.length - len, len);
    if (n === 0) return { buf, len };
    len += n;
  }
}

/**
 * A file kept open between ticks (/proc/stat, /proc/meminfo, ...). Opened on first read; after a failed
 * read it is closed and reopened on the next one, so a file that appears later is picked up.
 */
export class KeptFile {
  private fd: number | null = null;
  private buf: Buffer;

  constructor(readonly path: string, initialBytes = 8192) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** The whole file as text; throws SourceReadError. */
  read(): string {
    try {
      if (this.fd === null) this.fd = openSync(this.path, 'r');
      const { buf, len } = readAll(this.fd, this.buf);
      this.buf = buf;
      return buf.toString('utf8', 0, len);
    } catch (err) {
      this.close();
      throw new SourceReadError(this.path, err);
    }
  }

  /** Like read(), but null when the file does not exist (optional files such as /proc/vmstat's oom_kill line). */
  readOptional(): string | null {
    try {
      return this.read();
    } catch (err) {
      if (errorCode((err as SourceReadError).cause) === 'ENOENT') return null;
      throw err;
    }
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed or invalid: nothing to release.
    }
    this.fd = null;
  }
}

/** Shared by every per-pid read: one process's files are read one at a time, on one thread. */
let smallBuf = Buffer.allocUnsafe(4096);

/** Codes that mean "this process is gone or hidden", not a failure of the source. */
const VANISHED = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'EINVAL']);

/**
 * Reads a small per-process file (/proc/<pid>/stat, status, cmdline) into the shared buffer.
 * `maxBytes` caps how much is read (cmdline can be megabytes; we keep 512 characters).
 * Returns null when the process vanished or hides the file; throws SourceReadError on anything else.
 */
export function readSmallFile(path: string, maxBytes = Infinity): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (VANISHED.has(errorCode(err) ?? '')) return null;
    throw new SourceReadError(path, err);
  }
  try {
    let len = 0;
    for (;;) {
      if (len >= maxBytes) break;
      if (len === smallBuf.length) {
        const bigger = Buffer.allocUnsafe(smallBuf.length * 2);
        smallBuf.copy(bigger, 0, 0, len);
        smallBuf = bigger;
      }
      const n = readSync(fd, smallBuf, len, Math.min(smallBuf.length, maxBytes) - len, len);
      if (n === 0) break;
      len += n;
    }
    return smallBuf.toString('utf8', 0, len);
  } catch (err) {
    // A process that exits while we read gives ESRCH or an empty read.
    if (VANISHED.has(errorCode(err) ?? '')) return null;
    throw new SourceReadError(path, err);
  } finally {
    closeSync(fd);
  }
}
