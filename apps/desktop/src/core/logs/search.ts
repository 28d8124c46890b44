/**
 * Log search: newest first over one host's chunks (records.ts), or over every host's merged by
 * (ts, pos, idx) with a small heap. A host's chunks are read newest second first; the records of one
 * second (from every chunk of that second) are sorted before they are handed out. Work is bounded: at most `maxScan` records are examined per request; a request that
 * stops there answers `partial: true` with a cursor to continue from, never a long stall of the console.
 */
import type { Database } from 'lmdb';
import type { LogLine, LogSearchView } from '@cerebro/shared/api/contract';
import { LOG_LEVELS, type LogLevel } from '@cerebro/shared/protocol/messages';
import { chunkRecord, chunkSlot, cursorOf, parseCursor, toLine, type ChunkKey, type Cursor, type RecordKey, type StoredChunk, type StoredLog } from './records';

export const MAX_SEARCH_LIMIT = 1000;
export const DEFAULT_SEARCH_LIMIT = 200;

export interface LogQuery {
  readonly hostId?: string;
  /** Levels to keep; null: all. */
  readonly levels: ReadonlySet<LogLevel> | null;
  readonly templateId?: string;
  /** Lower-case terms that must all occur in the message. */
  readonly terms: readonly string[];
  /** ms since the epoch, inclusive. */
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  /** Continue with records strictly older than this. */
  readonly cursor: Cursor | null;
}

export class LogQueryError extends Error {
  override readonly name = 'LogQueryError';
}

/** `level` as the API takes it: "error", "warn,error", or "warn+" (warn and every more severe level). */
export function parseLevels(text: string | null | undefined): ReadonlySet<LogLevel> | null {
  if (text === null || text === undefined || text.trim() === '') return null;
  const out = new Set<LogLevel>();
  for (const raw of text.split(',')) {
    const word = raw.trim().toLowerCase();
    const atLeast = word.endsWith('+');
    const name = atLeast ? word.slice(0, -1) : word;
    const i = LOG_LEVELS.indexOf(name as LogLevel);
    if (i < 0 || (atLeast && name === 'unknown')) throw new LogQueryError(`level "${raw.trim()}" is not one of ${LOG_LEVELS.join(', ')} (add "+" for that level and more severe ones, e.g. warn+)`);
    for (const l of atLeast ? LOG_LEVELS.slice(0, i + 1) : [name as LogLevel]) out.add(l);
  }
  return out;
}

/** `q` as simple terms: words, or "quoted phrases"; all must occur, case-insensitively. */
export function parseTerms(q: string | null | undefined): string[] {
  if (!q) return [];
  const terms: string[] = [];
  for (const m of q.matchAll(/"([^"]*)"|(\S+)/g)) {
    const t = (m[1] ?? m[2] ?? '').toLowerCase();
    if (t !== '') terms.push(t);
  }
  return terms;
}

/** Builds a query from URL parameters; throws LogQueryError naming the bad one. */
export function queryFromParams(p: URLSearchParams, nowMs: number): LogQuery {
  const num = (name: string, fallback: number): number => {
    const v = p.get(name);
    if (v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new LogQueryError(`parameter "${name}" must be a number (ms since the epoch, or a count), got "${v}"`);
    return n;
  };
  const to = num('to', nowMs + 86_400_000);
  const from = num('from', 0);
  if (from > to) throw new LogQueryError(`"from" (${from}) is after "to" (${to})`);
  const limit = num('limit', DEFAULT_SEARCH_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new LogQueryError(`"limit" must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${limit}`);
  const c = p.get('cursor');
  const cursor = c ? parseCursor(c) : null;
  if (c && !cursor) throw new LogQueryError(`"cursor" is not a cursor this API returned: "${c}"`);
  const template = p.get('template') ?? '';
  if (template !== '' && !/^[0-9a-f]{8}$/.test(template)) throw new LogQueryError(`"template" must be a template id (8 hex digits, from /logs/templates), got "${template}"`);
  const host = p.get('host') ?? '';
  return { ...(host ? { hostId: host } : {}), levels: parseLevels(p.get('level')), ...(template ? { templateId: template } : {}), terms: parseTerms(p.get('q')), from, to, limit, cursor };
}

export function matches(q: LogQuery, v: StoredLog): boolean {
  if (q.levels && !q.levels.has(v.l)) return false;
  if (q.templateId !== undefined && v.t !== q.templateId) return false;
  if (q.terms.length === 0) return true;
  const text = v.m.toLowerCase();
  for (const t of q.terms) if (!text.includes(t)) return false;
  return true;
}

interface Head {
  key: RecordKey;
  value: StoredLog;
  readonly it: Iterator<{ key: RecordKey; value: StoredLog }>;
}

/** Newer first: ts, then pos, then idx, descending. */
function newer(a: RecordKey, b: RecordKey): boolean {
  return a[1] !== b[1] ? a[1] > b[1] : a[2] !== b[2] ? a[2] > b[2] : a[3] > b[3];
}

/** Strictly older than the cursor in (ts, pos, idx) order. */
function before(k: RecordKey, c: Cursor): boolean {
  return k[1] !== c.ts ? k[1] < c.ts : k[2] !== c.pos ? k[2] < c.pos : k[3] < c.idx;
}

type Row = { key: RecordKey; value: StoredLog };

/** One host's records in [from, to] (and before the cursor), newest first. */
function* hostRecords(db: Database<StoredChunk, ChunkKey>, hostId: string, q: LogQuery): Generator<Row> {
  const top = q.cursor ? Math.min(q.to, q.cursor.ts) : q.to;
  const start: ChunkKey = [hostId, chunkSlot(top), Number.MAX_SAFE_INTEGER];
  const end = [hostId, chunkSlot(q.from)] as unknown as ChunkKey;
  let slot = Number.NaN;
  let rows: Row[] = [];
  const flush = function* (): Generator<Row> {
    rows.sort((a, b) => (newer(a.key, b.key) ? -1 : 1));
    yield* rows;
    rows = [];
  };
  for (const { key, value } of db.getRange({ start, end, reverse: true })) {
    if (key[1] !== slot) {
      yield* flush();
      slot = key[1];
    }
    for (let j = 0; j < value.ts.length; j++) {
      const ts = value.ts[j] as number;
      if (ts > q.to || ts < q.from) continue;
      const k: RecordKey = [hostId, ts, key[2], value.i[j] as number];
      if (q.cursor && !before(k, q.cursor)) continue;
      rows.push({ key: k, value: chunkRecord(hostId, value, j) });
    }
  }
  yield* flush();
}

/** A binary max-heap of iterator heads (newest on top). */
class HeadHeap {
  private readonly a: Head[] = [];
  get size(): number {
    return this.a.length;
  }
  push(h: Head): void {
    const a = this.a;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!newer(a[i]!.key, a[p]!.key)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Head | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && newer(a[l]!.key, a[m]!.key)) m = l;
        if (r < a.length && newer(a[r]!.key, a[m]!.key)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function advance(heap: HeadHeap, it: Head['it']): void {
  const n = it.next();
  if (!n.done) heap.push({ key: n.value.key, value: n.value.value, it });
}

export function searchLogs(db: Database<StoredChunk, ChunkKey>, hosts: readonly string[], q: LogQuery, maxScan: number): LogSearchView {
  const heap = new HeadHeap();
  for (const h of q.hostId !== undefined ? [q.hostId] : hosts) advance(heap, hostRecords(db, h, q));
  const records: LogLine[] = [];
  let scanned = 0;
  let last: RecordKey | null = null;
  while (heap.size > 0) {
    if (records.length >= q.limit) return { records, cursor: last ? cursorOf(last[1], last[2], last[3]) : null, partial: false, scanned };
    if (scanned >= maxScan) return { records, cursor: last ? cursorOf(last[1], last[2], last[3]) : null, partial: true, scanned };
    const head = heap.pop() as Head;
    scanned++;
    last = head.key;
    if (matches(q, head.value)) records.push(toLine(head.key, head.value));
    advance(heap, head.it);
  }
  return { records, cursor: null, partial: false, scanned };
}
