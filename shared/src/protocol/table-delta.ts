/**
 * Process tables as changes. A collector scans its processes every 2 s, and most rows do not change
 * between scans (idle daemons: no CPU, the same memory). Sending only the rows that changed, and the pids
 * that are gone, cuts what a host sends, the console decodes, validates and writes to its WAL by most of
 * the table; the console rebuilds the whole table from the previous one, so everything after ingest still
 * sees whole tables.
 *
 * A delta names its base: the seq of the batch whose table it changes. The console applies it only onto
 * that table; any other (the base was dropped by a full spool, or cut off by the WAL before a restart)
 * leaves the host without a table until the next whole one, which the collector sends every
 * `FULL_TABLE_EVERY` tables. Written here rather than taken from a library: it is a keyed diff of ~200
 * rows, and both ends must agree on it exactly.
 */
import type { ProcessRow, ProcessTableDelta, TelemetryBatch } from './messages';

/** Every this many tables one is sent whole (every 30 s at the collector's 2-s scans). */
export const FULL_TABLE_EVERY = 15;

/** Whether two rows of the same pid carry the same values (every field of the wire format). */
export function sameRow(a: ProcessRow, b: ProcessRow): boolean {
  return (
    a.pid === b.pid &&
    a.cpuPct === b.cpuPct &&
    a.rssBytes === b.rssBytes &&
    a.state === b.state &&
    a.threads === b.threads &&
    a.fds === b.fds &&
    a.readBps === b.readBps &&
    a.writeBps === b.writeBps &&
    a.startMs === b.startMs &&
    a.ppid === b.ppid &&
    a.name === b.name &&
    a.cmd === b.cmd &&
    a.user === b.user
  );
}

export type EncodedTable = { readonly procs: readonly ProcessRow[] } | { readonly procsDelta: ProcessTableDelta };

/** The collector's side: turns each scanned table into a whole table or a delta against the last one sent. */
export class ProcessTableEncoder {
  private last = new Map<number, ProcessRow>();
  private lastSeq = 0;
  private sinceFull = 0;

  constructor(private readonly fullEvery: number = FULL_TABLE_EVERY) {
    if (!Number.isInteger(fullEvery) || fullEvery < 1) throw new Error(`a whole table must be sent every 1 or more tables, got ${fullEvery}`);
  }

  /**
   * The table of batch `seq`, as a delta against the previous table when `deltas` (the console offered
   * them) and a whole table is not due; whole otherwise. Seqs must increase.
   */
  encode(seq: number, rows: readonly ProcessRow[], deltas: boolean): EncodedTable {
    const next = new Map<number, ProcessRow>();
    for (const r of rows) next.set(r.pid, r);
    const base = this.lastSeq;
    const previous = this.last;
    this.last = next;
    this.lastSeq = seq;
    if (!deltas || base === 0 || this.sinceFull + 1 >= this.fullEvery) {
      this.sinceFull = 0;
      return { procs: rows };
    }
    this.sinceFull++;
    const changed: ProcessRow[] = [];
    for (const r of rows) {
      const before = previous.get(r.pid);
      if (before === undefined || !sameRow(before, r)) changed.push(r);
    }
    const gone: number[] = [];
    for (const pid of previous.keys()) if (!next.has(pid)) gone.push(pid);
    return { procsDelta: { base, rows: changed, gone } };
  }

  /** The last table was not sent after all (its batch failed to spool): the next one goes whole. */
  reset(): void {
    this.last = new Map();
    this.lastSeq = 0;
    this.sinceFull = 0;
  }
}

/** Why a delta could not be applied. */
export interface TableDeltaMiss {
  readonly hostId: string;
  readonly seq: number;
  readonly base: number;
  /** Seq of the table the console holds for the host; null: none. */
  readonly held: number | null;
}

/** The console's side: each host's latest table, rebuilt from whole tables and deltas, in batch order. */
export class ProcessTableDecoder {
  /**
   * Per host: the seq of its latest table (null after a miss, until a whole table comes), and the table: a
   * whole one as it came, made a map by pid only when a delta arrives (a collector that sends whole tables
   * every 2 s never pays for the map).
   */
  private readonly hosts = new Map<string, { seq: number | null; whole: readonly ProcessRow[] | null; rows: Map<number, ProcessRow> | null }>();
  /** Deltas received, and those that could not be applied (their base was not the table held: no table for that batch). */
  deltas = 0;
  missed = 0;

  constructor(private readonly onMiss: (miss: TableDeltaMiss) => void = () => undefined) {}

  /**
   * The whole table of batch `seq`: `procs` as it is, a delta applied onto the host's table when that
   * is its base; undefined when the batch has neither, or its delta's base is not held (counted).
   */
  apply(hostId: string, seq: number, procs: readonly ProcessRow[] | undefined, delta: ProcessTableDelta | undefined): readonly ProcessRow[] | undefined {
    if (procs !== undefined) {
      this.hosts.set(hostId, { seq, whole: procs, rows: null });
      return procs;
    }
    if (delta === undefined) return undefined;
    this.deltas++;
    const held = this.hosts.get(hostId);
    if (held === undefined || held.seq !== delta.base) {
      this.missed++;
      // Reported once a chain: the deltas after a miss are based on it, and miss until a whole table.
      if (held?.seq !== null) this.onMiss({ hostId, seq, base: delta.base, held: held?.seq ?? null });
      this.hosts.set(hostId, { seq: null, whole: null, rows: null });
      return undefined;
    }
    let rows = held.rows;
    if (rows === null) {
      rows = new Map();
      for (const r of held.whole ?? []) rows.set(r.pid, r);
      held.rows = rows;
      held.whole = null;
    }
    for (const pid of delta.gone) rows.delete(pid);
    for (const r of delta.rows) rows.set(r.pid, r);
    held.seq = seq;
    // A new array each time: whoever kept the previous table keeps it unchanged.
    return Array.from(rows.values());
  }
}

/**
 * The batch with its whole process table: a delta is applied (and dropped from the batch), a whole table
 * recorded as the base of the next delta. Batches of a host must come in the order the collector sent
 * them (ingest's arrival order, the WAL's order at replay); duplicates must not come twice.
 */
export function withWholeTable(decoder: ProcessTableDecoder, hostId: string, batch: TelemetryBatch): TelemetryBatch {
  const delta = batch.procsDelta;
  if (delta === undefined) {
    if (batch.procs !== undefined) decoder.apply(hostId, batch.seq, batch.procs, undefined);
    return batch;
  }
  const procs = decoder.apply(hostId, batch.seq, undefined, delta);
  const { procsDelta: _applied, ...rest } = batch;
  return procs === undefined ? rest : { ...rest, procs };
}
