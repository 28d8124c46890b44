/**
 * The console's write-ahead log of accepted batches, in LMDB. A batch is acked to its collector only once
 * its WAL entry and the host's sequence state are committed together (one LMDB transaction, awaited: the
 * promise resolves after the commit is flushed), so a console killed at any instant loses nothing it acked.
 * At start the entries are replayed into the telemetry store; entries whose samples all reached persisted
 * blocks are deleted (see TelemetryStore.minUnflushedWalPos).
 */
import type { Database, RootDatabase } from 'lmdb';
import type { SeqState } from './seq-state';

export interface WalEntry {
  /** Host id. */
  readonly h: string;
  /** Raw frame bytes exactly as received (decoded again at replay). */
  readonly f: Uint8Array;
}

export class WriteAheadLog {
  private readonly wal: Database<WalEntry, number>;
  private readonly seqs: Database<SeqState, string>;
  private nextPos: number;

  constructor(private readonly env: RootDatabase) {
    this.wal = env.openDB<WalEntry, number>({ name: 'ingest.wal' });
    this.seqs = env.openDB<SeqState, string>({ name: 'ingest.seqs' });
    let last = 0;
    for (const key of this.wal.getKeys({ reverse: true, limit: 1 })) last = key;
    this.nextPos = last + 1;
  }

  /** Allocate the next WAL position (strictly increasing across restarts). */
  takePos(): number {
    return this.nextPos++;
  }

  /**
   * Durably store a batch and the host's new sequence state, atomically. Resolves once on disk. A child
   * transaction: lmdb-js's plain `transaction` would commit the entry even when putting the state throws
   * (kriszyp/lmdb-js#115; the store's block-db.ts, atomic), and the batch would then be replayed and also
   * resent by its collector, which the state would not yet count as received.
   */
  append(pos: number, hostId: string, frame: Uint8Array, state: SeqState): Promise<unknown> {
    return this.env.childTransaction(() => {
      this.wal.put(pos, { h: hostId, f: frame });
      this.seqs.put(hostId, state);
    });
  }

  /** Store a host's sequence state alone (e.g. after the collector said which seqs will never come). */
  saveSeqState(hostId: string, state: SeqState): Promise<boolean> {
    return this.seqs.put(hostId, state);
  }

  loadSeqStates(): Map<string, SeqState> {
    const out = new Map<string, SeqState>();
    for (const { key, value } of this.seqs.getRange()) out.set(key, value);
    return out;
  }

  /** Entries in position order, for replay at start. */
  *entries(): Generator<{ pos: number; entry: WalEntry }> {
    for (const { key, value } of this.wal.getRange()) yield { pos: key, entry: value };
  }

  /** Delete every entry with position < pos. Returns how many were deleted. */
  async truncateBefore(pos: number): Promise<number> {
    const keys: number[] = [];
    for (const key of this.wal.getKeys({ end: pos })) keys.push(key);
    if (keys.length === 0) return 0;
    await this.env.transaction(() => {
      for (const k of keys) this.wal.remove(k);
    });
    return keys.length;
  }

  size(): number {
    return this.wal.getCount();
  }
}
