/**
 * The systemd journal, through `journalctl -o json --follow` in a child process (journald's files have
 * no stable library API for Node, and journalctl is on every systemd host). Every entry carries its
 * cursor; the collector saves the cursor of the last entry shipped and resumes with --after-cursor, so
 * a restart neither loses nor repeats entries. A child that dies is restarted with backoff; it is
 * killed when the collector stops (or exits any other way).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { LogLevel } from '@cerebro/shared/protocol/messages';
import { SYSLOG_SEVERITY, detectLevel } from './level';

export interface JournalEntry {
  /** __REALTIME_TIMESTAMP, ms since the epoch. */
  readonly ts: number;
  readonly msg: string;
  readonly level: LogLevel;
  readonly unit?: string;
  readonly pid?: number;
  readonly cursor: string;
}

/** Longest journalctl output line accepted, bytes (an entry with a huge field is skipped and logged). */
const MAX_JSON_LINE = 1024 * 1024;

/** Map one `journalctl -o json` line to an entry; null when it is not a journal entry. */
export function parseJournalLine(line: string): JournalEntry | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const e = o as Record<string, unknown>;
  const cursor = e['__CURSOR'];
  if (typeof cursor !== 'string' || cursor.length === 0) return null;
  const us = Number(e['__REALTIME_TIMESTAMP']);
  const msg = fieldText(e['MESSAGE']) ?? '';
  const priority = Number(fieldText(e['PRIORITY']));
  const level = Number.isInteger(priority) && priority >= 0 && priority <= 7 ? (SYSLOG_SEVERITY[priority] as LogLevel) : detectLevel(msg);
  const unit = fieldText(e['SYSLOG_IDENTIFIER']) ?? fieldText(e['_SYSTEMD_UNIT']) ?? fieldText(e['_COMM']);
  const pid = Number(fieldText(e['_PID']) ?? fieldText(e['SYSLOG_PID']));
  return {
    ts: Number.isFinite(us) && us > 0 ? Math.floor(us / 1000) : Date.now(),
    msg,
    level,
    ...(unit ? { unit: unit.slice(0, 256) } : {}),
    ...(Number.isSafeInteger(pid) && pid > 0 ? { pid } : {}),
    cursor,
  };
}

/** journalctl prints a field as a string, as an array of bytes (not valid UTF-8), or an array of those (repeated fields). */
function fieldText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) {
    if (v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
    return fieldText(v[0]);
  }
  return undefined;
}

/** Why the journal cannot be followed here, or null when it can (a journalctl on PATH and journal files). */
export function journalUnavailable(env: NodeJS.ProcessEnv = process.env, journalDirs = ['/run/log/journal', '/var/log/journal']): string | null {
  const bin = findOnPath('journalctl', env);
  if (!bin) return 'journalctl is not installed';
  const hasFiles = journalDirs.some((d) => {
    try {
      return fs.readdirSync(d).length > 0;
    } catch {
      return false;
    }
  });
  return hasFiles ? null : `no journal files in ${journalDirs.join(' or ')} (systemd-journald does not run here)`;
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env['PATH'] ?? '').split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

export interface JournalOptions {
  /** The cursor of the last entry shipped by a previous run, or null. */
  readonly cursor: string | null;
  /** Without a cursor: start at the journal's end (only new entries) or its beginning. */
  readonly startAt: 'end' | 'beginning';
  readonly onEntry: (entry: JournalEntry) => void;
  readonly notice: (text: string) => void;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** For tests: the command and environment (a fake journalctl on PATH). */
  readonly command?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

/** A child that ran at least this long resets the backoff, ms. */
const HEALTHY_RUN_MS = 30_000;

export class JournalFollower {
  private child: ChildProcess | null = null;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private startedAt = 0;
  private buffered = '';
  private stderr = '';
  private paused = false;
  /** Cursor of the newest entry read (a restarted child continues after it). */
  lastCursor: string | null;
  readonly killOnExit = (): void => {
    this.child?.kill('SIGTERM');
  };

  constructor(private readonly options: JournalOptions) {
    this.lastCursor = options.cursor;
  }

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    this.stopped = false;
    process.on('exit', this.killOnExit);
    this.spawn();
  }

  stop(): void {
    this.stopped = true;
    process.off('exit', this.killOnExit);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.child?.kill('SIGTERM');
    this.child = null;
  }

  /** Stop reading (the queue is full): journalctl blocks on its pipe, nothing is lost. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.child?.stdout?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.child?.stdout?.resume();
  }

  private args(): string[] {
    const args = ['-o', 'json', '--all', '--follow', '--no-pager'];
    if (this.lastCursor) args.push(`--after-cursor=${this.lastCursor}`);
    else args.push(this.options.startAt === 'end' ? '--lines=0' : '--lines=all');
    return args;
  }

  private spawn(): void {
    const command = this.options.command ?? 'journalctl';
    const child = spawn(command, this.args(), { stdio: ['ignore', 'pipe', 'pipe'], env: this.options.env ?? process.env });
    this.child = child;
    this.startedAt = Date.now();
    this.buffered = '';
    this.stderr = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => this.data(d));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-2000);
    });
    if (this.paused) child.stdout?.pause();
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (this.child !== child) return;
      this.child = null;
      if (e.code === 'ENOENT') {
        this.options.notice(`logs: cannot run ${command} (not found on PATH); the journal is not collected`);
        this.stopped = true;
        return;
      }
      this.died(`cannot start: ${e.message}`);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.died(`exited with ${signal ?? `code ${code}`}${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').at(-1)}` : ''}`);
    });
  }

  private data(chunk: string): void {
    this.buffered += chunk;
    let start = 0;
    for (;;) {
      const nl = this.buffered.indexOf('\n', start);
      if (nl < 0) break;
      this.line(this.buffered.slice(start, nl));
      start = nl + 1;
    }
    this.buffered = this.buffered.slice(start);
    if (this.buffered.length > MAX_JSON_LINE) {
      this.options.log('warn', `logs: skipped a journal entry longer than ${MAX_JSON_LINE} bytes of JSON`);
      this.buffered = '';
    }
  }

  private line(text: string): void {
    if (text.length === 0) return;
    const entry = parseJournalLine(text);
    if (!entry) {
      this.options.log('debug', `logs: journalctl printed a line that is not a JSON entry: ${text.slice(0, 200)}`);
      return;
    }
    this.lastCursor = entry.cursor;
    this.options.onEntry(entry);
  }

  private died(why: string): void {
    if (this.stopped) return;
    if (Date.now() - this.startedAt >= HEALTHY_RUN_MS) this.failures = 0;
    const base = this.options.backoffBaseMs ?? 1000;
    const delay = Math.min(this.options.backoffMaxMs ?? 60_000, base * 2 ** Math.min(this.failures, 16));
    // The first failure and every tenth after it reach the operator; the rest only the collector's log.
    if (this.failures % 10 === 0) this.options.notice(`logs: journalctl ${why}; restarting it in ${Math.round(delay / 1000)} s`);
    else this.options.log('warn', `logs: journalctl ${why}; restarting it in ${delay} ms`);
    this.failures++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) this.spawn();
    }, delay);
  }
}
