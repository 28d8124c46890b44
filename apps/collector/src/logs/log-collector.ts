/**
 * The collector's log pipeline: followed files and the journal → multi-line join → rate limit →
 * redaction and level → a bounded queue → the tick's batch. Driven by the agent's tick (no timers of its
 * own; the journal child is event-driven). Positions are saved two-phase around the spool append (see
 * offsets.ts), so lines are neither lost nor repeated across a restart.
 *
 * Per tick the agent calls collect(), then take(seq) while building the batch, then committed() once the
 * batch is in the spool (or aborted() if appending failed).
 */
import type { LogLevel, LogRecord, LogStats } from '@cerebro/shared/protocol/messages';
import { MAX_LOGS_PER_BATCH, MAX_LOG_MESSAGE_CHARS } from '@cerebro/shared/protocol/messages';
import { resolveFiles, type LogsConfig } from './config';
import { FileSet, type SavedFileOffset } from './files';
import type { FollowedFile } from './followed-file';
import { JournalFollower, journalUnavailable, type JournalEntry } from './journal';
import { detectLevel } from './level';
import { cutAt, type JoinedRecord } from './multiline';
import { OffsetStore, type Positions } from './offsets';
import { TokenBucket } from './rate-limit';
import { Redactor } from './redact';
import { LogWriters } from './writers';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** Retired files' final positions are kept this long, so a rotated file the patterns still match is not read again, ms. */
const RETIRED_KEEP_MS = 24 * 3600_000;
/** Rate-limit drops are reported at most this often, ms. */
const RATE_NOTICE_EVERY_MS = 60_000;
/** Counters are sent when they change, and at least every this many batches. */
const STATS_EVERY_TAKES = 60;

interface Queued {
  readonly rec: LogRecord;
  readonly bytes: number;
  readonly file: FollowedFile | null;
  readonly generation: number;
  readonly end: number;
  readonly cursor: string | null;
}

export interface LogCollectorOptions {
  readonly config: LogsConfig;
  readonly stateDir: string;
  /** The spool's next seq at start (tells which saved positions hold; see offsets.ts). */
  readonly spoolNextSeq: number;
  readonly log: Log;
  /** Tests: a fake journalctl (command, environment) and the journal directories looked for by "auto". */
  readonly journal?: { readonly command?: string; readonly env?: NodeJS.ProcessEnv; readonly dirs?: readonly string[]; readonly backoffBaseMs?: number };
}

/** Say what the log sources will follow, or why none; null collector when there is nothing (then logs cost nothing). */
export function createLogCollector(options: LogCollectorOptions): { collector: LogCollector | null; notices: string[] } {
  const { config } = options;
  const notices: string[] = [];
  let journal = config.journal === true;
  if (config.journal === 'auto') {
    const why = journalUnavailable(options.journal?.env, options.journal?.dirs ? [...options.journal.dirs] : undefined);
    if (why) notices.push(`logs: the systemd journal is not collected: ${why}`);
    journal = why === null;
  }
  const files = resolveFiles(config, journal);
  if (!journal && files.length === 0) {
    options.log('info', `logs: nothing to follow (${config.files === 'auto' ? 'no journal, and neither /var/log/syslog nor /var/log/messages exists' : 'no file patterns and no journal'}); set "logs": {"files": [...]} to follow files`);
    return { collector: null, notices };
  }
  return { collector: new LogCollector(options, files, journal, notices), notices: [] };
}

export class LogCollector {
  private readonly config: LogsConfig;
  private readonly log: Log;
  private readonly files: FileSet | null;
  private readonly journal: JournalFollower | null;
  private readonly offsets: OffsetStore;
  private readonly redactor: Redactor;
  private readonly bucket: TokenBucket;
  private readonly writers = new LogWriters();
  private queue: Queued[] = [];
  private head = 0;
  private queueBytes = 0;
  private readonly maxQueueBytes: number;
  private journalQueued = 0;
  private journalDone: string | null;
  /** Last positions written (skip identical writes). */
  private lastPositionsJson = '';
  private taken: Queued[] = [];
  private undo: Array<{ file: FollowedFile; done: number; last: number }> = [];
  private undoJournal: string | null = null;
  private lastStatsJson = '';
  private takes = 0;
  private readonly retired = new Map<string, SavedFileOffset & { readonly at: number }>();
  private pendingNotices: string[];
  private lastRateNoticeAt = -Infinity;
  private shipped = 0;
  private truncated = 0;

  constructor(options: LogCollectorOptions, patterns: string[], journal: boolean, notices: string[]) {
    this.config = options.config;
    this.log = options.log;
    this.pendingNotices = notices;
    this.offsets = new OffsetStore(options.stateDir, options.spoolNextSeq, (l, m) => this.log(l, m));
    this.redactor = new Redactor({ defaults: this.config.redactDefaults, extra: this.config.redact });
    this.bucket = new TokenBucket(this.config.rateLimit, Date.now());
    this.maxQueueBytes = 4 * this.config.maxBatchBytes;
    const saved = new Map(Object.entries(this.offsets.loaded.files));
    this.files =
      patterns.length === 0
        ? null
        : new FileSet({
            patterns,
            exclude: this.config.exclude,
            startAt: this.config.startAt,
            rescanMs: this.config.rescanMs,
            partialLineMs: this.config.partialLineMs,
            multiline: this.config.multiline.enabled ? this.config.multiline : { ...this.config.multiline, maxLines: 1 },
            maxBytesPerFilePerTick: this.config.maxBatchBytes,
            saved,
            savedAtMs: this.offsets.previousSavedAtMs,
            notice: (t) => this.pendingNotices.push(t),
            log: this.log,
          });
    this.journalDone = this.offsets.loaded.journal;
    this.journal = journal
      ? new JournalFollower({
          cursor: this.offsets.loaded.journal,
          startAt: this.config.startAt,
          onEntry: (e) => this.journalEntry(e),
          notice: (t) => this.pendingNotices.push(t),
          log: this.log,
          ...(options.journal?.command ? { command: options.journal.command } : {}),
          ...(options.journal?.env ? { env: options.journal.env } : {}),
          ...(options.journal?.backoffBaseMs ? { backoffBaseMs: options.journal.backoffBaseMs } : {}),
        })
      : null;
  }

  /** What is followed, for the collector's start line. */
  describe(): string {
    return [this.files ? `files ${this.config.files === 'auto' ? 'auto' : this.config.files.join(', ')}` : '', this.journal ? 'the journal' : ''].filter(Boolean).join(' and ');
  }

  start(): void {
    this.journal?.start();
  }

  /** One tick: read the files, complete idle multi-line records, report notices. */
  collect(notice: (text: string) => void): void {
    const now = Date.now();
    this.files?.tick(
      now,
      () => this.queueBytes < this.maxQueueBytes,
      (r, f) => this.fileRecord(r, f),
    );
    if (now - this.lastRateNoticeAt >= RATE_NOTICE_EVERY_MS) {
      const drops = this.bucket.takeRecent();
      if (drops) {
        this.lastRateNoticeAt = now;
        const top = drops.top.map(([src, n]) => `${src} ${n}`).join(', ');
        this.pendingNotices.push(`logs: rate limit of ${this.config.rateLimit.perSec} records/s (burst ${this.config.rateLimit.burst}) dropped ${drops.total} records (${top}); ${this.bucket.dropped} dropped since start. Raise logs.rateLimit or quiet the source`);
      }
    }
    for (const n of this.pendingNotices.splice(0)) notice(n);
  }

  /**
   * The log part of batch `seq`: records (at most MAX_LOGS_PER_BATCH and maxBatchBytes of text; the rest
   * waits for the next tick) and the counters when they changed (and every STATS_EVERY_TAKES batches).
   * Writes the positions this batch completes as pending (offsets.ts).
   */
  take(seq: number): { logs?: LogRecord[]; logStats?: LogStats } {
    this.taken = [];
    this.undo = [];
    let bytes = 0;
    while (this.head < this.queue.length && this.taken.length < MAX_LOGS_PER_BATCH) {
      const q = this.queue[this.head] as Queued;
      if (this.taken.length > 0 && bytes + q.bytes > this.config.maxBatchBytes) break;
      this.head++;
      bytes += q.bytes;
      this.taken.push(q);
    }
    this.compactQueue(bytes);
    this.undoJournal = this.journalDone;
    for (const f of this.files?.files.values() ?? []) this.undo.push({ file: f, done: f.done, last: f.doneLastByte });
    for (const q of this.taken) this.advance(q);
    this.shipped += this.taken.length;
    this.savePositions(seq);
    const stats = this.stats();
    const statsJson = JSON.stringify(stats);
    const sendStats = statsJson !== this.lastStatsJson || ++this.takes % STATS_EVERY_TAKES === 0;
    this.lastStatsJson = statsJson;
    return { ...(this.taken.length > 0 ? { logs: this.taken.map((q) => q.rec) } : {}), ...(sendStats ? { logStats: stats } : {}) };
  }

  /** The batch of the last take() is in the spool. */
  committed(): void {
    this.offsets.commit();
    this.taken = [];
    this.undo = [];
  }

  /** Appending the batch of the last take() failed: its records go back to the front of the queue, positions back to before. */
  aborted(): void {
    this.offsets.abort();
    this.shipped -= this.taken.length;
    for (const q of this.taken) {
      if (q.file) q.file.queued++;
      else this.journalQueued++;
      this.queueBytes += q.bytes;
    }
    for (const u of this.undo) {
      u.file.done = u.done;
      u.file.doneLastByte = u.last;
    }
    this.journalDone = this.undoJournal;
    this.queue = [...this.taken, ...this.queue.slice(this.head)];
    this.head = 0;
    this.taken = [];
    this.undo = [];
    this.lastPositionsJson = '';
  }

  stop(): void {
    this.journal?.stop();
    this.files?.close();
    this.offsets.close();
  }

  stats(): LogStats {
    let open = 0;
    for (const f of this.files?.files.values() ?? []) if (f.open) open++;
    return { records: this.shipped, droppedRateLimit: this.bucket.dropped, redactions: this.redactor.count, truncated: this.truncated, sources: open + (this.journal?.running ? 1 : 0) };
  }

  /** Records in the queue, for tests. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  private fileRecord(r: JoinedRecord, file: FollowedFile): void {
    // A syslog line names its program; an application's own log file is named by the process writing it.
    const named = syslogProgram(r.text) ?? this.writers.of(file.path, Date.now());
    this.intake(r.ts, file.src, r.text, r.truncated, file, file.generation, r.end, null, undefined, named?.unit, named?.pid);
  }

  private journalEntry(e: JournalEntry): void {
    this.intake(e.ts, 'journal', e.msg, false, null, 0, 0, e.cursor, e.level, e.unit, e.pid);
    if (this.queueBytes >= this.maxQueueBytes) this.journal?.pause();
  }

  private intake(ts: number, src: string, text: string, cut: boolean, file: FollowedFile | null, generation: number, end: number, cursor: string | null, level: LogLevel | undefined, unit: string | undefined, pid: number | undefined): void {
    // The rate limit comes first: in a log storm the dropped records cost no redaction.
    if (!this.bucket.take(src, Date.now())) return;
    const redacted = this.redactor.redact(text);
    const msg = cutAt(redacted, MAX_LOG_MESSAGE_CHARS);
    if (cut || msg.length < redacted.length) this.truncated++;
    const rec: LogRecord = {
      ts,
      src: src.length > 4096 ? src.slice(0, 4096) : src,
      level: level ?? detectLevel(msg),
      msg,
      ...(unit ? { unit: unit.slice(0, 256) } : {}),
      ...(pid !== undefined && Number.isSafeInteger(pid) ? { pid } : {}),
    };
    const bytes = Buffer.byteLength(msg) + rec.src.length + 32;
    this.queue.push({ rec, bytes, file, generation, end, cursor });
    this.queueBytes += bytes;
    if (file) file.queued++;
    else this.journalQueued++;
  }

  private compactQueue(bytes: number): void {
    this.queueBytes -= bytes;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.queueBytes < this.maxQueueBytes / 2) this.journal?.resume();
  }

  /** A record is in the batch: its position is done (for files, within the same generation of the file). */
  private advance(q: Queued): void {
    if (q.file) {
      q.file.queued--;
      if (q.generation === q.file.generation && q.end > q.file.done) {
        q.file.done = q.end;
        q.file.doneLastByte = -1; // unknown: the check at resume is skipped
      }
    } else {
      this.journalQueued--;
      this.journalDone = q.cursor;
    }
  }

  private savePositions(seq: number): void {
    const now = Date.now();
    const files: Record<string, SavedFileOffset> = {};
    for (const [key, r] of this.retired) {
      if (now - r.at > RETIRED_KEEP_MS) this.retired.delete(key);
      else files[key] = { path: r.path, off: r.off, last: r.last };
    }
    for (const f of [...(this.files?.files.values() ?? [])]) {
      if (f.quiet) {
        f.done = f.consumed;
        f.doneLastByte = f.consumedLastByte;
      }
      files[f.key] = { path: f.path, off: f.done, last: f.doneLastByte };
      if (!f.open && f.quiet) {
        // A retired (rotated-away) file whose every line is shipped: remember where it ended, stop tracking it.
        this.files?.forget(f);
        this.retired.set(f.key, { path: f.path, off: f.done, last: f.doneLastByte, at: now });
      }
    }
    if (this.journal && this.journalQueued === 0) this.journalDone = this.journal.lastCursor;
    const positions: Positions = { files, journal: this.journalDone };
    const json = JSON.stringify(positions);
    if (json === this.lastPositionsJson) return;
    this.lastPositionsJson = json;
    this.offsets.prepare(seq, positions);
  }
}

// "Nov 10 12:00:00 host sshd[123]: ..." and "2024-11-10T12:00:00.123+00:00 host sshd[123]: ..." (rsyslog's formats).
// An application's own "2024-11-10T12:00:00Z ERROR billing: ..." has a level where the host goes: that is
// no syslog header (its "program" would be a component name, and the file's writer names the process).
const SYSLOG_HEADER = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*) (?!(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRIT|CRITICAL|ALERT|EMERG|SEVERE)\s)\S+ ([^\s[\]:]{1,64})(?:\[(\d{1,10})\])?: /i;

/** The program (and pid) a syslog-formatted line names, or null for any other line. */
export function syslogProgram(text: string): { unit: string; pid?: number } | null {
  const m = SYSLOG_HEADER.exec(text);
  if (m === null) return null;
  return m[2] !== undefined ? { unit: m[1]!, pid: Number(m[2]) } : { unit: m[1]! };
}
