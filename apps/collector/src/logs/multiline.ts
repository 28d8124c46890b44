/**
 * Joins continuation lines (stack trace frames, "Caused by:", Python tracebacks) to the record they belong
 * to, one joiner per followed file. A record is complete when a line that starts a new record arrives, or
 * when no line came for `idleMs` (checked on every tick), or when it reaches `maxLines`. Text beyond
 * `maxChars` is cut (and the record marked truncated) while its remaining continuation lines are still
 * absorbed, so a runaway trace costs bounded memory.
 */

export interface MultilineOptions {
  /** Most lines in one record; the next continuation line starts a new record. */
  readonly maxLines: number;
  /** Most characters kept of one record. */
  readonly maxChars: number;
  /** A pending record is complete after this long without a new line, ms. */
  readonly idleMs: number;
}

/** One complete record as the joiner hands it on. */
export interface JoinedRecord {
  /** Time the first line was read, ms since the epoch. */
  readonly ts: number;
  readonly text: string;
  /** File offset just past its last line. */
  readonly end: number;
  readonly truncated: boolean;
}

// Lines that continue the previous record: indented lines (Java "\tat ...", Python "  File ..."), and the
// unindented markers that stack traces print between their frames.
const CONTINUATION = /^(?:[ \t]|at |Caused by:|Suppressed:|\.\.\. ?\d+ (?:more|common frames omitted)|\.\.\.|Traceback \(most recent call last\):|During handling of the above exception|The above exception was the direct cause)/;
const TRACEBACK = 'Traceback (most recent call last):';

export function isContinuation(line: string): boolean {
  return CONTINUATION.test(line);
}

interface Pending {
  ts: number;
  parts: string[];
  chars: number;
  lines: number;
  end: number;
  lastAt: number;
  truncated: boolean;
  /** Inside a Python traceback whose last line was an indented frame: the next unindented line is the exception itself. */
  tracebackOpen: boolean;
}

export class MultilineJoiner {
  private pending: Pending | null = null;

  constructor(private readonly options: MultilineOptions) {}

  /** Whether a record is being assembled (its lines are read but not yet handed on). */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** Feed one line (without its newline); calls `emit` for each record it completes. */
  push(line: string, at: number, end: number, emit: (r: JoinedRecord) => void): void {
    const p = this.pending;
    if (p && p.lines < this.options.maxLines && this.continues(p, line)) {
      this.append(p, line, at, end);
      return;
    }
    if (p) this.finish(emit);
    this.pending = { ts: at, parts: [], chars: 0, lines: 0, end, lastAt: at, truncated: false, tracebackOpen: false };
    this.append(this.pending, line, at, end);
  }

  /** Hand on the pending record if no line came for idleMs. */
  flushIdle(now: number, emit: (r: JoinedRecord) => void): void {
    if (this.pending && now - this.pending.lastAt >= this.options.idleMs) this.finish(emit);
  }

  /** Hand on the pending record now (the file is closed, or the collector stops). */
  flush(emit: (r: JoinedRecord) => void): void {
    if (this.pending) this.finish(emit);
  }

  private continues(p: Pending, line: string): boolean {
    if (isContinuation(line)) return true;
    // The unindented "ValueError: message" that ends a traceback belongs to it.
    return p.tracebackOpen && line.length > 0;
  }

  private append(p: Pending, line: string, at: number, end: number): void {
    const wasOpen = p.tracebackOpen;
    if (line.startsWith(TRACEBACK)) p.tracebackOpen = true;
    else if (wasOpen && !/^[ \t]/.test(line) && !isContinuation(line)) p.tracebackOpen = false;
    p.lines++;
    p.end = end;
    p.lastAt = at;
    const room = this.options.maxChars - p.chars - (p.parts.length > 0 ? 1 : 0);
    if (room <= 0) {
      p.truncated = true;
      return;
    }
    const text = line.length > room ? cutAt(line, room) : line;
    if (text.length < line.length) p.truncated = true;
    p.parts.push(text);
    p.chars += text.length + (p.parts.length > 1 ? 1 : 0);
  }

  private finish(emit: (r: JoinedRecord) => void): void {
    const p = this.pending as Pending;
    this.pending = null;
    emit({ ts: p.ts, text: p.parts.join('\n'), end: p.end, truncated: p.truncated });
  }
}

/** Cut a string to at most n UTF-16 units without splitting a surrogate pair (a lone half cannot be encoded). */
export function cutAt(s: string, n: number): string {
  if (s.length <= n) return s;
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}
