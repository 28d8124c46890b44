/**
 * Groups alerts into incidents. Pure and synchronous over the open incidents it holds (the service stores
 * what it returns): an alert joins an open incident when it is
 *  - the same series re-alerting (deduplication: always the same incident while it is open),
 *  - of a host that is lost (folded into the incident holding that host's `host.lost` alert), or
 *  - close in time (its onset within `windowMs` of the incident's activity: an open alert, or the latest
 *    close) and in the graph (same host, or hosts connected in the topology within `maxHops`);
 * otherwise it opens a new incident. An incident whose alerts have all closed goes quiet, and resolves
 * after `quietMs` unless a related alert arrives. A lost host raises one `host.lost` alert: the host's
 * other alerts in its incident, and any it raises while lost, are folded (counted), not listed.
 */
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import { alertKind, type Alert, type AlertChange, type AlertSeverity, type Incident, type IncidentAlertRef, type IncidentCause, type IncidentChange, type IncidentSubgraph } from '@cerebro/shared/api/contract';

export interface CorrelatorOptions {
  /** An alert joins an incident whose activity is at most this far before its onset, ms. */
  readonly windowMs: number;
  /** Hosts at most this many topology hops apart are related (0: same host only). */
  readonly maxHops: number;
  /** An incident with every alert closed resolves after this long without a related alert, ms. */
  readonly quietMs: number;
  /** Alerts listed per incident; more are folded into `suppressed` (bounded documents). */
  readonly maxAlerts: number;
  /**
   * An incident opened longer ago than this takes new alerts only for what ties them to it beyond time
   * and place (the same series, the same or a connected process), ms: on a busy host a stream of unrelated
   * alerts would otherwise keep one incident open for hours, and a new fault in it would be ranked from
   * that incident's first onset instead of its own.
   */
  readonly maxTimeJoinMs: number;
  /**
   * Likewise, once a remediation run on an incident was verified, alerts with an onset more than this
   * after the verification join it only for what ties them to it beyond time and place, ms: the fault was
   * fixed, and a new one minutes later (a filesystem filling after a leak's restart) is its own incident,
   * ranked from its own onset. The fault coming back (the same series, the same process) still joins.
   */
  readonly remediatedJoinMs: number;
}

export const DEFAULT_CORRELATOR_OPTIONS: CorrelatorOptions = { windowMs: 5 * 60_000, maxHops: 2, quietMs: 2 * 60_000, maxAlerts: 500, maxTimeJoinMs: 10 * 60_000, remediatedJoinMs: 60_000 };

/** What the correlator asks about the world. */
export interface CorrelationContext {
  /** Hops between two hosts in the topology (0 for the same host), or Infinity beyond `max`. */
  hostDistance(a: string, b: string, max: number): number;
  hostName(hostId: string): string;
  /** Whether two processes (host, name) are the same or were recently connected (service-links.ts); absent: always. */
  processesRelated?(a: { hostId: string; name: string }, b: { hostId: string; name: string }): boolean;
  /**
   * The console's own run this alert is an expected effect of (expected-effects.ts), or null: such an
   * alert is folded into the run's incident while that is open (it neither raises its severity nor holds
   * it open), and opens no incident of its own.
   */
  expectedEffect?(a: Alert): { readonly incidentId?: string } | null;
  /** When a remediation run on the incident was last verified (expected-effects.ts), or null. */
  remediatedMs?(incidentId: string): number | null;
}

export interface IncidentUpdate {
  readonly change: IncidentChange;
  readonly incident: Incident;
}

const MAX_SUPPRESSED_IDS = 100;
/** Expected effects remembered that no incident took (their ids only). */
const MAX_UNPLACED_EFFECTS = 10_000;

let incidentSeq = 0;
function newIncidentId(nowMs: number): string {
  incidentSeq = (incidentSeq + 1) % 1e6;
  return `inc-${nowMs.toString(36)}-${incidentSeq.toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

export function severityMax(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return a === 'critical' || b === 'critical' ? 'critical' : 'warning';
}

function isClosed(a: Alert): boolean {
  return a.state === 'resolved' || a.noise;
}

function refOf(a: Alert): IncidentAlertRef {
  return {
    id: a.id,
    hostId: a.hostId,
    seriesKey: a.seriesKey,
    kind: alertKind(a.seriesKey),
    severity: a.severity,
    state: isClosed(a) ? 'resolved' : 'open',
    startMs: a.startMs,
    ...(a.endMs !== undefined ? { endMs: a.endMs } : a.noise ? { endMs: a.startMs } : {}),
  };
}

export class Correlator {
  readonly options: CorrelatorOptions;
  private readonly open = new Map<string, Incident>();
  /** alert id → incident id (listed or folded). */
  private readonly byAlert = new Map<string, string>();
  /** host \0 series → incident id, for deduplication. */
  private readonly bySeries = new Map<string, string>();
  /** host id → incident holding its open host.lost alert. */
  private readonly lostHosts = new Map<string, string>();
  /**
   * Alerts judged a run's expected effect that no open incident took (the run's incident had closed):
   * their later updates, after the run's grace is over, must not place them as new trouble.
   */
  private readonly unplacedEffects = new Set<string>();

  constructor(
    private readonly ctx: CorrelationContext,
    options: Partial<CorrelatorOptions> = {},
  ) {
    this.options = { ...DEFAULT_CORRELATOR_OPTIONS, ...options };
  }

  /** Open incidents from the database (after a restart). Folded alert ids come back from `suppressed`. */
  load(incidents: readonly Incident[]): void {
    for (const inc of incidents) if (inc.state === 'open') this.index(inc, inc.suppressed.alertIds);
  }

  openIncidents(): Incident[] {
    return [...this.open.values()];
  }

  get(id: string): Incident | undefined {
    return this.open.get(id);
  }

  /** One stored alert change; returns the incidents it changed. */
  alertChanged(change: AlertChange, alert: Alert, nowMs: number): IncidentUpdate[] {
    const known = this.byAlert.get(alert.id);
    if (known !== undefined) return this.refresh(known, alert, nowMs);
    // An alert never seen (or one that closed before it was seen) opens nothing.
    if (isClosed(alert) || change === 'resolved') return [];
    if (this.unplacedEffects.has(alert.id)) return [];
    const expected = this.ctx.expectedEffect?.(alert) ?? null;
    if (expected !== null) {
      // The remedy working: counted in its run's incident while that is open, never an incident of its own.
      const into = expected.incidentId !== undefined ? this.open.get(expected.incidentId) : undefined;
      if (into !== undefined) return [this.fold(into.id, alert, nowMs, false)];
      this.unplacedEffects.add(alert.id);
      if (this.unplacedEffects.size > MAX_UNPLACED_EFFECTS) this.unplacedEffects.delete(this.unplacedEffects.values().next().value as string);
      return [];
    }
    return this.place(alert, nowMs);
  }

  /** Quiet incidents past the quiet period resolve. */
  tick(nowMs: number): IncidentUpdate[] {
    const out: IncidentUpdate[] = [];
    for (const inc of this.open.values()) {
      if (inc.quietSinceMs === undefined || nowMs - inc.quietSinceMs < this.options.quietMs) continue;
      const resolved: Incident = { ...inc, state: 'resolved', resolvedMs: inc.quietSinceMs, updatedMs: nowMs };
      this.forget(resolved);
      out.push({ change: 'resolved', incident: resolved });
    }
    return out;
  }

  /** New ranked causes for an open incident; null when it is no longer open. */
  setCauses(id: string, causes: readonly IncidentCause[], subgraph: IncidentSubgraph, nowMs: number): IncidentUpdate | null {
    const inc = this.open.get(id);
    if (!inc) return null;
    const services = [...new Set(causes.filter((c) => c.kind === 'service' || c.kind === 'process').map((c) => c.name))];
    const next: Incident = { ...inc, causes, subgraph, services, causesMs: nowMs, updatedMs: nowMs };
    this.open.set(id, next);
    return { change: 'updated', incident: next };
  }

  private place(alert: Alert, nowMs: number): IncidentUpdate[] {
    const kind = alertKind(alert.seriesKey);
    const lostIn = this.lostHosts.get(alert.hostId);
    if (kind !== 'host' && lostIn !== undefined && this.open.has(lostIn)) return [this.fold(lostIn, alert, nowMs)];
    const target = this.bySeries.get(seriesId(alert)) ?? this.related(alert);
    const updates: IncidentUpdate[] = [];
    let inc: Incident;
    if (target === undefined || !this.open.has(target)) {
      inc = this.create(alert, nowMs);
      updates.push({ change: 'opened', incident: inc });
    } else {
      inc = this.add(this.open.get(target)!, alert, nowMs);
      updates.push({ change: 'updated', incident: inc });
    }
    if (kind === 'host') {
      this.lostHosts.set(alert.hostId, inc.id);
      inc = this.foldHost(inc, alert, nowMs);
      updates[updates.length - 1] = { change: updates[updates.length - 1]!.change, incident: inc };
    }
    return updates;
  }

  /** The related open incident with the latest activity, if any. */
  private related(alert: Alert): string | undefined {
    let best: { id: string; activity: number } | undefined;
    const proc = eventProcess(alert);
    for (const inc of this.open.values()) {
      const activity = lastActivity(inc);
      if (alert.startMs > activity + this.options.windowMs || alert.startMs < inc.openedMs - this.options.windowMs) continue;
      const near = inc.hostIds.some((h) => this.ctx.hostDistance(h, alert.hostId, this.options.maxHops) <= this.options.maxHops);
      if (!near) continue;
      if (proc !== null ? !this.sameTrouble(inc, proc) : alert.startMs - inc.openedMs > this.options.maxTimeJoinMs || this.fixedBefore(inc, alert)) continue;
      if (best === undefined || activity > best.activity) best = { id: inc.id, activity };
    }
    return best?.id;
  }

  /** A run on the incident was verified more than remediatedJoinMs before the alert's onset. */
  private fixedBefore(inc: Incident, alert: Alert): boolean {
    const fixed = this.ctx.remediatedMs?.(inc.id) ?? null;
    return fixed !== null && alert.startMs - fixed > this.options.remediatedJoinMs;
  }

  /**
   * A process event (a service exited, a restart loop; also a log alert whose lines one process wrote) is
   * about one process: it joins an incident
   * already blamed on a process only when it is that process or one connected to it (a client of a dead
   * server, its server). Another process failing nearby in time, or one failing on a host whose incident
   * blames the host or a resource as a whole (a busy machine's long-running incident), is another
   * incident, ranked from its own onset. An incident not ranked yet takes it (too early to tell).
   */
  private sameTrouble(inc: Incident, proc: { hostId: string; name: string }): boolean {
    const top = inc.causes[0];
    if (top === undefined) return true;
    if (top.kind !== 'process' && top.kind !== 'service') return false;
    if (top.hostId === proc.hostId && top.name === proc.name) return true;
    return this.ctx.processesRelated?.({ hostId: top.hostId, name: top.name }, proc) ?? true;
  }

  private create(alert: Alert, nowMs: number): Incident {
    const inc: Incident = {
      id: newIncidentId(nowMs),
      state: 'open',
      severity: alert.severity,
      title: '',
      openedMs: alert.startMs,
      updatedMs: nowMs,
      alerts: [refOf(alert)],
      suppressed: { count: 0, alertIds: [] },
      hostIds: [alert.hostId],
      services: [],
      causes: [],
      causesMs: 0,
      subgraph: { nodes: [], edges: [] },
    };
    const titled = { ...inc, title: this.title(inc) };
    this.index(titled, []);
    return titled;
  }

  private add(inc: Incident, alert: Alert, nowMs: number): Incident {
    if (inc.alerts.length >= this.options.maxAlerts) return this.fold(inc.id, alert, nowMs).incident;
    const alerts = [...inc.alerts, refOf(alert)].sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
    const hostIds = inc.hostIds.includes(alert.hostId) ? inc.hostIds : [...inc.hostIds, alert.hostId];
    return this.store(this.settle({ ...inc, alerts, hostIds, severity: severityMax(inc.severity, alert.severity), openedMs: Math.min(inc.openedMs, alert.startMs), updatedMs: nowMs }, nowMs));
  }

  /** Counts an alert in `suppressed` instead of listing it (`raise`: its severity counts). */
  private fold(id: string, alert: Alert, nowMs: number, raise = true): IncidentUpdate {
    const inc = this.open.get(id)!;
    const ids = inc.suppressed.alertIds.length < MAX_SUPPRESSED_IDS ? [...inc.suppressed.alertIds, alert.id] : inc.suppressed.alertIds;
    this.byAlert.set(alert.id, id);
    const next = this.store({ ...inc, suppressed: { count: inc.suppressed.count + 1, alertIds: ids }, severity: raise ? severityMax(inc.severity, alert.severity) : inc.severity, updatedMs: nowMs });
    return { change: 'updated', incident: next };
  }

  /** A host went lost: its other listed alerts in this incident are folded behind the host.lost alert. */
  private foldHost(inc: Incident, lost: Alert, nowMs: number): Incident {
    const folded = inc.alerts.filter((r) => r.hostId === lost.hostId && r.id !== lost.id);
    if (folded.length === 0) return inc;
    const room = MAX_SUPPRESSED_IDS - inc.suppressed.alertIds.length;
    const ids = [...inc.suppressed.alertIds, ...folded.slice(0, Math.max(0, room)).map((r) => r.id)];
    const alerts = inc.alerts.filter((r) => !folded.includes(r));
    return this.store(this.settle({ ...inc, alerts, suppressed: { count: inc.suppressed.count + folded.length, alertIds: ids }, updatedMs: nowMs }, nowMs));
  }

  /** A known alert changed: its ref is refreshed, and the incident goes quiet when all are closed. */
  private refresh(id: string, alert: Alert, nowMs: number): IncidentUpdate[] {
    const inc = this.open.get(id);
    if (!inc) return [];
    if (alertKind(alert.seriesKey) === 'host' && isClosed(alert)) this.lostHosts.delete(alert.hostId);
    const i = inc.alerts.findIndex((r) => r.id === alert.id);
    if (i < 0) {
      // A folded alert: only its severity matters to the incident (an expected effect's not even that).
      if (this.ctx.expectedEffect?.(alert) != null) return [];
      if (severityMax(inc.severity, alert.severity) === inc.severity) return [];
      return [{ change: 'updated', incident: this.store({ ...inc, severity: 'critical', updatedMs: nowMs }) }];
    }
    const ref = refOf(alert);
    const old = inc.alerts[i]!;
    if (old.state === ref.state && old.severity === ref.severity && old.endMs === ref.endMs) return [];
    const alerts = inc.alerts.map((r, j) => (j === i ? ref : r));
    return [{ change: 'updated', incident: this.store(this.settle({ ...inc, alerts, severity: severityMax(inc.severity, ref.severity), updatedMs: nowMs }, nowMs)) }];
  }

  /** Sets or clears the quiet mark from the alerts' states. */
  private settle(inc: Incident, nowMs: number): Incident {
    const allClosed = inc.alerts.every((r) => r.state === 'resolved');
    if (allClosed) return inc.quietSinceMs !== undefined ? inc : { ...inc, quietSinceMs: nowMs };
    if (inc.quietSinceMs === undefined) return inc;
    const { quietSinceMs: _, ...rest } = inc;
    return rest;
  }

  private store(inc: Incident): Incident {
    const next = { ...inc, title: this.title(inc) };
    this.index(next, []);
    return next;
  }

  private index(inc: Incident, folded: readonly string[]): void {
    this.open.set(inc.id, inc);
    for (const r of inc.alerts) {
      this.byAlert.set(r.id, inc.id);
      this.bySeries.set(`${r.hostId}\0${r.seriesKey}`, inc.id);
      if (r.kind === 'host' && r.state === 'open') this.lostHosts.set(r.hostId, inc.id);
    }
    for (const id of folded) this.byAlert.set(id, inc.id);
  }

  private forget(inc: Incident): void {
    this.open.delete(inc.id);
    for (const [k, v] of this.byAlert) if (v === inc.id) this.byAlert.delete(k);
    for (const [k, v] of this.bySeries) if (v === inc.id) this.bySeries.delete(k);
    for (const [k, v] of this.lostHosts) if (v === inc.id) this.lostHosts.delete(k);
  }

  /**
   * Named after its earliest critical alert, else its earliest alert (the listed alerts are in onset
   * order): a stray warning that opened the incident seconds before a fault's critical alerts joined it
   * does not name it (session 12's scenario run: a read burst's incident took the next fault's alerts).
   */
  private title(inc: Incident): string {
    const first = inc.alerts.find((r) => r.severity === 'critical') ?? inc.alerts[0];
    const more = inc.alerts.length - 1 + inc.suppressed.count;
    const head = first ? `${first.seriesKey} on ${this.ctx.hostName(first.hostId)}` : 'alerts';
    return more > 0 ? `${head} (+${more} alert${more === 1 ? '' : 's'})` : head;
  }
}

function seriesId(a: Alert): string {
  return `${a.hostId}\0${a.seriesKey}`;
}

/**
 * The latest moment an incident was active: +∞ while a metric alert is open (the series deviates now),
 * else its latest close or onset. Alerts that stay open by design count only by their onset, so that they
 * do not pull every later alert of their host into their incident: a predictive (forecast) alert open for
 * hours, a new log template's alert open until the template has been quiet for minutes, a process event
 * open until the process runs again.
 */
function lastActivity(inc: Incident): number {
  let t = inc.openedMs;
  for (const r of inc.alerts) {
    const sticky = r.kind === 'forecast' || r.kind === 'log' || r.kind === 'event';
    if (r.state === 'open' && !sticky) return Infinity;
    t = Math.max(t, sticky ? r.startMs : (r.endMs ?? r.startMs));
  }
  return t;
}

/**
 * The one process an alert is about: the process a lifecycle event names (`event.*{name=…}`), or the
 * process that wrote a log alert's lines (when the collector named it); null for any other alert.
 */
function eventProcess(a: Alert): { hostId: string; name: string } | null {
  const kind = alertKind(a.seriesKey);
  if (kind === 'event') {
    const name = parseSeriesKey(a.seriesKey)?.labels['name'];
    return name === undefined ? null : { hostId: a.hostId, name };
  }
  if (kind !== 'log') return null;
  const units = new Set((a.evidence.log?.samples ?? []).map((s) => s.unit));
  const unit = units.size === 1 ? [...units][0] : undefined;
  return unit === undefined ? null : { hostId: a.hostId, name: unit };
}
