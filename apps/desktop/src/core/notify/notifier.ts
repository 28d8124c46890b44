/**
 * Turns incident changes into notifications: opened, severity escalated and resolved (each configurable),
 * never raw alerts, at most once per incident and event. Each routed channel has its own queue, so a slow
 * or dead channel delays only itself; a failed attempt is retried with exponential backoff up to
 * `retry.attempts`, and every attempt, suppression and give-up is a record in the history. Nothing here
 * throws to the incident service: a delivery's failure is data.
 */
import { randomUUID } from 'node:crypto';
import type { AlertSeverity, Incident, IncidentChange, NotificationEvent, NotificationRecord, NotificationsView } from '@cerebro/shared/api/contract';
import type { ChannelConfig, NotifyConfig } from './config';
import type { NotificationHistory } from './history';
import { incidentMessage, testMessage, type NotificationMessage } from './message';
import { routeChannels, severityRank, suppression } from './routing';
import { sendSmtp } from './smtp';
import { sendSyslog } from './syslog';
import { sendWebhook } from './webhook';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface NotifierDeps {
  /** null: no notifications.json, nothing is sent. */
  readonly config: NotifyConfig | null;
  readonly history: NotificationHistory;
  /** A host id's name, for messages and host matching. */
  readonly hostName: (id: string) => string;
  readonly log: Log;
  readonly now?: () => number;
}

export class NotifyError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

interface Job {
  readonly message: NotificationMessage;
  attempt: number;
}

interface ChannelQueue {
  readonly channel: ChannelConfig;
  readonly jobs: Job[];
  running: Promise<void> | null;
  wake: (() => void) | null;
}

/** Jobs waiting per channel; beyond it the oldest is given up (recorded), so an outage cannot grow memory. */
const MAX_QUEUE = 500;
/** Dedup keys remembered (incident × event). */
const MAX_KEYS = 20_000;

/** Dedup key: one notification per incident and event (an escalation per severity reached). */
function key(incidentId: string, event: NotificationEvent, severity: AlertSeverity): string {
  return `${incidentId}:${event}:${event === 'escalated' ? severity : ''}`;
}

export function sendTo(channel: ChannelConfig, m: NotificationMessage): Promise<void> {
  switch (channel.type) {
    case 'webhook':
      return sendWebhook(channel, m);
    case 'smtp':
      return sendSmtp(channel, m);
    case 'syslog':
      return sendSyslog(channel, m);
  }
}

export class Notifier {
  private readonly queues = new Map<string, ChannelQueue>();
  private readonly sentKeys = new Set<string>();
  private readonly lastSeverity = new Map<string, AlertSeverity>();
  /** "opened" notifications waiting for the incident's first cause ranking: the latest document and the deadline timer. */
  private readonly held = new Map<string, { incident: Incident; timer: NodeJS.Timeout }>();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly deps: NotifierDeps) {
    this.now = deps.now ?? Date.now;
    for (const c of deps.config?.channels ?? []) this.queues.set(c.id, { channel: c, jobs: [], running: null, wake: null });
    // After a restart, what was already notified (or suppressed) is not notified again.
    for (const r of deps.history.all()) if (r.incidentId) this.remember(key(r.incidentId, r.event, r.severity));
  }

  /** An incident service change (`incidents.onChange`). */
  observe(change: IncidentChange, incident: Incident): void {
    const config = this.deps.config;
    if (!config || this.closed) return;
    const held = this.held.get(incident.id);
    if (held) {
      // The opened notification has not gone yet: it will carry this newer document (and its severity).
      held.incident = incident;
      this.lastSeverity.set(incident.id, incident.severity);
      if (incident.causesMs > 0 || change === 'resolved') this.release(incident.id);
      if (change !== 'resolved') return;
    }
    let event: NotificationEvent | null = null;
    const last = this.lastSeverity.get(incident.id);
    if (change === 'opened') {
      this.lastSeverity.set(incident.id, incident.severity);
      event = 'opened';
    } else if (change === 'updated') {
      this.lastSeverity.set(incident.id, last !== undefined && severityRank(last) > severityRank(incident.severity) ? last : incident.severity);
      if (last !== undefined && severityRank(incident.severity) > severityRank(last)) event = 'escalated';
    } else {
      this.lastSeverity.delete(incident.id);
      event = 'resolved';
    }
    if (event === null || !config.events[event as 'opened' | 'escalated' | 'resolved']) return;
    if (event === 'opened' && incident.causesMs === 0 && config.events.waitForCausesMs > 0 && !this.sentKeys.has(key(incident.id, event, incident.severity))) {
      const timer = setTimeout(() => this.release(incident.id), config.events.waitForCausesMs);
      timer.unref();
      this.held.set(incident.id, { incident, timer });
      return;
    }
    this.notify(config, event, incident);
  }

  /** Sends a held "opened" notification with the latest document. */
  private release(id: string): void {
    const h = this.held.get(id);
    if (!h || !this.deps.config) return;
    clearTimeout(h.timer);
    this.held.delete(id);
    this.notify(this.deps.config, 'opened', h.incident);
  }

  private notify(config: NotifyConfig, event: NotificationEvent, incident: Incident): void {
    const k = key(incident.id, event, incident.severity);
    if (this.sentKeys.has(k)) return;
    this.remember(k);
    try {
      this.dispatch(config, incidentMessage(event, incident, this.deps.hostName, config.consoleUrl), incident.hostIds);
    } catch (e) {
      this.deps.log('error', `notifications: incident ${incident.id} ${event}: ${(e as Error).stack ?? String(e)}`);
    }
  }

  private remember(k: string): void {
    this.sentKeys.add(k);
    if (this.sentKeys.size > MAX_KEYS) this.sentKeys.delete(this.sentKeys.values().next().value as string);
  }

  private dispatch(config: NotifyConfig, m: NotificationMessage, hostIds: readonly string[]): void {
    const hosts = [...new Set([...hostIds, ...m.hosts])];
    const channels = routeChannels(config, m.severity, hosts);
    if (channels.length === 0) return;
    const held = suppression(config, m, hosts, this.now());
    for (const id of channels) {
      const q = this.queues.get(id);
      if (!q) continue;
      if (held) {
        this.record(m, q.channel, { status: 'suppressed', attempt: 0, suppressedBy: held });
        continue;
      }
      if (q.jobs.length >= MAX_QUEUE) {
        const dropped = q.jobs.splice(1, 1)[0];
        if (dropped) this.record(dropped.message, q.channel, { status: 'gave-up', attempt: dropped.attempt, error: `queue of channel ${id} full (${MAX_QUEUE} waiting); the oldest waiting was dropped` });
      }
      q.jobs.push({ message: m, attempt: 1 });
      q.running ??= this.drain(q).finally(() => (q.running = null));
    }
  }

  private async drain(q: ChannelQueue): Promise<void> {
    const { attempts, baseMs, maxMs } = this.deps.config!.retry;
    while (!this.closed) {
      const job = q.jobs[0];
      if (!job) return;
      try {
        await sendTo(q.channel, job.message);
        this.record(job.message, q.channel, { status: 'sent', attempt: job.attempt });
        q.jobs.shift();
      } catch (e) {
        const error = (e as Error).message;
        if (job.attempt >= attempts) {
          this.record(job.message, q.channel, { status: 'gave-up', attempt: job.attempt, error });
          this.deps.log('warn', `notifications: gave up on ${job.message.event} of incident ${job.message.incidentId} to ${q.channel.id} after ${job.attempt} attempts: ${error}`);
          q.jobs.shift();
          continue;
        }
        const retryInMs = Math.min(maxMs, baseMs * 2 ** (job.attempt - 1));
        this.record(job.message, q.channel, { status: 'failed', attempt: job.attempt, error, retryInMs });
        job.attempt++;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryInMs);
          q.wake = () => (clearTimeout(timer), resolve());
        });
        q.wake = null;
      }
    }
  }

  private record(m: NotificationMessage, ch: ChannelConfig, outcome: Pick<NotificationRecord, 'status' | 'attempt' | 'error' | 'retryInMs' | 'suppressedBy'>): NotificationRecord {
    const r: NotificationRecord = { id: randomUUID(), atMs: this.now(), incidentId: m.incidentId, event: m.event, severity: m.severity, title: m.title, channelId: ch.id, channelType: ch.type, ...outcome };
    this.deps.history.add(r);
    return r;
  }

  /** POST /notifications/test: one attempt through `channelId`, recorded like any other (a failure is not retried). */
  async test(channelId: unknown): Promise<NotificationRecord> {
    const config = this.deps.config;
    if (!config) throw new NotifyError('NOT_FOUND', `no notifications are configured: write ${'$CEREBRO_HOME/notifications.json'} and restart the console`);
    if (typeof channelId !== 'string' || channelId === '') throw new NotifyError('BAD_REQUEST', `body must be {"channel": ID}, got channel ${JSON.stringify(channelId)}`);
    const q = this.queues.get(channelId);
    if (!q) throw new NotifyError('NOT_FOUND', `no channel "${channelId}" (channels: ${[...this.queues.keys()].join(', ') || 'none'})`);
    const m = testMessage(config.consoleUrl, this.now());
    try {
      await sendTo(q.channel, m);
      return this.record(m, q.channel, { status: 'sent', attempt: 1 });
    } catch (e) {
      return this.record(m, q.channel, { status: 'failed', attempt: 1, error: (e as Error).message });
    }
  }

  view(limit: number): NotificationsView {
    let pending = 0;
    for (const q of this.queues.values()) pending += q.jobs.length;
    return { configured: this.deps.config !== null, channels: [...this.queues.values()].map((q) => ({ id: q.channel.id, type: q.channel.type })), pending, records: this.deps.history.list(limit) };
  }

  /** Resolves once every queue is empty (tests). */
  async settle(): Promise<void> {
    for (;;) {
      const running = [...this.queues.values()].map((q) => q.running).filter((p): p is Promise<void> => p !== null);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Stops retrying; an attempt in flight ends within its channel's timeout. Waiting deliveries are dropped (logged). */
  async close(): Promise<void> {
    this.closed = true;
    let dropped = this.held.size;
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
    for (const q of this.queues.values()) {
      dropped += Math.max(0, q.jobs.length - (q.running ? 1 : 0));
      q.wake?.();
    }
    await Promise.all([...this.queues.values()].map((q) => q.running));
    if (dropped > 0) this.deps.log('warn', `notifications: ${dropped} waiting deliveries dropped at stop`);
  }
}
