/**
 * How log records are stored: sub-db `chunks` of the logs environment. The records of one batch (one WAL
 * position) are packed per second of their timestamps into one value, key [hostId, secondMs, walPos]:
 * one LMDB put per batch and second instead of one per line (per-line puts were ~40 % of the console's
 * main thread and most of lmdb's write thread under a log flood). Keys are in time order per host to the
 * second; search orders the records of one second exactly (ts, walPos, index). The key is the same on
 * every replay of the same WAL entry, so rebuilding from the WAL overwrites instead of doubling.
 */
import type { LogLine } from '@cerebro/shared/api/contract';
import { LOG_LEVELS, type LogLevel, type LogRecord } from '@cerebro/shared/protocol/messages';

/** A record's identity: [hostId, ts, walPos, index in its batch]. */
export type RecordKey = [hostId: string, ts: number, pos: number, idx: number];
export type ChunkKey = [hostId: string, second: number, pos: number];

/** Width of a chunk's time slot, ms: every record of a chunk has floor(ts / CHUNK_MS) * CHUNK_MS = key[1]. */
export const CHUNK_MS = 1000;

export function chunkSlot(ts: number): number {
  return Math.floor(ts / CHUNK_MS) * CHUNK_MS;
}

/** One record, as search and the live feed see it. */
export interface StoredLog {
  readonly ts: number;
  readonly h: string;
  readonly s: string;
  readonly l: LogLevel;
  readonly m: string;
  /** Template id. */
  readonly t: string;
  readonly u?: string;
  readonly p?: number;
}

/**
 * One batch's records of one second, as columns (cheap to encode; no per-record object or structure),
 * in batch order. `u` and `p` are present only when some record has a unit or pid (null for the others).
 */
export interface StoredChunk {
  readonly ts: number[];
  /** Index of each record in its batch. */
  readonly i: number[];
  readonly l: LogLevel[];
  readonly s: string[];
  readonly m: string[];
  readonly t: string[];
  u?: Array<string | null>;
  p?: Array<number | null>;
  /** Estimated bytes (see chunkBytes), kept so that retention need not recompute it. */
  b: number;
}

/** Appends a record to a chunk being built. */
export function addToChunk(c: StoredChunk, idx: number, r: LogRecord, templateId: string): void {
  const n = c.ts.length;
  c.ts.push(r.ts);
  c.i.push(idx);
  c.l.push(r.level);
  c.s.push(r.src);
  c.m.push(r.msg);
  c.t.push(templateId);
  if (r.unit !== undefined) (c.u ??= new Array<string | null>(n).fill(null))[n] = r.unit;
  else if (c.u) c.u.push(null);
  if (r.pid !== undefined) (c.p ??= new Array<number | null>(n).fill(null))[n] = r.pid;
  else if (c.p) c.p.push(null);
  c.b += recordBytes(r);
}

export function emptyChunk(hostId: string): StoredChunk {
  return { ts: [], i: [], l: [], s: [], m: [], t: [], b: CHUNK_OVERHEAD_BYTES + 2 * hostId.length };
}

/** Record `j` of a chunk. */
export function chunkRecord(hostId: string, c: StoredChunk, j: number): StoredLog {
  const v: { -readonly [K in keyof StoredLog]: StoredLog[K] } = { ts: c.ts[j] as number, h: hostId, s: c.s[j] as string, l: c.l[j] as LogLevel, m: c.m[j] as string, t: c.t[j] as string };
  const u = c.u?.[j];
  if (u !== undefined && u !== null) v.u = u;
  const p = c.p?.[j];
  if (p !== undefined && p !== null) v.p = p;
  return v;
}

const CHUNK_OVERHEAD_BYTES = 64;

/**
 * Estimated bytes of one record in a chunk (its columns, msgpack overhead included). An estimate, not a
 * measure: LMDB pages and free lists add their own share, so the disk cap bounds this figure.
 */
export function recordBytes(r: LogRecord): number {
  return r.src.length + r.msg.length + (r.unit?.length ?? 0) + 32;
}

/** A record's position as an opaque cursor: base-36 ts.pos.idx (unique; host not needed, a WAL position is one host's). */
export function cursorOf(ts: number, pos: number, idx: number): string {
  return `${ts.toString(36)}.${pos.toString(36)}.${idx.toString(36)}`;
}

export interface Cursor {
  readonly ts: number;
  readonly pos: number;
  readonly idx: number;
}

export function parseCursor(text: string): Cursor | null {
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[0-9a-z]{1,14}$/.test(p))) return null;
  const [ts, pos, idx] = parts.map((p) => parseInt(p, 36)) as [number, number, number];
  return Number.isSafeInteger(ts) && Number.isSafeInteger(pos) && Number.isSafeInteger(idx) ? { ts, pos, idx } : null;
}

export function toLine(key: RecordKey, v: StoredLog): LogLine {
  const line: { -readonly [K in keyof LogLine]: LogLine[K] } = { id: cursorOf(key[1], key[2], key[3]), ts: v.ts, hostId: v.h, src: v.s, level: v.l, msg: v.m, templateId: v.t };
  if (v.u !== undefined) line.unit = v.u;
  if (v.p !== undefined) line.pid = v.p;
  return line;
}

/** Level → bit, for compact "levels seen" sets. */
export function levelBit(level: LogLevel): number {
  return 1 << LOG_LEVELS.indexOf(level);
}

export function levelsOf(mask: number): LogLevel[] {
  return LOG_LEVELS.filter((_, i) => (mask & (1 << i)) !== 0);
}

/** The most severe level in a mask (LOG_LEVELS is ordered most severe first); 'unknown' for none. */
export function worstLevel(mask: number): LogLevel {
  return LOG_LEVELS.find((_, i) => (mask & (1 << i)) !== 0) ?? 'unknown';
}
