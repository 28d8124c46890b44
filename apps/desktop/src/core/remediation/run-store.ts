/**
 * Action runs, persisted in the console's LMDB environment (one record per run, keyed by id). Reads come
 * from memory (loaded at start): lmdb commits puts asynchronously, and a run must be readable the moment
 * it is saved.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { ActionRun } from '@cerebro/shared/api/contract';

export interface RunStore {
  save(run: ActionRun): void;
  get(id: string): ActionRun | null;
  /** Newest first. */
  list(limit: number): ActionRun[];
}

export class LmdbRunStore implements RunStore {
  private readonly db: Database<ActionRun, string>;
  private readonly memory = new MemoryRunStore();

  constructor(env: RootDatabase) {
    this.db = env.openDB<ActionRun, string>({ name: 'remediation-runs' });
    for (const { value } of this.db.getRange({})) this.memory.save(value);
  }

  save(run: ActionRun): void {
    this.memory.save(run);
    void this.db.put(run.id, run);
  }

  get(id: string): ActionRun | null {
    return this.memory.get(id);
  }

  list(limit: number): ActionRun[] {
    return this.memory.list(limit);
  }
}

export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, ActionRun>();

  save(run: ActionRun): void {
    this.runs.set(run.id, run);
  }

  get(id: string): ActionRun | null {
    return this.runs.get(id) ?? null;
  }

  list(limit: number): ActionRun[] {
    return [...this.runs.values()].sort((a, b) => b.createdMs - a.createdMs).slice(0, limit);
  }
}
