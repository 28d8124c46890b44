/**
 * The console's terminal broker: opens sessions on hosts with a signed, short-lived `terminal.open`
 * grant, relays bytes between viewers (the UI's terminal sockets) and the host's link, records every
 * session (asciicast v2, recorder.ts), closes idle ones, and writes every open, refusal and end to the
 * audit log.
 *
 * Flow control, console side: each output frame is acknowledged to the host once it is recorded and
 * handed to the viewers, unless a viewer has more than VIEWER_BACKLOG_BYTES unsent; then acks wait until
 * it drains, so a slow browser slows the shell instead of filling the console's memory.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Actor, AuditKind, TerminalRecordingPage, TerminalRecordingView, TerminalSessionView } from '@cerebro/shared/api/contract';
import type { CommandEnvelope, CommandResult, TerminalExit, TerminalOutput } from '@cerebro/shared/protocol/messages';
import { MAX_TERMINAL_CHUNK_BYTES, TERMINAL_MAX_COLS, TERMINAL_MAX_ROWS, TERMINAL_SID_PATTERN, type TerminalOpened, type TerminalOpenPayload } from '@cerebro/shared/protocol/terminal';
import type { IngestServer, TerminalSink } from '../ingest/server';
import { loadSessionMetas, Recorder, saveSessionMeta } from './recorder';

export type TerminalLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** What the broker needs of the audit log (core/audit/audit-log.ts). */
export interface TerminalAudit {
  append(actor: Actor, kind: AuditKind, payload: unknown): unknown;
}

export const TERMINAL_ERRORS = {
  BAD_REQUEST: 'The request is malformed (size, host id, session id).',
  NOT_FOUND: 'No such session (or host).',
  REFUSED: 'The host refused the terminal (no or bad grant, expired grant, its policy, or it is not connected); recorded in the audit log.',
  CLOSED: 'The session has ended.',
} as const;
export type TerminalErrorCode = keyof typeof TERMINAL_ERRORS;

export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  constructor(
    readonly code: TerminalErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A viewer of a session: the UI's socket (or a test). */
export interface TerminalViewer {
  output(data: Uint8Array): void;
  exit(code: number | null, reason: string): void;
  /** Bytes the viewer has not sent on yet. */
  backlog(): number;
}

export interface TerminalBrokerOptions {
  /** Folder of recordings and session metadata ($CEREBRO_HOME/recordings). */
  readonly dir: string;
  readonly ingest: Pick<IngestServer, 'sendCommand' | 'sendEnvelope' | 'sendTerminal'>;
  readonly audit: TerminalAudit | null;
  readonly hostName: (hostId: string) => string | undefined;
  readonly log: TerminalLog;
  /** No input and no output for this long closes a session, ms (default 15 min). */
  readonly idleMs?: number;
  /** Life of the terminal.open grant, ms (default 30 s). */
  readonly grantTtlMs?: number;
  /** Largest recording per session, bytes (default 256 MiB). */
  readonly maxRecordingBytes?: number;
  readonly now?: () => number;
}

export interface OpenRequest {
  readonly hostId: string;
  readonly cols: number;
  readonly rows: number;
  readonly by: string;
  readonly user?: string;
}

interface Live {
  view: TerminalSessionView;
  readonly recorder: Recorder;
  readonly viewers: Set<TerminalViewer>;
  lastActivityMs: number;
  /** Output bytes received and not yet acknowledged to the host. */
  unacked: number;
  /** When the console asked the host to close it (it ends here anyway if the host does not confirm). */
  closingSinceMs: number | null;
}

/** Viewer backlog above which acks to the host wait, bytes. */
const VIEWER_BACKLOG_BYTES = 1024 * 1024;
const DEFAULT_IDLE_MS = 15 * 60_000;

export class TerminalBroker implements TerminalSink {
  private readonly live = new Map<string, Live>();
  private readonly timer: NodeJS.Timeout;
  private ackTimer: NodeJS.Timeout | null = null;
  readonly idleMs: number;
  private readonly now: () => number;

  constructor(private readonly o: TerminalBrokerOptions) {
    this.idleMs = o.idleMs ?? DEFAULT_IDLE_MS;
    this.now = o.now ?? Date.now;
    fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    // Sessions still "open" in their metadata were cut by a console stop.
    for (const m of loadSessionMetas(o.dir)) if (m.state === 'open') this.saveMeta({ ...m, state: 'closed', closedMs: m.closedMs ?? this.now(), reason: 'the console stopped during the session' });
    this.timer = setInterval(() => this.closeIdle(), Math.min(5_000, Math.max(250, this.idleMs / 4)));
    this.timer.unref();
  }

  /**
   * Open a session: sign a `terminal.open` grant for the host and wait for its answer. `grant` replaces
   * the signed envelope (tests prove that hosts refuse unsigned or expired grants). Throws TerminalError.
   */
  async open(req: OpenRequest, grant?: (payload: TerminalOpenPayload) => CommandEnvelope): Promise<TerminalSessionView> {
    if (!Number.isInteger(req.cols) || req.cols < 1 || req.cols > TERMINAL_MAX_COLS || !Number.isInteger(req.rows) || req.rows < 1 || req.rows > TERMINAL_MAX_ROWS) {
      throw new TerminalError('BAD_REQUEST', `cols must be an integer from 1 to ${TERMINAL_MAX_COLS} and rows from 1 to ${TERMINAL_MAX_ROWS}, got ${JSON.stringify(req.cols)} × ${JSON.stringify(req.rows)}`);
    }
    const sid = randomBytes(12).toString('base64url');
    const payload: TerminalOpenPayload = { sid, cols: req.cols, rows: req.rows, by: req.by, ...(req.user ? { user: req.user } : {}) };
    const actor: Actor = { type: 'operator', name: req.by };
    const result: CommandResult = grant ? await this.o.ingest.sendEnvelope(req.hostId, grant(payload), 10_000) : await this.o.ingest.sendCommand(req.hostId, 'terminal.open', payload, { ttlMs: this.o.grantTtlMs ?? 30_000, timeoutMs: 15_000 });
    if (!result.ok) {
      const why = `${result.error?.code ?? 'REFUSED'}: ${result.error?.message ?? 'no reason given'}`;
      this.o.log('warn', `terminal on ${req.hostId} for ${req.by} refused: ${why}`);
      this.audit(actor, 'refusal', { terminal: 'open', hostId: req.hostId, sid, user: req.user ?? null, code: result.error?.code ?? null, reason: result.error?.message ?? null });
      throw new TerminalError('REFUSED', `the terminal on ${req.hostId} was refused: ${why}`);
    }
    const opened = result.output as TerminalOpened;
    const openedMs = this.now();
    const view: TerminalSessionView = {
      sid,
      hostId: req.hostId,
      hostname: this.o.hostName(req.hostId) ?? req.hostId,
      by: req.by,
      user: typeof opened?.user === 'string' ? opened.user : '',
      shell: typeof opened?.shell === 'string' ? opened.shell : '',
      openedMs,
      closedMs: null,
      state: 'open',
      exitCode: null,
      reason: null,
      cols: req.cols,
      rows: req.rows,
      outputBytes: 0,
      recordingTruncated: false,
    };
    let recorder: Recorder;
    try {
      recorder = new Recorder(this.castFile(sid), openedMs, this.o.maxRecordingBytes ?? 256 * 1024 * 1024, { cols: req.cols, rows: req.rows, title: `${view.user}@${view.hostname}` });
    } catch (e) {
      // Every session is recorded: one that cannot be is not kept open.
      this.o.ingest.sendTerminal(req.hostId, { type: 'term.close', sid, reason: 'the console cannot record the session' });
      this.audit(actor, 'refusal', { terminal: 'open', hostId: req.hostId, sid, code: 'NOT_RECORDABLE', reason: (e as Error).message });
      throw new TerminalError('REFUSED', `the terminal on ${req.hostId} was closed at once: the console cannot record it (${(e as Error).message})`);
    }
    this.live.set(sid, { view, recorder, viewers: new Set(), lastActivityMs: openedMs, unacked: 0, closingSinceMs: null });
    // The host's warning (the shell keeps the collector's capabilities) is the session's first line: shown to every viewer and kept in the recording.
    if (typeof opened?.warning === 'string') recorder.data('o', Buffer.from(`\x1b[33m${opened.warning}\x1b[0m\r\n`), openedMs);
    this.saveMeta(view);
    this.o.log(opened?.warning ? 'warn' : 'info', `terminal ${sid} opened on ${req.hostId} by ${req.by} as ${view.user}${opened?.warning ? `: ${opened.warning}` : ''}`);
    this.audit(actor, 'command', { terminal: 'open', hostId: req.hostId, sid, user: view.user, shell: view.shell, pid: opened?.pid ?? null, capabilities: opened?.capabilities ?? null, ...(opened?.warning ? { warning: opened.warning } : {}) });
    return view;
  }

  /** Follow a session's output; returns the detach function. Throws TerminalError for an unknown or ended session. */
  attach(sid: string, viewer: TerminalViewer): () => void {
    const s = this.live.get(sid);
    if (!s) throw this.missing(sid);
    s.viewers.add(viewer);
    return () => s.viewers.delete(viewer);
  }

  input(sid: string, data: Uint8Array): void {
    const s = this.live.get(sid);
    if (!s) throw this.missing(sid);
    s.lastActivityMs = this.now();
    for (let at = 0; at < data.byteLength; at += MAX_TERMINAL_CHUNK_BYTES) {
      this.o.ingest.sendTerminal(s.view.hostId, { type: 'term.in', sid, data: data.subarray(at, at + MAX_TERMINAL_CHUNK_BYTES) });
    }
  }

  resize(sid: string, cols: number, rows: number): void {
    const s = this.live.get(sid);
    if (!s) throw this.missing(sid);
    if (!Number.isInteger(cols) || cols < 1 || cols > TERMINAL_MAX_COLS || !Number.isInteger(rows) || rows < 1 || rows > TERMINAL_MAX_ROWS) throw new TerminalError('BAD_REQUEST', `a terminal size must be 1–${TERMINAL_MAX_COLS} × 1–${TERMINAL_MAX_ROWS} cells`);
    if (cols === s.view.cols && rows === s.view.rows) return;
    s.view = { ...s.view, cols, rows };
    s.recorder.resize(cols, rows, this.now());
    this.o.ingest.sendTerminal(s.view.hostId, { type: 'term.resize', sid, cols, rows });
  }

  /** Ask the host to end the session; it ends when the host confirms (or at once when the host is gone). */
  close(sid: string, reason: string): TerminalSessionView {
    const s = this.live.get(sid);
    if (!s) {
      const ended = this.get(sid);
      if (ended) return ended;
      throw this.missing(sid);
    }
    if (!this.o.ingest.sendTerminal(s.view.hostId, { type: 'term.close', sid, reason })) {
      this.end(s, null, `${reason}; the host is not connected`);
    } else {
      s.view = { ...s.view, reason };
      s.closingSinceMs ??= this.now();
    }
    return s.view;
  }

  list(): TerminalSessionView[] {
    const byId = new Map(loadSessionMetas(this.o.dir).map((m) => [m.sid, m]));
    for (const s of this.live.values()) byId.set(s.view.sid, s.view);
    return [...byId.values()].sort((a, b) => b.openedMs - a.openedMs);
  }

  get(sid: string): TerminalSessionView | null {
    if (!TERMINAL_SID_PATTERN.test(sid)) return null;
    const s = this.live.get(sid);
    if (s) return s.view;
    try {
      return JSON.parse(fs.readFileSync(path.join(this.o.dir, `${sid}.json`), 'utf8')) as TerminalSessionView;
    } catch {
      return null;
    }
  }

  /**
   * The session and its recording so far: whole, or one page of whole event lines from byte `offset` of
   * the .cast file within `limit` bytes (at least one line). Every page starts with the header line.
   * Throws TerminalError NOT_FOUND, or BAD_REQUEST for an offset that is not where an event starts.
   */
  recording(sid: string, range?: { readonly offset: number; readonly limit: number }): TerminalRecordingView & { page: TerminalRecordingPage } {
    const session = this.get(sid);
    if (!session) throw new TerminalError('NOT_FOUND', `no terminal session ${JSON.stringify(sid.slice(0, 64))}`);
    let fd: number;
    try {
      fd = fs.openSync(this.castFile(sid), 'r');
    } catch (e) {
      throw new TerminalError('NOT_FOUND', `the recording of session ${sid} cannot be read: ${(e as Error).message}`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      const read = (at: number, bytes: number): Buffer => {
        const buf = Buffer.alloc(Math.max(0, Math.min(bytes, size - at)));
        const n = buf.byteLength > 0 ? fs.readSync(fd, buf, 0, buf.byteLength, at) : 0;
        return buf.subarray(0, n);
      };
      if (!range) {
        const cast = read(0, size).toString('utf8');
        const headerEnd = cast.indexOf('\n') + 1;
        return { session, cast, page: { offset: headerEnd, nextOffset: null, totalBytes: size } };
      }
      const head = read(0, 64 * 1024);
      const headerEnd = head.indexOf(0x0a) + 1;
      if (headerEnd === 0) throw new TerminalError('NOT_FOUND', `the recording of session ${sid} has no complete header line`);
      const offset = range.offset === 0 ? headerEnd : range.offset;
      const atLineStart = offset === headerEnd || (offset > headerEnd && offset <= size && read(offset - 1, 1)[0] === 0x0a);
      if (!Number.isInteger(offset) || !atLineStart) throw new TerminalError('BAD_REQUEST', `offset ${range.offset} is not where an event of the recording starts (0, or a page's nextOffset; the recording has ${size} bytes)`);
      // Whole lines within the limit; a longer first line is read to its end (an event is at most a few hundred KiB).
      let chunk = read(offset, range.limit);
      let end = chunk.lastIndexOf(0x0a) + 1;
      for (let more = range.limit; end === 0 && offset + chunk.byteLength < size; more *= 2) {
        chunk = read(offset, more * 2);
        end = chunk.indexOf(0x0a) + 1;
      }
      const next = offset + end;
      return {
        session,
        cast: head.subarray(0, headerEnd).toString('utf8') + chunk.subarray(0, end).toString('utf8'),
        page: { offset, nextOffset: end > 0 && next < size ? next : null, totalBytes: size },
      };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The session's most recent output, up to about `maxBytes` of recording read from its end (a viewer's catch-up). */
  recentOutput(sid: string, maxBytes: number): string {
    if (!this.get(sid)) throw new TerminalError('NOT_FOUND', `no terminal session ${JSON.stringify(sid.slice(0, 64))}`);
    let fd: number;
    try {
      fd = fs.openSync(this.castFile(sid), 'r');
    } catch (e) {
      throw new TerminalError('NOT_FOUND', `the recording of session ${sid} cannot be read: ${(e as Error).message}`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(0, size - maxBytes);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.byteLength, start);
      const lines = buf.toString('utf8').split('\n');
      // The first line is the header, or cut in the middle when reading from inside the file.
      let out = '';
      for (const line of lines.slice(1)) {
        try {
          const e = JSON.parse(line) as unknown;
          if (Array.isArray(e) && e[1] === 'o' && typeof e[2] === 'string') out += e[2];
        } catch {
          // an event still being written
        }
      }
      return out;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** A frame from a host's collector (ingest). */
  frame(hostId: string, msg: TerminalOutput | TerminalExit): void {
    const s = this.live.get(msg.sid);
    if (!s || s.view.hostId !== hostId) {
      if (msg.type === 'term.exit') {
        this.o.log('warn', `terminal ${msg.sid} on ${hostId}: the host ended or refused a session this console does not hold: ${msg.reason}`);
        this.audit({ type: 'policy', name: 'terminal-broker' }, 'refusal', { terminal: 'stream', hostId, sid: msg.sid, reason: msg.reason });
      } else {
        this.o.ingest.sendTerminal(hostId, { type: 'term.close', sid: msg.sid, reason: 'no such session on the console' });
      }
      return;
    }
    if (msg.type === 'term.exit') {
      this.end(s, msg.code, msg.reason);
      return;
    }
    const now = this.now();
    s.lastActivityMs = now;
    s.recorder.data(msg.stream, msg.data, now);
    if (msg.stream === 'i') return;
    s.view = { ...s.view, outputBytes: s.view.outputBytes + msg.data.byteLength };
    for (const v of s.viewers) v.output(msg.data);
    s.unacked += msg.data.byteLength;
    this.ack(s);
  }

  hostGone(hostId: string): void {
    for (const s of [...this.live.values()]) if (s.view.hostId === hostId) this.end(s, null, 'the host disconnected');
  }

  /** End every session (console stopping). */
  stop(): void {
    clearInterval(this.timer);
    if (this.ackTimer) clearTimeout(this.ackTimer);
    for (const s of [...this.live.values()]) {
      this.o.ingest.sendTerminal(s.view.hostId, { type: 'term.close', sid: s.view.sid, reason: 'the console stops' });
      this.end(s, null, 'the console stopped');
    }
  }

  private ack(s: Live): void {
    if (s.unacked === 0 || this.live.get(s.view.sid) !== s) return;
    for (const v of s.viewers) {
      if (v.backlog() > VIEWER_BACKLOG_BYTES) {
        // Try again shortly: the viewer's socket drains meanwhile.
        this.ackTimer ??= setTimeout(() => {
          this.ackTimer = null;
          for (const l of this.live.values()) this.ack(l);
        }, 20);
        return;
      }
    }
    if (this.o.ingest.sendTerminal(s.view.hostId, { type: 'term.ack', sid: s.view.sid, bytes: s.unacked })) s.unacked = 0;
  }

  private end(s: Live, code: number | null, reason: string): void {
    if (this.live.get(s.view.sid) !== s) return;
    this.live.delete(s.view.sid);
    s.recorder.close();
    const closedMs = this.now();
    s.view = { ...s.view, state: 'closed', closedMs, exitCode: code, reason: s.view.reason ? `${s.view.reason} (${reason})` : reason, recordingTruncated: s.recorder.truncated };
    if (s.recorder.error) this.o.log('error', `terminal ${s.view.sid}: the recording stopped early: ${s.recorder.error}`);
    this.saveMeta(s.view);
    for (const v of s.viewers) v.exit(code, s.view.reason ?? reason);
    s.viewers.clear();
    this.o.log('info', `terminal ${s.view.sid} on ${s.view.hostId} ended after ${Math.round((closedMs - s.view.openedMs) / 1000)} s: ${s.view.reason}`);
    this.audit({ type: 'operator', name: s.view.by }, 'output', { terminal: 'closed', hostId: s.view.hostId, sid: s.view.sid, exitCode: code, reason: s.view.reason, outputBytes: s.view.outputBytes, recording: `${s.view.sid}.cast` });
  }

  private closeIdle(): void {
    const now = this.now();
    for (const s of [...this.live.values()]) {
      // The host confirms a close with term.exit; one that does not within 10 s is ended here.
      if (s.closingSinceMs !== null && now - s.closingSinceMs > 10_000) {
        this.end(s, null, `${s.view.reason ?? 'closed'}; the host did not confirm`);
        continue;
      }
      if (s.closingSinceMs !== null || now - s.lastActivityMs < this.idleMs) continue;
      const why = `idle for ${Math.round(this.idleMs / 1000)} s`;
      this.o.log('info', `terminal ${s.view.sid} on ${s.view.hostId}: ${why}; closing it`);
      this.close(s.view.sid, why);
    }
  }

  private saveMeta(view: TerminalSessionView): void {
    try {
      saveSessionMeta(this.o.dir, view);
    } catch (e) {
      this.o.log('error', `terminal ${view.sid}: cannot save its metadata in ${this.o.dir}: ${(e as Error).message}`);
    }
  }

  private audit(actor: Actor, kind: AuditKind, payload: unknown): void {
    try {
      this.o.audit?.append(actor, kind, payload);
    } catch (e) {
      this.o.log('error', `terminals: cannot write the audit record (${kind}): ${(e as Error).message}`);
    }
  }

  private missing(sid: string): TerminalError {
    return this.get(sid) ? new TerminalError('CLOSED', `terminal session ${sid} has ended`) : new TerminalError('NOT_FOUND', `no terminal session ${JSON.stringify(sid.slice(0, 64))}`);
  }

  private castFile(sid: string): string {
    return path.join(this.o.dir, `${sid}.cast`);
  }
}
