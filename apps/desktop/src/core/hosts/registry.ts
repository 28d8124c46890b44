/**
 * The console's live view of its hosts. Ingest reports connections and batches here; the registry keeps
 * the latest process and socket tables in memory (they are replaced every scan, so they are state, not
 * history) and writes the host documents to RxDB — on connect, disconnect, status change, inventory,
 * spool or source changes, and otherwise at most every `persistEveryMs`, so a 1 Hz stream of batches
 * costs a document write every few seconds, not every second.
 */
import { EventEmitter } from 'node:events';
import type { ProcessRow, SocketRow, TelemetryBatch } from '@cerebro/shared/protocol/messages';
import type { HostDoc, HostSourceError, HostStatus } from '../state/schemas';
import type { StateDatabase } from '../state/database';

export interface HostTables {
  /** Collector timestamp of the scan, ms. */
  readonly ts: number;
  readonly procs?: readonly ProcessRow[];
  readonly sockets?: readonly SocketRow[];
}

export interface RegistryOptions {
  /** A host whose last batch is older than this is stale, ms. */
  readonly staleAfterMs: number;
  /** ... and lost after this, ms. */
  readonly lostAfterMs: number;
  /** Minimum interval between document writes for routine updates (last seen), ms. */
  readonly persistEveryMs: number;
}

export const DEFAULT_REGISTRY_OPTIONS: RegistryOptions = { staleAfterMs: 10_000, lostAfterMs: 60_000, persistEveryMs: 5_000 };

interface LiveHost {
  doc: HostDoc;
  procs: HostTables | null;
  sockets: HostTables | null;
  /** Doc changed since it was last written. */
  dirty: boolean;
  /** Something worth writing at once changed (status, connection, inventory...). */
  urgent: boolean;
  persistedMs: number;
  /** When a spool drop was last logged, ms. */
  dropLoggedMs: number;
}

export interface RegistryEvents {
  /** A host document changed (as persisted). */
  host: [HostDoc];
}

export class HostRegistry extends EventEmitter<RegistryEvents> {
  private readonly hosts = new Map<string, LiveHost>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: StateDatabase,
    private readonly options: RegistryOptions,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {
    super();
  }

  static async open(db: StateDatabase, log: HostRegistry['log'], options: Partial<RegistryOptions> = {}): Promise<HostRegistry> {
    const registry = new HostRegistry(db, { ...DEFAULT_REGISTRY_OPTIONS, ...options }, log);
    const docs = await db.hosts.find().exec();
    for (const d of docs) {
      // After a console restart no collector is connected yet.
      const doc: HostDoc = { ...(d.toMutableJSON() as HostDoc), connected: false };
      registry.hosts.set(doc.id, { doc, procs: null, sockets: null, dirty: true, urgent: false, persistedMs: 0, dropLoggedMs: 0 });
    }
    registry.timer = setInterval(() => registry.tick(), 1000);
    registry.timer.unref();
    return registry;
  }

  list(): HostDoc[] {
    return [...this.hosts.values()].map((h) => h.doc).sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  }

  get(hostId: string): HostDoc | null {
    return this.hosts.get(hostId)?.doc ?? null;
  }

  processes(hostId: string): HostTables | null {
    return this.hosts.get(hostId)?.procs ?? null;
  }

  sockets(hostId: string): HostTables | null {
    return this.hosts.get(hostId)?.sockets ?? null;
  }

  connected(hostId: string, hostname: string, agent: { name: string; version: string }, address: string, nowMs = Date.now()): void {
    const h = this.hosts.get(hostId);
    const base: HostDoc = h?.doc ?? {
      id: hostId,
      hostname,
      status: 'live',
      firstSeenMs: nowMs,
      lastSeenMs: nowMs,
      lastSeq: 0,
      connected: true,
      agent,
      notices: [],
      sourceErrors: [],
      seriesCount: 0,
      address,
    };
    this.update(hostId, { ...base, hostname, agent, address, connected: true, status: 'live', lastSeenMs: nowMs }, true);
  }

  disconnected(hostId: string): void {
    const h = this.hosts.get(hostId);
    if (h) this.update(hostId, { ...h.doc, connected: false }, true);
  }

  /** A batch was accepted (also called while replaying the WAL at start, with live=false). */
  batch(hostId: string, batch: TelemetryBatch, seriesCount: number, nowMs = Date.now(), live = true): void {
    const h = this.hosts.get(hostId);
    if (!h) return;
    if (batch.procs) h.procs = { ts: batch.ts, procs: batch.procs };
    if (batch.sockets) h.sockets = { ts: batch.ts, sockets: batch.sockets };
    if (!live) return;
    const d = h.doc;
    let urgent = d.status !== 'live';
    let next: HostDoc = { ...d, status: 'live', lastSeenMs: nowMs, lastSeq: Math.max(d.lastSeq, batch.seq), seriesCount };
    if (batch.inventory) {
      next = { ...next, inventory: batch.inventory, hostname: batch.inventory.hostname || d.hostname };
      urgent = true;
    }
    if (batch.spool && batch.spool.droppedBatches > (d.spool?.droppedBatches ?? 0)) {
      // Replayed batches carry the counters as they were when encoded, so they rise step by step: say it
      // once a minute per host, with the total so far, rather than once per step.
      if (nowMs - h.dropLoggedMs >= 60_000) {
        h.dropLoggedMs = nowMs;
        this.log('warn', `host ${d.hostname} (${hostId}) has dropped ${batch.spool.droppedBatches} batches (${batch.spool.droppedSamples} samples) from its spool in outages so far: raise its --spool-max-bytes to ride out longer outages`);
      }
      urgent = true;
    }
    if (batch.spool) next = { ...next, spool: batch.spool };
    if (batch.notices && batch.notices.length > 0) {
      next = { ...next, notices: [...d.notices, ...batch.notices].slice(-64) };
      urgent = true;
    }
    const failed = batch.sources?.filter((s) => !s.ok) ?? [];
    if (failed.length > 0) {
      const errors: HostSourceError[] = failed.map((s) => ({ source: s.source, error: s.error ?? 'failed', atMs: nowMs }));
      const changed = errors.some((e) => !d.sourceErrors.some((x) => x.source === e.source && x.error === e.error));
      next = { ...next, sourceErrors: [...d.sourceErrors.filter((x) => !failed.some((f) => f.source === x.source)), ...errors].slice(-64) };
      urgent ||= changed;
    } else if (batch.sources && d.sourceErrors.length > 0) {
      // A full status report (all sources) with none failing clears the errors.
      const okNow = new Set(batch.sources.filter((s) => s.ok).map((s) => s.source));
      const remaining = d.sourceErrors.filter((x) => !okNow.has(x.source));
      if (remaining.length !== d.sourceErrors.length) {
        next = { ...next, sourceErrors: remaining };
        urgent = true;
      }
    }
    this.update(hostId, next, urgent);
  }

  /** Wait for pending document writes, then stop. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush(true);
    await this.writing;
  }

  private update(hostId: string, doc: HostDoc, urgent: boolean): void {
    const h = this.hosts.get(hostId);
    if (h) {
      h.doc = doc;
      h.dirty = true;
      h.urgent ||= urgent;
    } else {
      this.hosts.set(hostId, { doc, procs: null, sockets: null, dirty: true, urgent: true, persistedMs: 0, dropLoggedMs: 0 });
    }
    if (urgent) this.flush(false);
  }

  private tick(nowMs = Date.now()): void {
    for (const h of this.hosts.values()) {
      const status = statusOf(h.doc, nowMs, this.options);
      if (status !== h.doc.status) {
        h.doc = { ...h.doc, status };
        h.dirty = true;
        h.urgent = true;
      }
    }
    this.flush(false, nowMs);
  }

  /** Write dirty documents: urgent ones now, routine ones once persistEveryMs has passed (all when force). */
  private flush(force: boolean, nowMs = Date.now()): void {
    const docs: HostDoc[] = [];
    for (const h of this.hosts.values()) {
      if (!h.dirty) continue;
      if (!force && !h.urgent && nowMs - h.persistedMs < this.options.persistEveryMs) continue;
      h.dirty = false;
      h.urgent = false;
      h.persistedMs = nowMs;
      docs.push(h.doc);
    }
    if (docs.length === 0) return;
    // Writes are chained so they land in order; a failed write marks the docs dirty again and is retried.
    this.writing = this.writing
      .then(async () => {
        await this.db.hosts.bulkUpsert(docs.map((d) => ({ ...d, notices: [...d.notices], sourceErrors: [...d.sourceErrors] })));
        for (const d of docs) this.emit('host', d);
      })
      .catch((e: unknown) => {
        this.log('error', `could not save ${docs.length} host documents (will retry): ${(e as Error).message}`);
        for (const d of docs) {
          const h = this.hosts.get(d.id);
          if (h) h.dirty = true;
        }
      });
  }
}

export function statusOf(doc: HostDoc, nowMs: number, options: RegistryOptions): HostStatus {
  const age = nowMs - doc.lastSeenMs;
  if (age >= options.lostAfterMs) return 'lost';
  if (age >= options.staleAfterMs || !doc.connected) return 'stale';
  return 'live';
}
