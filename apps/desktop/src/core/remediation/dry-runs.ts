/**
 * The dry runs the console has shown, per runbook and host: a live run (operator or autonomous) of a
 * runbook that never had one is refused (policy rule DRY_RUN_REQUIRED). Kept in the console's LMDB
 * environment, so that a restart does not ask again; reads come from memory (lmdb commits puts
 * asynchronously, and a dry run must count the moment it is shown).
 */
import { createHash } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import type { DryRunRecord, Runbook } from '@cerebro/shared/api/contract';

export interface DryRunLedger {
  record(r: DryRunRecord): void;
  /** The latest dry run of the runbook on that host, or (no host) on any host. */
  latest(runbookId: string, hostId?: string): DryRunRecord | null;
}

/** SHA-256 of what a runbook does (its file name aside): an edited runbook needs a new dry run. */
export function runbookFingerprint(rb: Runbook): string {
  return createHash('sha256').update(JSON.stringify({ ...rb, file: '' })).digest('hex');
}

const key = (runbookId: string, hostId: string): string => `${runbookId}\u0000${hostId}`;

export class MemoryDryRunLedger implements DryRunLedger {
  private readonly byHost = new Map<string, DryRunRecord>();
  private readonly byRunbook = new Map<string, DryRunRecord>();

  record(r: DryRunRecord): void {
    this.byHost.set(key(r.runbookId, r.hostId), r);
    const prev = this.byRunbook.get(r.runbookId);
    if (!prev || prev.atMs <= r.atMs) this.byRunbook.set(r.runbookId, r);
  }

  latest(runbookId: string, hostId?: string): DryRunRecord | null {
    return (hostId === undefined ? this.byRunbook.get(runbookId) : this.byHost.get(key(runbookId, hostId))) ?? null;
  }
}

export class LmdbDryRunLedger implements DryRunLedger {
  private readonly db: Database<DryRunRecord, string>;
  private readonly memory = new MemoryDryRunLedger();

  constructor(env: RootDatabase) {
    this.db = env.openDB<DryRunRecord, string>({ name: 'remediation-dry-runs' });
    for (const { value } of this.db.getRange({})) this.memory.record(value);
  }

  record(r: DryRunRecord): void {
    this.memory.record(r);
    void this.db.put(key(r.runbookId, r.hostId), r);
  }

  latest(runbookId: string, hostId?: string): DryRunRecord | null {
    return this.memory.latest(runbookId, hostId);
  }
}
