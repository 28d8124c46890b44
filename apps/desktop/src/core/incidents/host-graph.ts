/**
 * Host-level view of the topology for correlation: two hosts are neighbours when a process of one holds a
 * TCP connection to a process of the other (either way). Distances are hop counts, searched breadth-first
 * no further than asked (a fleet graph can be large; correlation asks for 1–3 hops).
 */
import type { TopologyGraph } from '@cerebro/shared/topology/topology';

export class HostGraph {
  private readonly neighbours = new Map<string, Set<string>>();

  constructor(graph: TopologyGraph) {
    const hostOf = new Map<string, string>();
    for (const n of graph.nodes) if (n.hostId !== null) hostOf.set(n.id, n.hostId);
    for (const e of graph.edges) {
      if (e.kind !== 'connects') continue;
      const a = hostOf.get(e.from);
      const b = hostOf.get(e.to);
      if (a === undefined || b === undefined || a === b) continue;
      this.link(a, b);
      this.link(b, a);
    }
  }

  /** Hops from a to b (0 when equal), or Infinity when farther than `max`. */
  distance(a: string, b: string, max: number): number {
    if (a === b) return 0;
    let frontier = [a];
    const seen = new Set(frontier);
    for (let hops = 1; hops <= max && frontier.length > 0; hops++) {
      const next: string[] = [];
      for (const h of frontier) {
        for (const n of this.neighbours.get(h) ?? []) {
          if (n === b) return hops;
          if (!seen.has(n)) {
            seen.add(n);
            next.push(n);
          }
        }
      }
      frontier = next;
    }
    return Infinity;
  }

  private link(a: string, b: string): void {
    let set = this.neighbours.get(a);
    if (!set) this.neighbours.set(a, (set = new Set()));
    set.add(b);
  }
}
