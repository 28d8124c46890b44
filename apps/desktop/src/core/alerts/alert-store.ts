/**
 * Alert documents in the state database's `alerts` collection: the scorer's open/resolve events become
 * inserts and patches; open alerts' peak, last score and evidence are refreshed by `refresh` (called
 * every second by the console); operators ack, snooze or mark them as noise through the API.
 *
 * Writes are queued one after another (events arrive synchronously from ingest); a failed write is
 * logged and the next one goes on. Every stored change is reported to `onChange` listeners (the API's live
 * `alerts` topic) after its write, so they see changes in the order they were stored.
 */
import type { Alert, AlertChange } from '@cerebro/shared/api/contract';
import type { StateDatabase } from '../state/database';
import { CRITICAL_SCORE, type AlertEvent } from './scorer';

/** Most alerts a host view returns. */
const HOST_ALERTS_LIMIT = 200;
/** Most alerts the fleet list returns. */
const LIST_LIMIT = 1000;

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export type AlertListener = (change: AlertChange, alert: Alert) => void;

export class AlertStore {
  private queue: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<AlertListener>();

  constructor(
    private readonly db: StateDatabase,
    private readonly log: Log,
  ) {}

  /** Applies one scorer event (queued). */
  apply(e: AlertEvent): void {
    this.enqueue(`${e.type} alert ${e.alertId} (${e.hostId} ${e.seriesKey})`, async () => {
      const doc = await this.db.alerts.findOne(e.alertId).exec();
      if (!doc) {
        const alert: Alert = {
          id: e.alertId,
          hostId: e.hostId,
          seriesKey: e.seriesKey,
          severity: severity(e.peakScore),
          state: e.type === 'open' ? 'open' : 'resolved',
          startMs: Math.max(0, Math.round(e.startMs)),
          ...(e.type === 'resolve' ? { endMs: Math.max(0, Math.round(e.tsMs)) } : {}),
          peakScore: clamp01(e.peakScore),
          lastScore: clamp01(e.lastScore),
          evidence: { baseline: finite(e.baseline), points: e.points.map(([t, v]) => [t, finite(v)] as const), ...(e.log ? { log: e.log } : {}) },
          noise: false,
        };
        await this.db.alerts.insert(alert);
        this.emit(e.type === 'open' ? 'opened' : 'resolved', alert);
        if (e.type === 'open') this.log('info', `alert ${alert.severity}: ${e.hostId} ${e.seriesKey} deviates from its baseline ${alert.evidence.baseline.toPrecision(4)} (score ${alert.peakScore.toFixed(2)})`);
        return;
      }
      const next = await doc.incrementalModify((a) => {
        const peak = Math.max(a.peakScore, clamp01(e.peakScore));
        const points = e.points.length > 0 ? e.points.map(([t, v]) => [t, finite(v)] as const) : a.evidence.points;
        return {
          ...a,
          peakScore: peak,
          severity: severity(peak),
          lastScore: clamp01(e.lastScore),
          evidence: { ...a.evidence, baseline: a.evidence.baseline, points, ...(e.log ? { log: e.log } : {}) },
          ...(e.type === 'resolve' ? { state: 'resolved' as const, endMs: Math.max(0, Math.round(e.tsMs)) } : {}),
        };
      });
      this.emit(e.type === 'resolve' ? 'resolved' : 'updated', next.toJSON() as Alert);
      if (e.type === 'resolve') this.log('info', `alert resolved: ${e.hostId} ${e.seriesKey} (${e.alertId})`);
    });
  }

  /** Waits for queued writes (at stop, and in tests). */
  settle(): Promise<void> {
    return this.queue;
  }

  /** Open alerts not snoozed at `nowMs` (all alerts with `all`), newest first. */
  async list(all: boolean, nowMs = Date.now()): Promise<Alert[]> {
    const docs = await this.db.alerts
      .find({ selector: all ? {} : { state: 'open' }, sort: [{ startMs: 'desc' }], limit: LIST_LIMIT })
      .exec();
    const alerts = docs.map((d) => d.toJSON() as Alert);
    return all ? alerts : alerts.filter((a) => (a.snoozedUntilMs ?? 0) <= nowMs);
  }

  async forHost(hostId: string): Promise<Alert[]> {
    const docs = await this.db.alerts.find({ selector: { hostId }, sort: [{ startMs: 'desc' }], limit: HOST_ALERTS_LIMIT }).exec();
    return docs.map((d) => d.toJSON() as Alert);
  }

  async get(id: string): Promise<Alert | null> {
    const doc = await this.db.alerts.findOne(id).exec();
    return doc ? (doc.toJSON() as Alert) : null;
  }

  /** Applies an operator action (reported to listeners as `kind`); null when there is no such alert. */
  async update(id: string, change: (a: Alert) => Alert, kind: AlertChange = 'updated'): Promise<Alert | null> {
    await this.queue;
    const doc = await this.db.alerts.findOne(id).exec();
    if (!doc) return null;
    const next = (await doc.incrementalModify((a) => change(a as Alert))).toJSON() as Alert;
    this.emit(kind, next);
    return next;
  }

  /** Follow every stored change; returns the unsubscribe. */
  onChange(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: AlertChange, alert: Alert): void {
    for (const l of this.listeners) {
      try {
        l(change, alert);
      } catch (e) {
        // A failing listener (a closed socket) must not fail the write that was already stored.
        this.log('warn', `alerts: a change listener failed: ${(e as Error).message}`);
      }
    }
  }

  private enqueue(what: string, write: () => Promise<void>): void {
    this.queue = this.queue.then(write).catch((e: unknown) => this.log('error', `alerts: cannot store ${what}: ${(e as Error).message}`));
  }
}

function severity(peak: number): Alert['severity'] {
  return peak >= CRITICAL_SCORE ? 'critical' : 'warning';
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
