/**
 * Finished diagnoses and plans, persisted in the console's LMDB environment (one record per incident,
 * keyed by its id), like the remediation runs: reads come from memory (loaded at start), writes go through.
 * A record still running when the console stopped is loaded as failed, saying so.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { DiagnosisRecord } from '@cerebro/shared/api/contract';

export interface DiagnosisStore {
  /** Every stored record, oldest first. */
  load(): DiagnosisRecord[];
  save(record: DiagnosisRecord): void;
  delete(incidentId: string): void;
}

export class LmdbDiagnosisStore implements DiagnosisStore {
  private readonly db: Database<DiagnosisRecord, string>;

  constructor(env: RootDatabase) {
    this.db = env.openDB<DiagnosisRecord, string>({ name: 'agent-diagnoses' });
  }

  load(): DiagnosisRecord[] {
    const out: DiagnosisRecord[] = [];
    for (const { value } of this.db.getRange({})) {
      out.push(value.state === 'running' ? { ...value, state: 'failed', error: 'the console stopped while this diagnosis ran; ask again' } : value);
    }
    return out.sort((a, b) => a.startedMs - b.startedMs);
  }

  save(record: DiagnosisRecord): void {
    void this.db.put(record.incidentId, record);
  }

  delete(incidentId: string): void {
    void this.db.remove(incidentId);
  }
}
