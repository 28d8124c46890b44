/**
 * Terminal sessions over the collector ↔ console link: the `terminal.open` grant's payload, the bounds
 * both sides keep, and validation of the `term.*` frames (messages.ts defines them).
 *
 * Flow control: the collector may have at most TERMINAL_WINDOW_BYTES of a session's output sent and not
 * yet acknowledged by `term.ack`; past that it pauses the pty (the shell blocks on write), so a flood of
 * output can never queue more than a window per session in front of the telemetry batches that share the
 * connection.
 */
import { err, ok, type Result } from '../result';
import type { TerminalAck, TerminalClose, TerminalExit, TerminalInput, TerminalOutput, TerminalResize } from './messages';

/** Most data bytes in one term.out / term.in frame. */
export const MAX_TERMINAL_CHUNK_BYTES = 32 * 1024;
/** Output bytes a session may have in flight (sent, not acked) before the collector pauses its pty. */
export const TERMINAL_WINDOW_BYTES = 256 * 1024;
/** Session ids: 8–64 characters of [A-Za-z0-9_-]. */
export const TERMINAL_SID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** Terminal size bounds, character cells. */
export const TERMINAL_MAX_COLS = 1000;
export const TERMINAL_MAX_ROWS = 500;
/** Most terminal sessions one collector runs at once. */
export const MAX_TERMINALS_PER_HOST = 8;

/** Payload of the signed `terminal.open` command (the grant). */
export interface TerminalOpenPayload {
  /** The session id the console chose; every later frame of the session carries it. */
  readonly sid: string;
  readonly cols: number;
  readonly rows: number;
  /** Who asked for it on the console (for the host's log). */
  readonly by: string;
  /** The account to run the shell as; absent: the host policy's terminalUser, else the collector's own. */
  readonly user?: string;
}

/** What a collector answers to a granted `terminal.open`. */
export interface TerminalOpened {
  readonly sid: string;
  /** The shell's pid on the host. */
  readonly pid: number;
  /** The account the shell runs as. */
  readonly user: string;
  readonly shell: string;
  /** How the shell was stripped of the collector's capabilities, or why not (older collectors: absent). */
  readonly capabilities?: string;
  /** A warning the console shows as the session's first line (capabilities not dropped). */
  readonly warning?: string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function size(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
}

/** The payload of a `terminal.open` command, or why it is not one. */
export function parseTerminalOpen(v: unknown): Result<TerminalOpenPayload, string> {
  if (!isObj(v)) return err('the terminal.open payload must be a map {sid, cols, rows, by, user?}');
  const { sid, cols, rows, by, user } = v;
  if (typeof sid !== 'string' || !TERMINAL_SID_PATTERN.test(sid)) return err(`payload.sid must be 8–64 characters of [A-Za-z0-9_-], got ${JSON.stringify(sid)}`);
  if (!size(cols, TERMINAL_MAX_COLS)) return err(`payload.cols must be an integer from 1 to ${TERMINAL_MAX_COLS}, got ${JSON.stringify(cols)}`);
  if (!size(rows, TERMINAL_MAX_ROWS)) return err(`payload.rows must be an integer from 1 to ${TERMINAL_MAX_ROWS}, got ${JSON.stringify(rows)}`);
  if (typeof by !== 'string' || by.length === 0 || by.length > 128) return err('payload.by must name who opens the terminal (1–128 characters)');
  if (user !== undefined && (typeof user !== 'string' || !/^[a-z_][a-z0-9_.-]{0,31}\$?$/i.test(user))) return err(`payload.user must be a user name, got ${JSON.stringify(user)}`);
  return ok({ sid, cols: cols as number, rows: rows as number, by, ...(user === undefined ? {} : { user }) });
}

/** Thrown by the frame checks below; validate.ts turns it into INVALID_MESSAGE. */
export class InvalidTerminalFrame extends Error {}

function sidOf(o: Record<string, unknown>, p: string): string {
  const sid = o['sid'];
  if (typeof sid !== 'string' || !TERMINAL_SID_PATTERN.test(sid)) throw new InvalidTerminalFrame(`${p}.sid: expected 8–64 characters of [A-Za-z0-9_-], got ${JSON.stringify(typeof sid === 'string' ? sid.slice(0, 40) : sid)}`);
  return sid;
}

function dataOf(o: Record<string, unknown>, p: string): Uint8Array {
  const d = o['data'];
  if (!(d instanceof Uint8Array)) throw new InvalidTerminalFrame(`${p}.data: expected binary`);
  if (d.byteLength > MAX_TERMINAL_CHUNK_BYTES) throw new InvalidTerminalFrame(`${p}.data: ${d.byteLength} bytes is over the limit of ${MAX_TERMINAL_CHUNK_BYTES} bytes per frame`);
  return d;
}

function textOf(o: Record<string, unknown>, k: string, p: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > 1024) throw new InvalidTerminalFrame(`${p}.${k}: expected a string of at most 1024 characters`);
  return v;
}

export function terminalOutput(o: Record<string, unknown>): TerminalOutput {
  const p = 'term.out';
  const stream = o['stream'];
  if (stream !== 'o' && stream !== 'i') throw new InvalidTerminalFrame(`${p}.stream: expected "o" or "i", got ${JSON.stringify(stream)}`);
  return { type: 'term.out', sid: sidOf(o, p), stream, data: dataOf(o, p) };
}

export function terminalExit(o: Record<string, unknown>): TerminalExit {
  const p = 'term.exit';
  const code = o['code'];
  if (code !== null && !(typeof code === 'number' && Number.isInteger(code))) throw new InvalidTerminalFrame(`${p}.code: expected an integer or null`);
  return { type: 'term.exit', sid: sidOf(o, p), code, reason: textOf(o, 'reason', p) };
}

export function terminalInput(o: Record<string, unknown>): TerminalInput {
  return { type: 'term.in', sid: sidOf(o, 'term.in'), data: dataOf(o, 'term.in') };
}

export function terminalAck(o: Record<string, unknown>): TerminalAck {
  const bytes = o['bytes'];
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidTerminalFrame('term.ack.bytes: expected a non-negative integer');
  return { type: 'term.ack', sid: sidOf(o, 'term.ack'), bytes };
}

export function terminalResize(o: Record<string, unknown>): TerminalResize {
  const { cols, rows } = o;
  if (!size(cols, TERMINAL_MAX_COLS) || !size(rows, TERMINAL_MAX_ROWS)) throw new InvalidTerminalFrame(`term.resize: cols must be 1–${TERMINAL_MAX_COLS} and rows 1–${TERMINAL_MAX_ROWS}`);
  return { type: 'term.resize', sid: sidOf(o, 'term.resize'), cols: cols as number, rows: rows as number };
}

export function terminalClose(o: Record<string, unknown>): TerminalClose {
  return { type: 'term.close', sid: sidOf(o, 'term.close'), reason: textOf(o, 'reason', 'term.close') };
}
