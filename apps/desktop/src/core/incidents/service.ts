/**
 * The console's incidents: follows every stored alert change into the correlator, stores the incidents it
 * returns, ranks each open incident's causes (at once when it opens or grows, then every `rankEveryMs`
 * while open; every `rankDebounceMs` in its first EAGER_RANK_MS while no cause more specific than a host
 * is ranked first), raises and clears `host.lost` alerts from the host registry, and runs the exhaustion
 * forecasts. One timer, once a second; each step is bounded.
 */
import { HOST_LOST_KEY, type Alert, type ForecastsView, type Host, type Incident, type IncidentCause } from '@cerebro/shared/api/contract';
import type { TelemetryBatch } from '@cerebro/shared/protocol/messages';
import type { AlertListener } from '../alerts/alert-store';
import type { AlertEvent } from '../alerts/scorer';
import { TopologyBuilder, type TopologySource } from '../api/topology';
import type { StateDatabase } from '../state/database';
import type { QueryResult } from '../tsdb/types';
import { KnowledgeGraph } from '../graph/knowledge-graph';
import { buildCauses, DEFAULT_CAUSE_OPTIONS, type CauseOptions, type CauseSources } from './causes';
import { Correlator, type CorrelatorOptions, type IncidentUpdate } from './correlator';
import { ExpectedEffects, type ExpectedEffectsOptions } from './expected-effects';
import { ForecastService, type ForecastOptions, type ForecastSources } from './forecasts';
import { HostGraph } from './host-graph';
import { IncidentStore, type IncidentListener } from './incident-store';
import { ProcessEvents, type ProcessEventOptions } from './process-events';
import { ProcessHistory, type ProcessHistoryOptions } from './process-history';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** The parts of the alert store the incidents use. */
export interface AlertSource {
  apply(e: AlertEvent): void;
  onChange(listener: AlertListener): () => void;
  get(id: string): Promise<Alert | null>;
  list(all: boolean): Promise<Alert[]>;
}

/** The parts of the telemetry store the incidents read. */
export interface SeriesSource {
  query(hostId: string, key: string, options: { from: number; to: number; maxPoints?: number }): QueryResult;
  latest(hostId: string, key: string): { t: number; v: number } | null;
  listSeries(hostId: string): ReadonlyArray<{ key: string }>;
}

export interface IncidentDeps {
  readonly db: StateDatabase;
  readonly alerts: AlertSource;
  readonly hosts: TopologySource & { get(hostId: string): Host | null };
  readonly store: SeriesSource;
  readonly log: Log;
}

export interface IncidentOptions {
  readonly correlator?: Partial<CorrelatorOptions>;
  readonly causes?: Partial<CauseOptions>;
  readonly forecasts?: Partial<ForecastOptions>;
  readonly processes?: Partial<ProcessHistoryOptions>;
  /** Process exits and restart loops (process-events.ts). */
  readonly processEvents?: Partial<ProcessEventOptions>;
  /** The console's own runs' expected effects (expected-effects.ts). */
  readonly expectedEffects?: Partial<ExpectedEffectsOptions>;
  /** Causes of an open incident are ranked again this often, ms; a change to it ranks after `rankDebounceMs`. */
  readonly rankEveryMs?: number;
  readonly rankDebounceMs?: number;
  /**
   * No host.lost alert in this long after the console starts, ms (default 2 min): hosts look lost until
   * their collectors reconnect after a console restart, and that is not an incident.
   */
  readonly lostGraceMs?: number;
  /** Run the once-a-second timer (tests drive `tick` themselves). Default true. */
  readonly timer?: boolean;
}

/** How often the live topology is folded into the knowledge graph, ms (socket tables come every ~10 s). */
const GRAPH_EVERY_MS = 5_000;
/** Incidents ranked at most per tick (ranking reads the store; the rest wait a second). */
const RANKS_PER_TICK = 4;
/** Alert onsets tried as the start of the trouble per ranking. */
const RANK_TRIES = 3;
/**
 * A young incident whose top cause is still its host (or nothing) is ranked again every rankDebounceMs
 * for this long, ms. The process table comes every 2 s: the ranking at a CPU hog's first alert has the
 * hog in one table or none, so it names the host, and with rankEveryMs alone the hog came 10 s later
 * (diagnosed 12.5 s after the fault in both scenario runs of 2026-11-26, against 2–7 s before).
 */
const EAGER_RANK_MS = 60_000;
/** Points a series is read at for ranking (bucketed above). */
const RANK_POINTS = 1500;

export class IncidentService {
  readonly incidents: IncidentStore;
  readonly processes: ProcessHistory;
  readonly processEvents: ProcessEvents;
  readonly forecasts: ForecastService;
  /** What the console's own runs set off; the remediation service reports its runs here (console.ts). */
  readonly expectedEffects: ExpectedEffects;
  /** Alerts already said to be a run's effect (logged once each; bounded). */
  private readonly saidExpected = new Set<string>();
  private readonly correlator: Correlator;
  private readonly topology: TopologyBuilder;
  private graphSeenMs = 0;
  private hostGraph: { builtMs: number; graph: HostGraph } | null = null;
  /** incident id → when its causes should be ranked next (console clock). */
  private readonly rankDue = new Map<string, number>();
  private readonly lostAlerts = new Map<string, string>();
  private readonly offAlerts: () => void;
  private timer: NodeJS.Timeout | null = null;
  private ranking: Promise<void> = Promise.resolve();
  private busy = false;
  private closed = false;
  private readonly rankEveryMs: number;
  private readonly rankDebounceMs: number;
  private readonly leadMs: number;
  private readonly startedMs = Date.now();

  private constructor(
    private readonly deps: IncidentDeps,
    private readonly options: IncidentOptions,
    /** Services and their call edges, remembered (core/graph): a dead server's clients, for correlation and ranking. */
    readonly knowledge: KnowledgeGraph,
  ) {
    this.incidents = new IncidentStore(deps.db, deps.log);
    this.processes = new ProcessHistory(options.processes);
    this.processEvents = new ProcessEvents(options.processEvents);
    this.topology = new TopologyBuilder(deps.hosts);
    this.expectedEffects = new ExpectedEffects(options.expectedEffects);
    this.correlator = new Correlator(
      {
        hostDistance: (a, b, max) => this.graph().distance(a, b, max),
        hostName: (id) => this.hostName(id),
        processesRelated: (a, b) => this.knowledge.related(a, b) || (a.hostId === b.hostId && this.processEvents.parentOf(a.hostId, a.name, b.name)),
        expectedEffect: (a) => {
          const e = this.expectedEffects.explain(a);
          if (e !== null && !this.saidExpected.has(a.id)) {
            this.saidExpected.add(a.id);
            if (this.saidExpected.size > 10_000) this.saidExpected.delete(this.saidExpected.values().next().value as string);
            deps.log('info', `alert ${a.id} (${a.seriesKey} on ${this.hostName(a.hostId)}) is an expected effect of the console's own run: ${e.reason}; ${e.incidentId !== undefined ? `counted in incident ${e.incidentId}` : 'no incident'}`);
          }
          return e;
        },
        remediatedMs: (id) => this.expectedEffects.remediatedMs(id),
      },
      options.correlator,
    );
    this.forecasts = new ForecastService(forecastSources(deps.store, deps.hosts), (e) => deps.alerts.apply(e), options.forecasts);
    this.rankEveryMs = options.rankEveryMs ?? 10_000;
    this.rankDebounceMs = options.rankDebounceMs ?? 2_000;
    this.leadMs = { ...DEFAULT_CAUSE_OPTIONS, ...options.causes }.leadMs;
    this.offAlerts = deps.alerts.onChange((change, alert) => this.apply(this.correlator.alertChanged(change, alert, Date.now())));
  }

  /** Loads open incidents and open host-lost / predictive alerts, then follows alert changes. */
  static async open(deps: IncidentDeps, options: IncidentOptions = {}): Promise<IncidentService> {
    const s = new IncidentService(deps, options, await KnowledgeGraph.open(deps.db, deps.log));
    const open = await s.incidents.openIncidents();
    s.correlator.load(open);
    for (const inc of open) s.rankDue.set(inc.id, 0);
    const openAlerts = (await deps.alerts.list(true)).filter((a) => a.state === 'open');
    s.forecasts.adopt(openAlerts);
    s.processEvents.adopt(openAlerts);
    for (const a of openAlerts) if (a.seriesKey === HOST_LOST_KEY) s.lostAlerts.set(a.hostId, a.id);
    if (options.timer !== false) {
      s.timer = setInterval(() => void s.tick(Date.now()), 1000);
      s.timer.unref();
    }
    return s;
  }

  /**
   * Every accepted batch: its process table feeds the history behind process-level causes and the
   * process lifecycle events (exits of services, restart loops), raised as alerts; its log records give
   * the starts a supervisor states (a crash loop's instances too short-lived for any table).
   */
  observeBatch(hostId: string, batch: TelemetryBatch): void {
    if (batch.logs && batch.logs.length > 0 && !this.closed) this.processEvents.observeLogs(hostId, batch.logs);
    if (!batch.procs) return;
    this.processes.add(hostId, batch.ts, batch.procs);
    if (this.closed) return;
    for (const e of this.processEvents.observe(hostId, batch.ts, batch.procs, batch.sockets)) {
      if (e.type === 'open') this.deps.log('warn', `host ${this.hostName(hostId)}: ${e.seriesKey} since ${new Date(e.startMs).toISOString()}`);
      this.deps.alerts.apply(e);
    }
  }

  /** Once a second: lost hosts, quiet incidents, due rankings, forecasts. */
  async tick(nowMs: number): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      this.checkHosts(nowMs);
      if (nowMs - this.graphSeenMs >= GRAPH_EVERY_MS) {
        this.graphSeenMs = nowMs;
        this.knowledge.observe(this.topology.view(nowMs), nowMs);
      }
      this.apply(this.correlator.tick(nowMs));
      this.forecasts.maybeEvaluate(nowMs);
      this.ranking = this.rankDueIncidents(nowMs);
      await this.ranking;
    } catch (e) {
      this.deps.log('error', `incidents: tick failed: ${(e as Error).stack ?? String(e)}`);
    } finally {
      this.busy = false;
    }
  }

  list(all: boolean): Promise<Incident[]> {
    return this.incidents.list(all);
  }

  get(id: string): Promise<Incident | null> {
    return this.incidents.get(id);
  }

  forecastView(hostId?: string): ForecastsView {
    return this.forecasts.view(hostId);
  }

  onChange(listener: IncidentListener): () => void {
    return this.incidents.onChange(listener);
  }

  /** Stops following alerts and waits for pending writes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.offAlerts();
    await this.ranking;
    await this.incidents.settle();
    await this.knowledge.settle();
  }

  private apply(updates: readonly IncidentUpdate[]): void {
    for (const u of updates) {
      this.incidents.save(u.change, u.incident);
      if (u.change === 'resolved') {
        this.rankDue.delete(u.incident.id);
        this.deps.log('info', `incident resolved: ${u.incident.title} (${u.incident.id})`);
        continue;
      }
      if (u.change === 'opened') this.deps.log('info', `incident opened: ${u.incident.title} (${u.incident.id})`);
      // A new or grown incident is ranked soon; a refresh of causes alone does not ask for another.
      if (u.incident.causesMs !== u.incident.updatedMs) {
        const due = this.rankDue.get(u.incident.id);
        const soon = Date.now() + (u.change === 'opened' ? 0 : this.rankDebounceMs);
        this.rankDue.set(u.incident.id, due === undefined ? soon : Math.min(due, soon));
      }
    }
  }

  /** A host that became lost raises one host.lost alert; one that reports again clears it. */
  private checkHosts(nowMs: number): void {
    for (const h of this.deps.hosts.list()) {
      const open = this.lostAlerts.get(h.id);
      if (h.status === 'lost' && open === undefined && nowMs - this.startedMs >= (this.options.lostGraceMs ?? 120_000)) {
        const id = `lost-${nowMs.toString(36)}-${h.id.slice(0, 40)}`;
        this.lostAlerts.set(h.id, id);
        this.deps.log('warn', `host ${h.hostname} (${h.id}) is lost: no batch since ${new Date(h.lastSeenMs).toISOString()}; its other alerts are folded into one incident`);
        this.deps.alerts.apply(lostEvent('open', h, id, nowMs));
      } else if (h.status !== 'lost' && open !== undefined) {
        this.lostAlerts.delete(h.id);
        this.deps.alerts.apply(lostEvent('resolve', h, open, nowMs));
      }
    }
  }

  private async rankDueIncidents(nowMs: number): Promise<void> {
    const due = [...this.rankDue].filter(([, at]) => at <= nowMs).sort((a, b) => a[1] - b[1]).slice(0, RANKS_PER_TICK);
    for (const [id] of due) {
      this.rankDue.set(id, nowMs + this.rankEveryMs);
      const inc = this.correlator.get(id);
      if (!inc) {
        this.rankDue.delete(id);
        continue;
      }
      await this.rank(inc, nowMs);
      const top = this.correlator.get(id)?.causes[0];
      const next = this.rankDue.get(id);
      if (next !== undefined && nowMs - inc.openedMs < EAGER_RANK_MS && (top === undefined || top.kind === 'host')) this.rankDue.set(id, Math.min(next, nowMs + this.rankDebounceMs));
    }
  }

  /**
   * Ranks from the incident's first onset that the process history covers (snapshots from before it): the
   * first onset itself, unless the incident began before the history does (as the console started, or
   * longer ago than the history keeps), then the next alert onsets, at most RANK_TRIES of them until one
   * gives causes. Causes already ranked are kept rather than replaced by none.
   */
  private async rank(inc: Incident, nowMs: number): Promise<void> {
    const alerts = (await Promise.all(inc.alerts.map((r) => this.deps.alerts.get(r.id)))).filter((a): a is Alert => a !== null);
    const covered = (onset: number): boolean => inc.hostIds.every((h) => (this.processes.since(h) ?? Infinity) < onset - this.leadMs);
    const onsets = [...new Set(inc.alerts.map((r) => r.startMs))].sort((a, b) => a - b).filter(covered).slice(0, RANK_TRIES);
    const sources = this.causeSources();
    for (const onset of onsets) {
      const result = buildCauses(inc, alerts, sources, nowMs, this.options.causes, onset);
      if ('error' in result) {
        this.deps.log('warn', `incidents: cannot rank the causes of ${inc.id}: ${result.error}`);
        return;
      }
      if (result.causes.length === 0) continue;
      const update = this.correlator.setCauses(inc.id, result.causes as IncidentCause[], result.subgraph, nowMs);
      if (update) this.apply([update]);
      return;
    }
    this.deps.log('debug', `incidents: ${inc.id}: no ranking yet (${onsets.length} onsets with process history before them)`);
  }

  private causeSources(): CauseSources {
    const { store } = this.deps;
    return {
      series: (hostId, key, from, to) => values(store.query(hostId, key, { from, to, maxPoints: RANK_POINTS })),
      processes: this.processes,
      topology: this.topology.view(),
      hostName: (id) => this.hostName(id),
      links: this.knowledge,
      supervisors: this.processEvents.options.supervisors,
      processOfProgram: (hostId, program) => this.processEvents.processOfProgram(hostId, program),
    };
  }

  private graph(): HostGraph {
    const view = this.topology.view();
    if (this.hostGraph?.builtMs !== view.builtMs) this.hostGraph = { builtMs: view.builtMs, graph: new HostGraph(view) };
    return this.hostGraph.graph;
  }

  private hostName(id: string): string {
    return this.deps.hosts.get(id)?.hostname ?? id;
  }
}

function values(r: QueryResult): { t: readonly number[]; v: readonly number[] } {
  return r.kind === 'raw' ? r : { t: r.t, v: r.avg };
}

function forecastSources(store: SeriesSource, hosts: { list(): readonly Host[] }): ForecastSources {
  return {
    hostIds: () => hosts.list().map((h) => h.id),
    seriesKeys: (hostId) => store.listSeries(hostId).map((s) => s.key),
    series: (hostId, key, from, to, points) => {
      const r = store.query(hostId, key, { from, to, maxPoints: points });
      // Per bucket, its last sample: the level the resource had reached.
      return r.kind === 'raw' ? r : { t: r.t, v: r.last };
    },
    latest: (hostId, key) => store.latest(hostId, key)?.v ?? null,
  };
}

function lostEvent(type: 'open' | 'resolve', h: Host, alertId: string, nowMs: number): AlertEvent {
  return { type, hostId: h.id, seriesKey: HOST_LOST_KEY, alertId, tsMs: nowMs, startMs: h.lastSeenMs, peakScore: 1, lastScore: type === 'open' ? 1 : 0, baseline: 0, points: [] };
}
