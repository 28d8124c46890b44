/**
 * Ranked causes of an incident: the root-cause ranker's input (shared/src/analytics/rca) built from the
 * incident's alerts, and the ranking turned into causes with evidence sentences.
 *
 * Entities: each affected host; a resource per labelled series (filesystem, disk, interface); and the
 * processes whose CPU, RSS or disk I/O moved over the incident window (from the process-table history: the
 * collector sends no per-process series). Edges point from what is explained to what explains it: a host's CPU is
 * explained by its processes, its space by its filesystems (host → process, host → resource: aggregate
 * edges, the host being the sum of its parts, so it ranks above them only for what they do not explain); a
 * client process by the server it connects to (client → server, and client host → server host across hosts).
 * Series: the alerts' own series from the store over [onset − baseline, now]; an alert whose series the
 * store lacks (log, forecast, host lost) lends its evidence points.
 */
import { rankCauses } from '@cerebro/shared/analytics/rca/rank';
import type { EntityKind, RankedCause, RcaEdge, RcaEntity, RcaSeries } from '@cerebro/shared/analytics/rca/types';
import { alertKind, HOST_LOST_KEY, OOM_KILL_EVENT, type Alert, type CauseKind, type Incident, type IncidentCause, type IncidentSubgraph } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import { topologyIds, type TopologyGraph } from '@cerebro/shared/topology/topology';
import { PCT_FLOOR, scaleFloor } from '../series-floors';
import { PROC_EXIT_NAME } from './process-events';
import type { ProcessHistory, ProcessTrack } from './process-history';
import { statedBySupervisor } from './supervisor-lines';

export interface CauseSources {
  /** A host's samples of one series in [from, to], ascending. */
  series(hostId: string, key: string, from: number, to: number): { t: readonly number[]; v: readonly number[] };
  readonly processes: ProcessHistory;
  readonly topology: TopologyGraph;
  hostName(hostId: string): string;
  /** Process connections remembered after they ended (service-links.ts): a dead server's clients. */
  readonly links?: { connects(client: { hostId: string; name: string }, server: { hostId: string; name: string }): boolean };
  /** Process names of supervisors: their lines about one program are that program's evidence (supervisor-lines.ts). */
  readonly supervisors?: readonly string[];
  /** The process name a supervisor's program runs under on a host (its program name when not known). */
  processOfProgram?(hostId: string, program: string): string;
}

export interface CauseOptions {
  /** Baseline before the incident's first onset, ms. */
  readonly baselineMs: number;
  /** The anomaly is taken to start this long before the first alert's onset: a detector fires a few samples
   * into a deviation, and the cause (a process starting) often comes a moment before the symptom. */
  readonly leadMs: number;
  /** Alerts' series read at most (the earliest ones). */
  readonly maxSeries: number;
  /** Processes per host offered to the ranker (those that moved most). */
  readonly processesPerHost: number;
  /** A process is a candidate when its CPU rose by this many points of one core ... */
  readonly minCpuRisePct: number;
  /** ... or its RSS by this many bytes ... */
  readonly minRssRiseBytes: number;
  /** ... or its disk reads or writes by this many bytes a second. */
  readonly minIoRiseBps: number;
  readonly top: number;
}

export const DEFAULT_CAUSE_OPTIONS: CauseOptions = { baselineMs: 10 * 60_000, leadMs: 10_000, maxSeries: 60, processesPerHost: 5, minCpuRisePct: 10, minRssRiseBytes: 64 * 2 ** 20, minIoRiseBps: 2 ** 20, top: 5 };

/** A disk's I/O is one process's when that process did at least this share of the disk's extra bytes (foldDisksIntoProcesses). */
export const DISK_SHARE_OF_PROCESS = 0.5;

/** Scale of a process event's step (see InputBuilder.alert). */
const EVENT_SCALE = 0.01;
/** The ranker's metric names of process events (explain() words them; remediation proposals read them). */
export const EVENT_EVIDENCE = { exited: 'exited', oomKilled: 'killed by the OOM killer', restarts: 'restarts' } as const;
const EXITED = EVENT_EVIDENCE.exited;
const OOM_KILLED = EVENT_EVIDENCE.oomKilled;
const RESTARTS = EVENT_EVIDENCE.restarts;
/** Filesystem series that move this way when it fills (foldDisksIntoFilling). */
const FILL_UP = new Set(['fs.used_pct', 'fs.used_bytes', 'fs.inodes_used_pct']);
const FILL_DOWN = new Set(['fs.avail_bytes']);
/** The ranker's metric names of a process's disk rates (the process table's readBps / writeBps). */
export const PROC_READ_BPS = 'proc.read_bps';
export const PROC_WRITE_BPS = 'proc.write_bps';
export { scaleFloor };

interface EntityInfo {
  readonly entity: RcaEntity;
  readonly kind: CauseKind;
  readonly hostId: string;
  readonly name: string;
  readonly pid?: number;
  readonly node: string;
  /** A process that started within the window read (after its first process table), ms since the epoch. */
  readonly startedMs?: number;
}

export interface CauseResult {
  readonly causes: IncidentCause[];
  readonly subgraph: IncidentSubgraph;
  /** Series the ranker could not use (no sample before or after the onset). */
  readonly skippedSeries: number;
}

/**
 * Ranks an incident's causes; `alerts` are the documents of its listed alerts. `onsetMs` is when the
 * trouble started (default the incident's first onset; the service tries a later alert's onset when the
 * stored history does not reach back before the first).
 */
export function buildCauses(incident: Incident, alerts: readonly Alert[], src: CauseSources, nowMs: number, options: Partial<CauseOptions> = {}, onsetMs = incident.openedMs): CauseResult | { error: string } {
  const o = { ...DEFAULT_CAUSE_OPTIONS, ...options };
  const anomalyAt = onsetMs - o.leadMs;
  const from = anomalyAt - o.baselineMs;
  const b = new InputBuilder(src);
  for (const h of incident.hostIds) b.host(h);
  for (const a of [...alerts].sort((x, y) => x.startMs - y.startMs).slice(0, o.maxSeries)) b.alert(a, from, nowMs);
  for (const h of incident.hostIds) b.processes(h, src.processes.tracks(h, from, nowMs), anomalyAt, o);
  b.topologyEdges();
  b.rememberedEdges();
  b.foldDisksIntoFilling(nowMs);
  b.foldDisksIntoProcesses(anomalyAt, from, nowMs);
  const ranked = rankCauses({ entities: b.entities(), edges: b.edges, series: b.series, anomalyAt }, { top: o.top });
  if (!ranked.ok) return { error: ranked.error.message };
  const firsts = ranked.value.causes.filter((c) => c.anomaly > 0).map((c) => ownFirst(withOnsets(c, b, anomalyAt), b.info(c.entity)));
  const causes = firsts.map((c) => toCause(c, b.info(c.entity), firsts, src, [...(b.logFiles.get(c.entity) ?? [])].sort()));
  return { causes, subgraph: subgraphOf(incident, causes, src.topology), skippedSeries: ranked.value.skippedSeries };
}

class InputBuilder {
  readonly edges: RcaEdge[] = [];
  readonly series: RcaSeries[] = [];
  private readonly byId = new Map<string, EntityInfo>();
  private readonly ports = new Map<string, number>();

  constructor(private readonly src: CauseSources) {
    for (const n of src.topology.nodes) if (n.ports.length > 0) this.ports.set(n.id, n.ports.length);
  }

  entities(): RcaEntity[] {
    return [...this.byId.values()].map((i) => i.entity);
  }

  info(id: string): EntityInfo {
    return this.byId.get(id)!;
  }

  /** Log files an entity wrote the incident's log alerts' lines to (followed files only). */
  readonly logFiles = new Map<string, Set<string>>();

  private filesOf(id: string): Set<string> {
    let set = this.logFiles.get(id);
    if (set === undefined) this.logFiles.set(id, (set = new Set()));
    return set;
  }

  /** An edge from a host to one of its processes or resources: the host is their aggregate (RcaEdge.aggregate). */
  private addPart(host: string, part: string): void {
    this.edges.push({ from: host, to: part, aggregate: true });
  }

  seriesOf(entity: string, metric: string): RcaSeries | undefined {
    return this.series.find((s) => s.entity === entity && s.metric === metric);
  }

  host(hostId: string): string {
    const id = topologyIds.host(hostId);
    if (!this.byId.has(id)) {
      const name = this.src.hostName(hostId);
      this.byId.set(id, { entity: { id, kind: 'host', label: `host ${name}` }, kind: 'host', hostId, name, node: id });
    }
    return id;
  }

  alert(a: Alert, from: number, to: number): void {
    const entity = this.entityOf(a);
    const event = eventMetric(a.seriesKey);
    if (event !== null) {
      // A fact, not a deviation measured against noise: a step from 0 at the onset (the exit) or the
      // restarts counted, weighing like the strongest deviation a series can show, so that onset order and
      // the graph decide between it and the rest.
      const { t, v } = event === RESTARTS ? evidenceSeries(a, from) : { t: [from, a.startMs], v: [0, 1] };
      this.series.push({ entity, metric: event, direction: 'up', t, v, scaleFloor: EVENT_SCALE });
      return;
    }
    const stored = this.src.series(a.hostId, a.seriesKey, from, to);
    const hasBaseline = stored.t.length > 1 && stored.t[0]! < a.startMs;
    const { t, v } = hasBaseline ? stored : evidenceSeries(a, from);
    const rising = a.evidence.points.length === 0 || a.evidence.points.some(([, x]) => x >= a.evidence.baseline);
    const lost = a.seriesKey === HOST_LOST_KEY;
    this.series.push({ entity, metric: lost ? 'reporting stopped' : a.seriesKey, direction: rising ? 'up' : 'down', t, v, scaleFloor: lost ? 0.1 : scaleFloor(a.seriesKey) });
  }

  /**
   * The entity an alert's series blames: the process of a lifecycle event (`event.*{name=…}`), the
   * process that wrote a log alert's lines (when the collector named one), a resource for labelled device
   * series, else its host.
   */
  private entityOf(a: Alert): string {
    const host = this.host(a.hostId);
    const parsed = parseSeriesKey(a.seriesKey);
    const labels = parsed?.labels ?? {};
    if (alertKind(a.seriesKey) === 'event' && labels['name'] !== undefined) return this.eventProcess(a.hostId, host, labels['name'], labels['pid'] !== undefined ? Number(labels['pid']) : undefined, parsed?.name === PROC_EXIT_NAME);
    const writer = this.programOf(a) ?? logWriter(a);
    if (writer !== null) {
      const id = this.eventProcess(a.hostId, host, writer.unit, writer.pid, false);
      // The files it wrote them to: a runbook acting on the log (rotate, truncate) needs the path.
      for (const x of a.evidence.log?.samples ?? []) if (x.unit === writer.unit && x.src.startsWith('file:')) this.filesOf(id).add(x.src.slice('file:'.length));
      return id;
    }
    const resource = labels['mount'] !== undefined ? `filesystem ${labels['mount']}` : labels['dev'] !== undefined ? `disk ${labels['dev']}` : labels['if'] !== undefined ? `interface ${labels['if']}` : null;
    if (resource === null) return host;
    const id = `res:${a.hostId}:${resource}`;
    if (!this.byId.has(id)) {
      this.byId.set(id, { entity: { id, kind: 'resource', label: `${resource} on ${this.src.hostName(a.hostId)}` }, kind: 'resource', hostId: a.hostId, name: resource, node: host });
      this.addPart(host, id);
    }
    return id;
  }

  /**
   * A log alert whose every line is a supervisor's line about one program (`exited: payments (exit
   * status 1; not expected)`, `spawned: 'payments' …`) is about that program's process, by name (each line
   * may be another instance), not about the supervisor that wrote it; else null.
   */
  private programOf(a: Alert): { unit: string; pid?: number } | null {
    const supervisors = this.src.supervisors;
    const samples = a.evidence.log?.samples ?? [];
    if (supervisors === undefined || samples.length === 0) return null;
    let program: string | null = null;
    for (const x of samples) {
      const line = statedBySupervisor(x.unit, x.msg, supervisors);
      if (line === null || (program !== null && line.program !== program)) return null;
      program = line.program;
    }
    return program === null ? null : { unit: this.src.processOfProgram?.(a.hostId, program) ?? program };
  }

  /**
   * The process behind a lifecycle event: by pid when the event names one (a service that exited: the
   * topology's node id, so client → server edges still find it while the topology remembers it), else by
   * name (a restart loop: every instance has another pid). A process the tracks also offer by pid is the
   * same entity.
   */
  private eventProcess(hostId: string, host: string, name: string, pid: number | undefined, service: boolean): string {
    const id = pid !== undefined && Number.isInteger(pid) ? topologyIds.process(hostId, pid) : `procname:${hostId}:${name}`;
    if (!this.byId.has(id)) {
      const kind: CauseKind = service || this.ports.has(id) ? 'service' : 'process';
      const label = `${kind} ${name}${pid !== undefined ? ` (pid ${pid})` : ''} on ${this.src.hostName(hostId)}`;
      this.byId.set(id, { entity: { id, kind: kind as EntityKind, label }, kind, hostId, name, ...(pid !== undefined ? { pid } : {}), node: id });
      this.addPart(host, id);
    }
    return id;
  }

  /**
   * The processes that moved most, each with its CPU and RSS series. Kernel threads are left out: they
   * write back, reclaim and convert on other processes' behalf, and are never what an operator acts on.
   * In the fs-fill scenario (2026-11-26) the loop device's writeback workers (`kworker/u8:0-loop0`,
   * `kworker/u8:0-ext4-rsv-conversion`) carried the writer's bytes and ranked level with it and the
   * filling filesystem (0.19–0.48), once first.
   */
  processes(hostId: string, tracks: readonly ProcessTrack[], anomalyAt: number, o: CauseOptions): void {
    const weight = (m: { cpu: number; rss: number; io: number }): number => m.cpu / o.minCpuRisePct + m.rss / o.minRssRiseBytes + m.io / o.minIoRiseBps;
    const moved = tracks
      .filter((p) => !p.kernel)
      .map((p) => ({ p, cpu: rise(p.t, p.cpuPct, anomalyAt), rss: rise(p.t, p.rssBytes, anomalyAt), io: Math.max(rise(p.t, p.readBps, anomalyAt), rise(p.t, p.writeBps, anomalyAt)) }))
      .filter((m) => m.cpu >= o.minCpuRisePct || m.rss >= o.minRssRiseBytes || m.io >= o.minIoRiseBps)
      .sort((x, y) => weight(y) - weight(x))
      .slice(0, o.processesPerHost);
    const host = this.host(hostId);
    for (const { p } of moved) {
      const id = topologyIds.process(hostId, p.pid);
      if (!this.byId.has(id)) {
        const kind: CauseKind = this.ports.has(id) ? 'service' : 'process';
        const label = `${kind} ${p.name} (pid ${p.pid}) on ${this.src.hostName(hostId)}`;
        const started = p.t.length > 0 && p.startMs > p.t[0]! ? { startedMs: p.startMs } : {};
        this.byId.set(id, { entity: { id, kind: kind as EntityKind, label }, kind, hostId, name: p.name, pid: p.pid, node: id, ...started });
        this.addPart(host, id);
      }
      this.series.push({ entity: id, metric: 'proc.cpu_pct', direction: 'up', scaleFloor: PCT_FLOOR, t: p.t, v: p.cpuPct });
      this.series.push({ entity: id, metric: 'proc.rss_bytes', direction: 'up', scaleFloor: o.minRssRiseBytes, t: p.t, v: p.rssBytes });
      // Only a process that touched the disk gets disk series: flat zeros would add nothing but noise.
      if (p.readBps.some((x) => x > 0)) this.series.push({ entity: id, metric: PROC_READ_BPS, direction: 'up', scaleFloor: o.minIoRiseBps, t: p.t, v: p.readBps });
      if (p.writeBps.some((x) => x > 0)) this.series.push({ entity: id, metric: PROC_WRITE_BPS, direction: 'up', scaleFloor: o.minIoRiseBps, t: p.t, v: p.writeBps });
    }
  }

  /**
   * A disk whose extra I/O since the anomaly was mostly one process's (DISK_SHARE_OF_PROCESS of the extra
   * bytes read and written, from the process table's per-process disk rates) is that process's evidence:
   * the disk's series move to the process and the disk stops being a cause of its own. A process starting on
   * a cold page cache reads its binary and libraries from disk; on an idle disk that is a deviation of
   * hundreds of standard deviations, and as its own entity the disk outranked the process for as long as the
   * burst stayed in the window (the leak scenario of 2026-11-26 ranked `disk vda` first for 38 s). The
   * console cannot tell which disk a process's bytes went to: with several disks moving, each is folded
   * only if that one process's bytes cover half of its own extra bytes. Runs after foldDisksIntoFilling:
   * a filling filesystem keeps its disks.
   */
  foldDisksIntoProcesses(anomalyAt: number, from: number, toMs: number): void {
    const procs = [...this.byId.entries()].filter(([, i]) => i.kind === 'process' || i.kind === 'service');
    const into = new Map<string, string>();
    for (const [id, info] of this.byId) {
      if (info.kind !== 'resource' || !info.name.startsWith('disk ')) continue;
      const dev = info.name.slice('disk '.length);
      let diskBytes = 0;
      for (const name of ['disk.read_bps', 'disk.write_bps']) {
        const s = this.src.series(info.hostId, `${name}{dev=${dev}}`, from, toMs);
        diskBytes += extraBytes(s.t, s.v, anomalyAt);
      }
      if (!(diskBytes > 0)) continue;
      let best: { id: string; bytes: number } | null = null;
      for (const [pid, p] of procs) {
        if (p.hostId !== info.hostId) continue;
        let bytes = 0;
        for (const metric of [PROC_READ_BPS, PROC_WRITE_BPS]) {
          const s = this.seriesOf(pid, metric);
          if (s !== undefined) bytes += extraBytes(s.t, s.v, anomalyAt);
        }
        if (best === null || bytes > best.bytes) best = { id: pid, bytes };
      }
      if (best !== null && best.bytes >= DISK_SHARE_OF_PROCESS * diskBytes) into.set(id, best.id);
    }
    this.fold(into);
  }

  /**
   * client → server between process entities that the remembered links connect, by name: the live
   * topology has no edge to a server that died, yet its clients' errors are what it explains.
   */
  rememberedEdges(): void {
    const links = this.src.links;
    if (links === undefined) return;
    const procs = [...this.byId.entries()].filter(([, i]) => i.kind === 'process' || i.kind === 'service');
    for (const [a, ia] of procs) {
      for (const [b, ib] of procs) {
        if (a === b || ia.name === ib.name) continue;
        if (links.connects({ hostId: ia.hostId, name: ia.name }, { hostId: ib.hostId, name: ib.name })) this.edges.push({ from: a, to: b });
      }
    }
  }

  /**
   * On a host where a filesystem fills (its used space up or its free space down), the disks' I/O is
   * that filesystem's writes: the disks' series become the evidence of the fullest filling filesystem of
   * the host (by its latest `fs.used_pct`), and the disks stop being causes of their own. Their
   * throughput and latency start moving first and by many more standard deviations than a share of
   * space, so as separate entities they outranked what an SRE acts on (the scenarios' filling loop image
   * ranked `disk vda` first); a link from disk to filesystem alone moved too little of that weight. The
   * console cannot tell which disk holds which filesystem (a loop image, LVM, a network block device
   * between them): the fullest one is the one in danger, and a second that merely grows with it (the
   * filesystem holding a loop image) keeps only its own evidence.
   */
  foldDisksIntoFilling(toMs: number): void {
    const filling = new Map<string, { hostId: string; usedPct: number }>();
    for (const s of this.series) {
      const parsed = parseSeriesKey(s.metric);
      const mount = parsed?.labels['mount'];
      if (!s.entity.startsWith('res:') || mount === undefined || filling.has(s.entity)) continue;
      if ((FILL_UP.has(parsed!.name) && s.direction === 'up') || (FILL_DOWN.has(parsed!.name) && s.direction === 'down')) {
        const hostId = this.byId.get(s.entity)!.hostId;
        const used = this.src.series(hostId, `fs.used_pct{mount=${mount}}`, toMs - 5 * 60_000, toMs).v;
        filling.set(s.entity, { hostId, usedPct: used.length > 0 ? used[used.length - 1]! : 0 });
      }
    }
    if (filling.size === 0) return;
    const fullest = new Map<string, string>();
    for (const [id, f] of filling) {
      const best = fullest.get(f.hostId);
      if (best === undefined || f.usedPct > filling.get(best)!.usedPct) fullest.set(f.hostId, id);
    }
    const into = new Map<string, string>();
    for (const [id, info] of this.byId) {
      const fsId = fullest.get(info.hostId);
      if (info.kind === 'resource' && info.name.startsWith('disk ') && fsId !== undefined) into.set(id, fsId);
    }
    this.fold(into);
  }

  /** Moves each folded entity's series to the entity it is folded into, and removes it with its edges. */
  private fold(into: ReadonlyMap<string, string>): void {
    if (into.size === 0) return;
    const series = this.series.splice(0);
    for (const s of series) this.series.push(into.has(s.entity) ? { ...s, entity: into.get(s.entity)! } : s);
    const edges = this.edges.splice(0).filter((e) => !into.has(e.from) && !into.has(e.to));
    this.edges.push(...edges);
    for (const id of into.keys()) this.byId.delete(id);
  }

  /** client → server between processes that are entities, and client host → server host across hosts. */
  topologyEdges(): void {
    const hostOf = new Map(this.src.topology.nodes.map((n) => [n.id, n.hostId]));
    for (const e of this.src.topology.edges) {
      if (e.kind !== 'connects' || e.from === e.to) continue;
      if (this.byId.has(e.from) && this.byId.has(e.to)) this.edges.push({ from: e.from, to: e.to });
      const a = hostOf.get(e.from);
      const b = hostOf.get(e.to);
      if (a && b && a !== b && this.byId.has(topologyIds.host(a)) && this.byId.has(topologyIds.host(b))) this.edges.push({ from: topologyIds.host(a), to: topologyIds.host(b) });
    }
  }
}

/**
 * An alert's own evidence as a series: its baseline from the start of the window read (`from`: the alert
 * says the series held its baseline until the onset), then the deviating points.
 */
function evidenceSeries(a: Alert, from: number): { t: number[]; v: number[] } {
  const t0 = Math.min(from, a.startMs - 1);
  if (a.seriesKey === HOST_LOST_KEY) return { t: [t0, a.startMs], v: [0, 1] };
  const pts = a.evidence.points.filter(([t]) => t >= a.startMs);
  return { t: [t0, ...pts.map(([t]) => t)], v: [a.evidence.baseline, ...pts.map(([, v]) => v)] };
}

/** The one process that wrote a log alert's sample lines, when the collector named it. */
function logWriter(a: Alert): { unit: string; pid?: number } | null {
  const named = (a.evidence.log?.samples ?? []).filter((x) => x.unit !== undefined);
  const first = named[0];
  if (first === undefined || named.some((x) => x.unit !== first.unit)) return null;
  const pids = new Set(named.map((x) => x.pid));
  // A restarting writer changes pid: then the process is named by its name only.
  return pids.size === 1 && first.pid !== undefined ? { unit: first.unit!, pid: first.pid } : { unit: first.unit! };
}

/** The ranker's metric name for a process event's series, or null for any other alert. */
function eventMetric(seriesKey: string): string | null {
  if (alertKind(seriesKey) !== 'event') return null;
  const name = parseSeriesKey(seriesKey)?.name;
  return name === PROC_EXIT_NAME ? EXITED : name === OOM_KILL_EVENT ? OOM_KILLED : RESTARTS;
}

/** Highest value at or after `at` minus the median before it (0 without both). */
/**
 * Bytes moved beyond the baseline from `at` on, for a series of bytes a second: each sample's excess over
 * the median before `at`, times the time it covers (its gap to the previous sample, at most MAX_GAP_MS).
 * Totals compare series sampled at different rates (disks every second, the process table every 2 s).
 */
export function extraBytes(t: readonly number[], v: readonly number[], at: number): number {
  const before: number[] = [];
  for (let i = 0; i < t.length && t[i]! < at; i++) before.push(v[i]!);
  before.sort((a, b) => a - b);
  const base = before.length === 0 ? 0 : before[before.length >> 1]!;
  let sum = 0;
  for (let i = 1; i < t.length; i++) {
    if (t[i]! < at) continue;
    const x = v[i]! - base;
    if (x > 0) sum += (x * Math.min(t[i]! - t[i - 1]!, MAX_GAP_MS)) / 1000;
  }
  return sum;
}

/** A rate sample stands for at most this long before it (a gap in the data is not a long burst). */
const MAX_GAP_MS = 5_000;

function rise(t: readonly number[], v: readonly number[], at: number): number {
  const before: number[] = [];
  let after = -Infinity;
  for (let i = 0; i < t.length; i++) {
    if (t[i]! < at) before.push(v[i]!);
    else after = Math.max(after, v[i]!);
  }
  if (before.length === 0 || after === -Infinity) return 0;
  before.sort((a, b) => a - b);
  return after - before[before.length >> 1]!;
}

/**
 * Evidence onsets for people: the first sample past `anomalyAt` that covered half the way from the
 * baseline to the peak. (The ranker's own onset, |z| ≥ 3 on a scale of at least the baseline level, is
 * right for ranking but never fires on a big series that moves by less than 4×, e.g. a filling disk.)
 */
function withOnsets(c: RankedCause, b: InputBuilder, anomalyAt: number): RankedCause {
  const evidence = c.evidence.map((e) => {
    const s = b.seriesOf(c.entity, e.metric);
    // An event's onset is its first step (the first restart), not its half-way point.
    if (s === undefined || e.peak === e.baseline || e.metric === EXITED || e.metric === RESTARTS || e.metric === OOM_KILLED) return e;
    const half = Math.abs(e.peak - e.baseline) / 2;
    const i = s.t.findIndex((t, k) => t >= anomalyAt && Math.abs(s.v[k]! - e.baseline) >= half);
    return { ...e, onsetAt: i >= 0 ? s.t[i]! : null };
  });
  return { ...c, evidence };
}

/**
 * A filesystem's own series first in its evidence (and so in its sentence): the disk I/O folded into it
 * (foldDisksIntoFilling) usually scores higher, but "fs.used_pct rose from 40 % to 97 %" is what it is blamed for.
 */
function ownFirst(c: RankedCause, info: EntityInfo): RankedCause {
  if (info.kind !== 'resource' || !info.name.startsWith('filesystem ')) return c;
  const own = (m: string): boolean => parseSeriesKey(m)?.labels['mount'] !== undefined;
  return { ...c, evidence: [...c.evidence.filter((e) => own(e.metric)), ...c.evidence.filter((e) => !own(e.metric))] };
}

function toCause(c: RankedCause, info: EntityInfo, all: readonly RankedCause[], src: CauseSources, logFiles: readonly string[]): IncidentCause {
  return {
    kind: info.kind,
    hostId: info.hostId,
    host: src.hostName(info.hostId),
    name: info.name,
    ...(info.pid !== undefined ? { pid: info.pid } : {}),
    node: src.topology.nodes.some((n) => n.id === info.node) ? info.node : topologyIds.host(info.hostId),
    score: Number(c.score.toFixed(4)),
    explanation: explain(c, all, info.startedMs),
    evidence: c.evidence.map((e) => ({ metric: e.metric, baseline: e.baseline, peak: e.peak, onsetMs: e.onsetAt })),
    ...(logFiles.length > 0 ? { logFiles } : {}),
  };
}

/**
 * e.g. "process burn (pid 7) on web-01: proc.cpu_pct rose from 0 % to 99 % at 10:02:03 UTC, first of the
 * incident's signals, 2 s before cpu.util_pct of host web-01; it accounts for host web-01." A process that
 * started within the window read says so ("process leak (pid 9) on app, started at 10:01:58 UTC: …"):
 * its series rose from nothing.
 */
export function explain(c: RankedCause, all: readonly RankedCause[], startedMs?: number): string {
  const label = startedMs !== undefined ? `${c.label}, started at ${clock(startedMs)}` : c.label;
  const top = c.evidence[0];
  if (top === undefined) return `${label}: no series deviated from its baseline.`;
  const moved = top.peak >= top.baseline ? 'rose' : 'fell';
  const at = top.onsetAt !== null ? ` at ${clock(top.onsetAt)}` : ' without a clear onset';
  const accounts = c.explains.length > 0 ? `; it accounts for ${c.explains.slice(0, 3).join(', ')}${c.explains.length > 3 ? ` and ${c.explains.length - 3} more` : ''}` : '';
  const what =
    top.metric === EXITED
      ? `it stopped running${top.onsetAt !== null ? ` after ${clock(top.onsetAt)}` : ''} and did not come back`
      : top.metric === OOM_KILLED
        ? `the kernel killed it for lack of memory${top.onsetAt !== null ? ` at ${clock(top.onsetAt)}` : ''}`
        : top.metric === RESTARTS
        ? `it keeps restarting, ${top.peak} new instances within a minute${top.onsetAt !== null ? ` from ${clock(top.onsetAt)}` : ''}`
        : `${top.metric} ${moved} from ${formatValue(top.metric, top.baseline)} to ${formatValue(top.metric, top.peak)}${at}`;
  return `${label}: ${what}${timing(c, top.onsetAt, all)}${accounts}.`;
}

/**
 * An earlier signal is named only from a cause ranked at least this share of this one's score. A far
 * weaker cause that moved first is a bystander (the scenario runs of 2026-11-26: the leak's sentence ended
 * "2 s after proc.read_bps of process node", the harness's own process at 0.04 beside the leak's 0.88),
 * and naming it sends the reader the wrong way.
 */
const RIVAL_SHARE = 0.5;

/** Where this cause's onset stands against the others'. */
function timing(c: RankedCause, onset: number | null, all: readonly RankedCause[]): string {
  if (onset === null) return '';
  const others = all.filter((x) => x.entity !== c.entity && x.evidence[0]?.onsetAt != null).map((x) => ({ x, at: x.evidence[0]!.onsetAt! }));
  if (others.length === 0) return '';
  const earlier = others.filter((o) => o.at < onset).sort((a, b) => a.at - b.at);
  const first = earlier.find((o) => o.x.score >= RIVAL_SHARE * c.score);
  if (first !== undefined) return `, ${seconds(onset - first.at)} after ${first.x.evidence[0]!.metric} of ${first.x.label}`;
  // Only bystanders moved before it: it was not first, and they are not worth naming.
  if (earlier.length > 0) return '';
  const next = others.sort((a, b) => a.at - b.at)[0]!;
  return `, first of the incident's signals, ${seconds(next.at - onset)} before ${next.x.evidence[0]!.metric} of ${next.x.label}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/** A value with the unit its series name implies (`_pct`, `_bytes`, `_bps`). */
export function formatValue(metric: string, x: number): string {
  const name = parseSeriesKey(metric)?.name ?? metric;
  const n = (y: number): string => String(Number(y.toPrecision(3)));
  if (name.endsWith('_pct')) return `${n(x)} %`;
  if (name.endsWith('_bytes')) return bytes(x);
  if (name.endsWith('_bps')) return `${bytes(x)}/s`;
  return n(x);
}

function bytes(x: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = x;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

/** Affected hosts and cause nodes that exist in the topology, and the topology edges among them. */
function subgraphOf(incident: Incident, causes: readonly IncidentCause[], topology: TopologyGraph): IncidentSubgraph {
  const exists = new Set(topology.nodes.map((n) => n.id));
  const nodes = new Set<string>();
  for (const h of incident.hostIds) if (exists.has(topologyIds.host(h))) nodes.add(topologyIds.host(h));
  for (const c of causes) if (exists.has(c.node)) nodes.add(c.node);
  const edges = topology.edges.filter((e) => nodes.has(e.from) && nodes.has(e.to)).map((e) => ({ from: e.from, to: e.to }));
  return { nodes: [...nodes], edges };
}
