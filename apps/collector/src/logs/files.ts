/**
 * The set of followed files: expands the glob patterns every `rescanMs` (new files are picked up), and on
 * every tick makes one stat() per followed path, which tells growth, truncation (size below our position:
 * copytruncate) and rotation (the path names another inode now). A rotated-away file is read to its end
 * through the kept-open fd and closed once it has been quiet for ROTATED_QUIET_MS; its successor at the
 * path is read from its beginning. Polling, not fs.watch: inotify misses events on NFS, overlay and some
 * FUSE filesystems, and a stat per file per second costs microseconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileGlob, excludeMatcher, expandGlob, type GlobPattern } from './glob';
import { FollowedFile, identityKey, type LineSink } from './followed-file';
import type { MultilineOptions } from './multiline';

/** A rotated-away file is closed after this long without new data, ms. */
export const ROTATED_QUIET_MS = 5_000;

/** Where a file was when last saved. */
export interface SavedFileOffset {
  readonly path: string;
  /** Offset of the first byte not yet shipped. */
  readonly off: number;
  /** The byte at off - 1 (-1 at 0), to notice a file rewritten under the same inode. */
  readonly last: number;
}

export interface FileSetOptions {
  readonly patterns: readonly string[];
  readonly exclude: readonly string[];
  /** Where to start a file found at the very first start (no saved offsets): its end or its beginning. */
  readonly startAt: 'end' | 'beginning';
  readonly rescanMs: number;
  readonly partialLineMs: number;
  readonly multiline: MultilineOptions;
  /** Most bytes read from one file in one tick. */
  readonly maxBytesPerFilePerTick: number;
  /** Offsets saved by a previous run (by identityKey), and when they were saved (null: first run). */
  readonly saved: ReadonlyMap<string, SavedFileOffset>;
  readonly savedAtMs: number | null;
  readonly notice: (text: string) => void;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** Most a file timestamp lags the wall clock (one kernel tick at HZ=100, with room), ms. */
const COARSE_CLOCK_MS = 20;

export class FileSet {
  private readonly globs: GlobPattern[];
  private readonly excluded: (file: string) => boolean;
  /** Followed files by identity, and the identity each path names now. */
  readonly files = new Map<string, FollowedFile>();
  private readonly byPath = new Map<string, string>();
  private lastScanAt = -Infinity;
  private firstScan = true;
  /** Paths refused with a permission error, so it is reported once per file. */
  private readonly denied = new Set<string>();
  private readonly unreadableDirs = new Set<string>();

  constructor(private readonly options: FileSetOptions) {
    this.globs = options.patterns.map(compileGlob);
    this.excluded = excludeMatcher(options.exclude);
  }

  /** One tick: maybe rescan, then read what is new in every file (unless `canRead` says the queue is full). */
  tick(now: number, canRead: () => boolean, sink: LineSink): void {
    if (now - this.lastScanAt >= this.options.rescanMs) {
      this.lastScanAt = now;
      this.scan(now, sink);
    }
    for (const file of [...this.files.values()]) {
      if (canRead()) this.poll(file, now, sink);
      file.flushStale(now, this.options.partialLineMs, sink);
      if (file.draining && now - file.lastDataAt >= ROTATED_QUIET_MS) this.retire(file, now, sink);
    }
  }

  /** Stop tracking a retired file whose last records are shipped. */
  forget(file: FollowedFile): void {
    this.files.delete(file.key);
  }

  close(): void {
    for (const f of this.files.values()) f.close();
  }

  private scan(now: number, sink: LineSink): void {
    const first = this.firstScan;
    this.firstScan = false;
    for (const g of this.globs) {
      const found = expandGlob(g, (dir, e) => {
        if (this.unreadableDirs.has(dir)) return;
        this.unreadableDirs.add(dir);
        this.options.notice(`logs: cannot list ${dir} for pattern ${g.source} (${e.code}); files there are not followed until it is readable`);
      });
      for (const p of found) if (!this.byPath.has(p) && !this.excluded(p)) this.follow(p, now, first ? 'first' : 'later', sink);
    }
    if (first) this.resumeRotated(now);
  }

  /** Start following `p`: `first` at the collector's start, `later` when it appeared since. */
  private follow(p: string, now: number, when: 'first' | 'later' | 'successor', sink: LineSink): void {
    let fd: number;
    let st: fs.Stats;
    try {
      fd = fs.openSync(p, 'r');
      st = fs.fstatSync(fd);
    } catch (e) {
      this.refused(p, e as NodeJS.ErrnoException);
      return;
    }
    if (!st.isFile()) {
      fs.closeSync(fd);
      return;
    }
    this.denied.delete(p);
    const key = identityKey(st);
    this.byPath.set(p, key);
    if (this.files.has(key)) {
      fs.closeSync(fd); // the same file under a second name (a rotated name the pattern also matches)
      return;
    }
    const start = this.startOf(key, p, st, when);
    const file = new FollowedFile(p, { dev: st.dev, ino: st.ino }, fd, start, this.options.multiline, now);
    this.files.set(key, file);
    this.options.log('debug', `logs: following ${p} from byte ${start.offset} of ${st.size}`);
    // A successor is read right after its predecessor was drained; files found by a scan are read in the
    // tick's loop, after the files followed before them (a rotated-away file's last lines come first).
    if (when === 'successor') this.poll(file, now, sink);
  }

  private startOf(key: string, p: string, st: fs.Stats, when: 'first' | 'later' | 'successor'): { offset: number; lastByte: number } {
    const saved = this.options.saved.get(key);
    if (saved) return saved.off <= st.size ? { offset: saved.off, lastByte: saved.last } : { offset: 0, lastByte: -1 };
    if (when !== 'first') return { offset: 0, lastByte: -1 };
    // Found at start without a saved offset: on the very first run, startAt decides; after that, a file
    // created while the collector was down is read from its beginning (its lines are new).
    const savedAt = this.options.savedAtMs;
    const bornMs = st.birthtimeMs > 0 ? st.birthtimeMs : st.ctimeMs;
    // File times come from the kernel's coarse clock, which lags the wall clock by up to a tick (4 ms at
    // HZ=250): a file made just after the save can look older than it. Within that margin it is read from
    // the start (a line read twice beats a line lost).
    const fromStart = savedAt === null ? this.options.startAt === 'beginning' : bornMs > savedAt - COARSE_CLOCK_MS;
    if (fromStart || st.size === 0) return { offset: 0, lastByte: -1 };
    this.options.log('debug', `logs: ${p} starts at its end (${st.size} bytes)`);
    return { offset: st.size, lastByte: lastByteOf(p, st.size) };
  }

  /**
   * Files the previous run was still reading under a path that now names another file (rotated while the
   * collector was down): find them beside their old path by inode and finish reading them.
   */
  private resumeRotated(now: number): void {
    for (const [key, saved] of this.options.saved) {
      if (this.files.has(key)) continue;
      const dir = path.dirname(saved.path);
      const base = path.basename(saved.path);
      let names: string[];
      try {
        names = fs.readdirSync(dir).filter((n) => n !== base && n.startsWith(base.replace(/\.log$/, '')));
      } catch {
        continue;
      }
      for (const n of names) {
        const p = path.join(dir, n);
        const st = statOrNull(p);
        if (!st || identityKey(st) !== key || saved.off > st.size) continue;
        let fd: number;
        try {
          fd = fs.openSync(p, 'r');
        } catch (e) {
          this.refused(p, e as NodeJS.ErrnoException);
          break;
        }
        const file = new FollowedFile(saved.path, { dev: st.dev, ino: st.ino }, fd, { offset: saved.off, lastByte: saved.last }, this.options.multiline, now);
        file.draining = true;
        this.files.set(key, file);
        this.options.log('info', `logs: ${saved.path} was rotated to ${p} while the collector was down; reading its last ${st.size - saved.off} bytes`);
        break;
      }
    }
  }

  private poll(file: FollowedFile, now: number, sink: LineSink): void {
    let size: number | null;
    let successor = false;
    if (file.draining) {
      size = file.fstatSize();
    } else {
      const st = statOrNull(file.path);
      if (!st || identityKey(st) !== file.key) {
        // Rotated (renamed or deleted): drain the old inode through its fd first; a new file at the path starts at 0.
        file.draining = true;
        this.byPath.delete(file.path);
        successor = st !== null;
        size = file.fstatSize();
      } else size = st.size;
    }
    if (size !== null) this.readFile(file, size, now, sink);
    if (successor) {
      file.flushJoined(sink);
      this.follow(file.path, now, 'successor', sink);
    }
  }

  private readFile(file: FollowedFile, size: number, now: number, sink: LineSink): void {
    if (size < file.readPos) {
      this.options.log('info', `logs: ${file.path} shrank from ${file.readPos} to ${size} bytes (truncated, e.g. copytruncate): reading it again from the start`);
      file.restartAtZero(now, sink);
    }
    const n = file.readTo(size, this.options.maxBytesPerFilePerTick, now, sink);
    if (n < 0) {
      this.options.log('info', `logs: ${file.path} was rewritten before our position (truncated and refilled): reading it again from the start`);
      file.restartAtZero(now, sink);
      file.readTo(size, this.options.maxBytesPerFilePerTick, now, sink);
    }
  }

  private retire(file: FollowedFile, now: number, sink: LineSink): void {
    file.flushAll(now, sink);
    file.close();
    // Kept in `files` until its last records are shipped (LogCollector removes it), so its offset is saved meanwhile.
  }

  private refused(p: string, e: NodeJS.ErrnoException): void {
    if (e.code === 'ENOENT') return; // gone between the listing and the open
    if (this.denied.has(p)) return;
    this.denied.add(p);
    const hint = e.code === 'EACCES' || e.code === 'EPERM' ? 'run the collector as a user that may read it (e.g. in group adm) or change its mode' : 'check the file';
    this.options.notice(`logs: cannot open ${p} (${e.code ?? e.message}); ${hint}. Retried every ${Math.round(this.options.rescanMs / 1000)} s`);
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // EACCES on a parent directory: treated like a missing file
  }
}

function lastByteOf(p: string, size: number): number {
  if (size === 0) return -1;
  const b = Buffer.alloc(1);
  try {
    const fd = fs.openSync(p, 'r');
    try {
      fs.readSync(fd, b, 0, 1, size - 1);
    } finally {
      fs.closeSync(fd);
    }
    return b[0] as number;
  } catch {
    return -1;
  }
}
