/**
 * The force layout of the topology (d3-force), stepped by the caller within a time budget per frame so
 * that a 2,000-node graph settles over a few seconds while the page stays responsive. It stops once it
 * cools; a refreshed graph keeps the positions of the nodes it already had and is only reheated when its
 * shape changed.
 */
import { forceLink, forceManyBody, forceSimulation, forceX, forceY, type Simulation, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3';
import type { TopologyEdge, TopologyGraph, TopologyNode } from '@cerebro/shared/topology/topology';

export interface SimNode extends SimulationNodeDatum {
  readonly id: string;
  node: TopologyNode;
  /** Drawn radius, graph units. */
  readonly r: number;
  x: number;
  y: number;
}

export interface SimLink extends SimulationLinkDatum<SimNode> {
  source: SimNode;
  target: SimNode;
  readonly edge: TopologyEdge;
}

const RADIUS = { host: 7, process: 3.5, external: 4.5 } as const;
/** Below this alpha the layout is considered still and drawing happens only on interaction. */
const ALPHA_MIN = 0.02;

export class TopologyLayout {
  nodes: SimNode[] = [];
  links: SimLink[] = [];
  private readonly byId = new Map<string, SimNode>();
  private readonly sim: Simulation<SimNode, SimLink>;
  private shapeKey = '';

  constructor() {
    this.sim = forceSimulation<SimNode, SimLink>()
      .stop()
      .alphaMin(ALPHA_MIN)
      .alphaDecay(0.03)
      .velocityDecay(0.45)
      // Barnes–Hut with a loose theta and a bounded reach: repulsion is the cost that grows with the graph.
      .force('charge', forceManyBody<SimNode>().strength((n) => (n.node.kind === 'host' ? -60 : -14)).theta(1.1).distanceMax(350))
      .force('x', forceX<SimNode>(0).strength(0.035))
      .force('y', forceY<SimNode>(0).strength(0.035));
  }

  /** Take a new graph; returns whether its nodes or edges changed (then the layout runs again). */
  update(graph: TopologyGraph): boolean {
    const next = new Map<string, SimNode>();
    const fresh: SimNode[] = [];
    graph.nodes.forEach((node, i) => {
      const known = this.byId.get(node.id);
      if (known) {
        known.node = node;
        next.set(node.id, known);
      } else {
        // New nodes start near their host (or on a spiral) so the layout has little to undo.
        const anchor = node.hostId !== null && node.kind !== 'host' ? (next.get(`host:${node.hostId}`) ?? this.byId.get(`host:${node.hostId}`)) : undefined;
        const a = i * 2.39996;
        const d = 12 * Math.sqrt(i + 1);
        const n: SimNode = anchor
          ? { id: node.id, node, r: RADIUS[node.kind], x: anchor.x + Math.cos(a) * 20, y: anchor.y + Math.sin(a) * 20 }
          : { id: node.id, node, r: RADIUS[node.kind], x: Math.cos(a) * d, y: Math.sin(a) * d };
        next.set(node.id, n);
        fresh.push(n);
      }
    });
    const links: SimLink[] = [];
    for (const edge of graph.edges) {
      const source = next.get(edge.from);
      const target = next.get(edge.to);
      if (source && target) links.push({ source, target, edge });
    }
    // Same nodes and the same edges: only colours or labels changed, so the layout stays where it is.
    let shapeKey = '';
    for (const e of graph.edges) shapeKey += `${e.from}>${e.to};`;
    const changed = fresh.length > 0 || next.size !== this.byId.size || shapeKey !== this.shapeKey;
    this.byId.clear();
    for (const [k, v] of next) this.byId.set(k, v);
    this.nodes = [...next.values()];
    this.links = links;
    this.shapeKey = shapeKey;
    if (changed) {
      this.sim.nodes(this.nodes);
      this.sim.force(
        'link',
        forceLink<SimNode, SimLink>(links)
          .id((n) => n.id)
          .distance((l) => (l.edge.kind === 'runs' ? 18 : 70))
          .strength((l) => (l.edge.kind === 'runs' ? 0.8 : 0.08)),
      );
      // A first layout starts hot; a refresh with a few new nodes only warms it.
      this.sim.alpha(fresh.length === this.nodes.length ? 1 : Math.min(1, 0.1 + fresh.length / Math.max(1, this.nodes.length)));
    }
    return changed;
  }

  /** Run ticks for at most `budgetMs`; returns whether the layout is still moving. */
  step(budgetMs: number): boolean {
    const end = performance.now() + budgetMs;
    while (this.sim.alpha() >= ALPHA_MIN && performance.now() < end) this.sim.tick();
    return this.sim.alpha() >= ALPHA_MIN;
  }

  get moving(): boolean {
    return this.sim.alpha() >= ALPHA_MIN;
  }

  node(id: string): SimNode | undefined {
    return this.byId.get(id);
  }

  /** The node under graph point (x, y), within its radius plus `slop`. */
  find(x: number, y: number, slop: number): SimNode | null {
    let best: SimNode | null = null;
    let bestD = Infinity;
    for (const n of this.nodes) {
      const d = (n.x - x) ** 2 + (n.y - y) ** 2;
      const reach = (n.r + slop) ** 2;
      if (d <= reach && d < bestD) {
        best = n;
        bestD = d;
      }
    }
    return best;
  }

  /** Bounding box of every node, graph units. */
  /** Bounds of every node, or of those in `only` when any of them is laid out. */
  bounds(only?: ReadonlySet<string> | null): { x0: number; y0: number; x1: number; y1: number } {
    const some = only ? this.nodes.filter((n) => only.has(n.id)) : [];
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const n of some.length > 0 ? some : this.nodes) {
      x0 = Math.min(x0, n.x);
      y0 = Math.min(y0, n.y);
      x1 = Math.max(x1, n.x);
      y1 = Math.max(y1, n.y);
    }
    return Number.isFinite(x0) ? { x0, y0, x1, y1 } : { x0: -100, y0: -100, x1: 100, y1: 100 };
  }
}
