/**
 * Asks (POST /agents/ask), persisted in the console's LMDB environment like the diagnoses (one record per
 * Ask, keyed by its id): reads come from memory (the orchestrator loads them at start), writes go through,
 * a running Ask at each step. An Ask still running when the console stopped is loaded as failed, saying so.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { AskRecord } from '@cerebro/shared/api/contract';

export interface AskStore {
  /** Every stored record, oldest first. */
  load(): AskRecord[];
  save(record: AskRecord): void;
  delete(id: string): void;
}

export const ASK_INTERRUPTED = 'the console stopped while this Ask ran; ask again';

export class LmdbAskStore implements AskStore {
  private readonly db: Database<AskRecord, string>;

  constructor(env: RootDatabase) {
    this.db = env.openDB<AskRecord, string>({ name: 'agent-asks' });
  }

  load(): AskRecord[] {
    const out: AskRecord[] = [];
    for (const { value } of this.db.getRange({})) out.push(value.state === 'running' ? { ...value, state: 'failed', error: ASK_INTERRUPTED } : value);
    return out.sort((a, b) => a.startedMs - b.startedMs);
  }

  save(record: AskRecord): void {
    void this.db.put(record.id, record);
  }

  delete(id: string): void {
    void this.db.remove(id);
  }

  /** Resolves once the writes so far are committed (tests). */
  flushed(): Promise<boolean> {
    return this.db.flushed;
  }
}
