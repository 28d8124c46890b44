/**
 * Incident documents in the state database's `incidents` collection (written through to LMDB, so they
 * survive a restart). Writes are queued one after another, like the alert store's; each stored change is
 * reported to `onChange` listeners (the API's live `incidents` topic) after its write.
 */
import type { Incident, IncidentChange } from '@cerebro/shared/api/contract';
import type { StateDatabase } from '../state/database';

/** Most incidents a list returns. */
const LIST_LIMIT = 500;

export type IncidentListener = (change: IncidentChange, incident: Incident) => void;
type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export class IncidentStore {
  private queue: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<IncidentListener>();

  constructor(
    private readonly db: StateDatabase,
    private readonly log: Log,
  ) {}

  async openIncidents(): Promise<Incident[]> {
    const docs = await this.db.incidents.find({ selector: { state: 'open' } }).exec();
    return docs.map((d) => d.toJSON() as Incident);
  }

  /** Stores the whole document (queued) and then tells the listeners. */
  save(change: IncidentChange, incident: Incident): void {
    this.queue = this.queue
      .then(async () => {
        await this.db.incidents.upsert(incident);
        this.emit(change, incident);
      })
      .catch((e: unknown) => this.log('error', `incidents: cannot store incident ${incident.id} (${change}): ${(e as Error).message}`));
  }

  settle(): Promise<void> {
    return this.queue;
  }

  /** Newest first: open ones, or all. */
  async list(all: boolean): Promise<Incident[]> {
    await this.queue;
    const docs = await this.db.incidents.find({ selector: all ? {} : { state: 'open' }, sort: [{ openedMs: 'desc' }], limit: LIST_LIMIT }).exec();
    return docs.map((d) => d.toJSON() as Incident);
  }

  async get(id: string): Promise<Incident | null> {
    await this.queue;
    const doc = await this.db.incidents.findOne(id).exec();
    return doc ? (doc.toJSON() as Incident) : null;
  }

  onChange(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: IncidentChange, incident: Incident): void {
    for (const l of this.listeners) {
      try {
        l(change, incident);
      } catch (e) {
        this.log('warn', `incidents: a change listener failed: ${(e as Error).message}`);
      }
    }
  }
}
