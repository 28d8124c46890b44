/**
 * The knowledge graph: services (the processes of one executable on one host, with the ports they listen
 * on) and client → server edges between them, folded from the live topology (the latest process and socket
 * tables) and remembered with first/last seen in the state database (collections `services`, `edges`).
 * The live topology forgets a connection the moment its server dies; the graph still knows, for days, that
 * the client depended on it — which the correlator and the ranker need in exactly that moment.
 *
 * Services are keyed by host and process name, not pid: a restarted or crash-looping process keeps its
 * name. Only processes that own sockets are in the topology, so the graph holds servers and their clients,
 * not every shell. Writes: a new service or edge, or a changed one (ports, pids, connections), is stored at
 * once; a sighting alone refreshes `lastSeenMs` in the database at most every `touchEveryMs` (in memory it
 * is always current). Anything not seen for `keepMs` is deleted.
 */
import type { GraphEdge, GraphService, KnowledgeGraphView } from '@cerebro/shared/api/contract';
import type { TopologyGraph } from '@cerebro/shared/topology/topology';
import type { StateDatabase } from '../state/database';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface KnowledgeGraphOptions {
  /** A sighting rewrites a document's lastSeenMs at most this often, ms. */
  readonly touchEveryMs: number;
  /** Services and edges not seen for this long are deleted, ms. */
  readonly keepMs: number;
  /** The UI draws what was not seen for this long as stale, ms. */
  readonly staleAfterMs: number;
  /** For correlation and ranking, edges seen within this long relate their services, ms. */
  readonly relatedWithinMs: number;
  readonly maxServices: number;
  readonly maxEdges: number;
}

export const DEFAULT_GRAPH_OPTIONS: KnowledgeGraphOptions = {
  touchEveryMs: 60_000,
  keepMs: 7 * 24 * 3_600_000,
  staleAfterMs: 60_000,
  relatedWithinMs: 3_600_000,
  maxServices: 50_000,
  maxEdges: 200_000,
};

export interface ProcessRef {
  readonly hostId: string;
  readonly name: string;
}

const MAX_LIST = 16;

export function serviceId(hostId: string, name: string): string {
  return `svc:${hostId}:${name}`;
}

function edgeId(from: string, to: string, port: number): string {
  return `${from}>${to}:${port}`;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class KnowledgeGraph {
  readonly options: KnowledgeGraphOptions;
  private readonly services = new Map<string, GraphService>();
  private readonly edges = new Map<string, GraphEdge>();
  /** client service id → ids of its edges (connects() reads a client's few edges, not all of them). */
  private readonly byFrom = new Map<string, Set<string>>();
  /** lastSeenMs as last written, per document id. */
  private readonly written = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private prunedMs = 0;
  /** Writes that failed (each logged). */
  writeFailures = 0;

  private constructor(
    private readonly db: StateDatabase | null,
    private readonly log: Log,
    options: Partial<KnowledgeGraphOptions>,
  ) {
    this.options = { ...DEFAULT_GRAPH_OPTIONS, ...options };
  }

  /** Loads the stored graph. With `db` null it lives in memory only (tests, tools). */
  static async open(db: StateDatabase | null, log: Log, options: Partial<KnowledgeGraphOptions> = {}): Promise<KnowledgeGraph> {
    const g = new KnowledgeGraph(db, log, options);
    if (db !== null) {
      for (const d of await db.services.find().exec()) {
        const s = d.toJSON() as GraphService;
        g.services.set(s.id, s);
        g.written.set(s.id, s.lastSeenMs);
      }
      for (const d of await db.edges.find().exec()) {
        const e = d.toJSON() as GraphEdge;
        g.setEdge(e);
        g.written.set(e.id, e.lastSeenMs);
      }
    }
    return g;
  }

  get size(): { services: number; edges: number } {
    return { services: this.services.size, edges: this.edges.size };
  }

  /** Folds one live topology view in (seen at `nowMs`). */
  observe(view: TopologyGraph, nowMs: number): void {
    const seenServices = new Map<string, { hostId: string; name: string; ports: Set<number>; pids: Set<number> }>();
    const procService = new Map<string, string>();
    for (const n of view.nodes) {
      if (n.kind !== 'process' || n.hostId === null || n.label.startsWith('pid ')) continue;
      const id = serviceId(n.hostId, n.label);
      procService.set(n.id, id);
      let s = seenServices.get(id);
      if (s === undefined) seenServices.set(id, (s = { hostId: n.hostId, name: n.label, ports: new Set(), pids: new Set() }));
      for (const p of n.ports) s.ports.add(p);
      if (n.pid !== null) s.pids.add(n.pid);
    }
    const seenEdges = new Map<string, { from: string; to: string; port: number; connections: number }>();
    for (const e of view.edges) {
      if (e.kind !== 'connects') continue;
      const from = procService.get(e.from);
      const to = procService.get(e.to);
      if (from === undefined || to === undefined || from === to || e.port === null) continue;
      const id = edgeId(from, to, e.port);
      const prev = seenEdges.get(id);
      seenEdges.set(id, { from, to, port: e.port, connections: (prev?.connections ?? 0) + e.count });
    }
    const changed: { services: GraphService[]; edges: GraphEdge[] } = { services: [], edges: [] };
    for (const [id, s] of seenServices) {
      const old = this.services.get(id);
      if (old === undefined && this.services.size >= this.options.maxServices) continue;
      const ports = [...s.ports].sort((a, b) => a - b).slice(0, MAX_LIST);
      // Ports a service listened on stay known after it closes them (a dead server's port still explains its clients).
      const merged = old === undefined ? ports : [...new Set([...old.ports, ...ports])].sort((a, b) => a - b).slice(0, MAX_LIST);
      const pids = [...s.pids].sort((a, b) => a - b).slice(0, MAX_LIST);
      const next: GraphService = { id, hostId: s.hostId, name: s.name, ports: merged, pids, firstSeenMs: old?.firstSeenMs ?? nowMs, lastSeenMs: nowMs };
      this.services.set(id, next);
      if (old === undefined || !sameList(old.ports, merged) || !sameList(old.pids, pids) || this.touchDue(id, nowMs)) changed.services.push(next);
    }
    for (const [id, e] of seenEdges) {
      const old = this.edges.get(id);
      if (old === undefined && this.edges.size >= this.options.maxEdges) continue;
      const next: GraphEdge = { id, from: e.from, to: e.to, port: e.port, connections: e.connections, firstSeenMs: old?.firstSeenMs ?? nowMs, lastSeenMs: nowMs };
      this.setEdge(next);
      if (old === undefined || old.connections !== e.connections || this.touchDue(id, nowMs)) changed.edges.push(next);
    }
    this.write(changed);
    if (nowMs - this.prunedMs >= this.options.touchEveryMs) this.prune(nowMs);
  }

  /** Whether two processes (host, name) are the same service or an edge joined them within relatedWithinMs. */
  related(a: ProcessRef, b: ProcessRef, nowMs: number = Date.now()): boolean {
    return (a.hostId === b.hostId && a.name === b.name) || this.connects(a, b, nowMs) || this.connects(b, a, nowMs);
  }

  /** Whether `client` called `server` (any port) within relatedWithinMs. */
  connects(client: ProcessRef, server: ProcessRef, nowMs: number = Date.now()): boolean {
    const to = serviceId(server.hostId, server.name);
    for (const id of this.byFrom.get(serviceId(client.hostId, client.name)) ?? []) {
      const e = this.edges.get(id);
      if (e !== undefined && e.to === to && nowMs - e.lastSeenMs <= this.options.relatedWithinMs) return true;
    }
    return false;
  }

  view(nowMs: number = Date.now()): KnowledgeGraphView {
    return { services: [...this.services.values()], edges: [...this.edges.values()], staleAfterMs: this.options.staleAfterMs, nowMs };
  }

  /** Waits for queued writes. */
  settle(): Promise<void> {
    return this.queue;
  }

  private setEdge(e: GraphEdge): void {
    this.edges.set(e.id, e);
    let ids = this.byFrom.get(e.from);
    if (ids === undefined) this.byFrom.set(e.from, (ids = new Set()));
    ids.add(e.id);
  }

  private touchDue(id: string, nowMs: number): boolean {
    return nowMs - (this.written.get(id) ?? -Infinity) >= this.options.touchEveryMs;
  }

  private prune(nowMs: number): void {
    this.prunedMs = nowMs;
    const gone: { services: string[]; edges: string[] } = { services: [], edges: [] };
    for (const [id, e] of this.edges) {
      if (nowMs - e.lastSeenMs < this.options.keepMs) continue;
      this.edges.delete(id);
      this.byFrom.get(e.from)?.delete(id);
      gone.edges.push(id);
    }
    const used = new Set<string>();
    for (const e of this.edges.values()) used.add(e.from).add(e.to);
    for (const [id, s] of this.services) {
      if (nowMs - s.lastSeenMs < this.options.keepMs || used.has(id)) continue;
      this.services.delete(id);
      gone.services.push(id);
    }
    if (gone.services.length === 0 && gone.edges.length === 0) return;
    for (const id of [...gone.services, ...gone.edges]) this.written.delete(id);
    const db = this.db;
    if (db === null) return;
    this.queue = this.queue
      .then(async () => {
        if (gone.edges.length > 0) await db.edges.bulkRemove(gone.edges);
        if (gone.services.length > 0) await db.services.bulkRemove(gone.services);
      })
      .catch((e: unknown) => {
        this.writeFailures++;
        this.log('error', `graph: cannot delete ${gone.services.length} services and ${gone.edges.length} edges not seen for ${Math.round(this.options.keepMs / 3_600_000)} h: ${(e as Error).message}`);
      });
  }

  private write(changed: { services: GraphService[]; edges: GraphEdge[] }): void {
    for (const d of [...changed.services, ...changed.edges]) this.written.set(d.id, d.lastSeenMs);
    const db = this.db;
    if (db === null || (changed.services.length === 0 && changed.edges.length === 0)) return;
    this.queue = this.queue
      .then(async () => {
        if (changed.services.length > 0) await db.services.bulkUpsert(changed.services);
        if (changed.edges.length > 0) await db.edges.bulkUpsert(changed.edges);
      })
      .catch((e: unknown) => {
        this.writeFailures++;
        this.log('error', `graph: cannot store ${changed.services.length} services and ${changed.edges.length} edges: ${(e as Error).message} (kept in memory; written again at their next change)`);
        for (const d of [...changed.services, ...changed.edges]) this.written.delete(d.id);
      });
  }
}
