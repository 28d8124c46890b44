/**
 * What the topology view publishes on `window.__cerebroTopology` for the e2e tests and the ui benchmark:
 * the graph as drawn (a canvas has no DOM to query) and a few drawing figures. Here, in shared/, so the
 * renderer that writes it and the tools that read it agree on one shape.
 */
import type { TopologyEdge, TopologyNode } from './topology';

export interface TopologyTestHook {
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
  /** The layout has cooled; frames are drawn only on interaction from then on. */
  settled: boolean;
  /** Frames drawn so far and the duration of the last one, ms. */
  frames: number;
  lastDrawMs: number;
  /** Node ids drawn highlighted (an incident's subgraph, the rest dimmed); empty when nothing is. */
  highlighted?: readonly string[];
  /** Where a node is drawn, CSS pixels from the canvas's top-left corner; null if unknown. */
  screenPosition(id: string): { x: number; y: number } | null;
}
