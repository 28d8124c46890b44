/**
 * Personalised PageRank over the dependency graph, MicroRCA-style: a walker standing on an anomalous
 * entity moves to a dependency (callee) in proportion to that dependency's own anomaly — a failing
 * dependency explains its callers' trouble — back to a caller only with a smaller weight, and stays put in
 * proportion to the part of its anomaly that its dependencies do not explain. Restarts follow the anomaly
 * scores. Where the walker spends its time is the ranking. An aggregate (a host of its processes) gets
 * steps back from its parts only for what they leave unexplained of its anomaly.
 */

export interface WalkGraph {
  /** anomaly[i] ≥ 0 per node. */
  readonly anomaly: readonly number[];
  /** callees[i]: indices i depends on. */
  readonly callees: readonly (readonly number[])[];
  /** callers[i]: indices that depend on i. */
  readonly callers: readonly (readonly number[])[];
  /** Whether the edge from → to joins an aggregate to one of its parts (RcaEdge.aggregate); absent: none does. */
  readonly aggregate?: (from: number, to: number) => boolean;
}

export interface WalkParams {
  readonly damping: number;
  readonly backward: number;
  readonly selfWeight: number;
}

const ITERATIONS = 100;
const TOLERANCE = 1e-10;

/** Stationary visit probabilities (sum 1), or all zeros when nothing is anomalous. */
export function personalisedPageRank(g: WalkGraph, p: WalkParams): number[] {
  const n = g.anomaly.length;
  const total = g.anomaly.reduce((a, b) => a + b, 0);
  if (n === 0 || total <= 0) return new Array<number>(n).fill(0);
  const restart = g.anomaly.map((a) => a / total);
  const rows = transitions(g, p);
  let r = [...restart];
  for (let it = 0; it < ITERATIONS; it++) {
    const next = restart.map((x) => (1 - p.damping) * x);
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      // A node with no way out hands its mass back to the restart distribution.
      if (row.length === 0) for (let j = 0; j < n; j++) next[j]! += p.damping * r[i]! * restart[j]!;
      for (const [j, w] of row) next[j]! += p.damping * r[i]! * w;
    }
    const delta = next.reduce((a, x, i) => a + Math.abs(x - r[i]!), 0);
    r = next;
    if (delta < TOLERANCE) break;
  }
  return r;
}

/** Row-normalised out-transitions per node as [target, probability] pairs. */
function transitions(g: WalkGraph, p: WalkParams): Array<Array<[number, number]>> {
  const aggregate = g.aggregate ?? ((): boolean => false);
  // The most of each node's anomaly that one of its callees explains.
  const explainedBy = g.anomaly.map((_, i) => g.callees[i]!.reduce((m, j) => Math.max(m, g.anomaly[j]!), 0));
  return g.anomaly.map((self, i) => {
    const w = new Map<number, number>();
    const add = (j: number, x: number): void => {
      if (x > 0) w.set(j, (w.get(j) ?? 0) + x);
    };
    for (const j of g.callees[i]!) add(j, g.anomaly[j]!);
    // Back to a caller for its whole anomaly; to an aggregate only for what its parts leave unexplained.
    for (const j of g.callers[i]!) add(j, p.backward * (aggregate(j, i) ? Math.max(0, g.anomaly[j]! - explainedBy[j]!) : g.anomaly[j]!));
    add(i, p.selfWeight * Math.max(0, self - explainedBy[i]!));
    const sum = [...w.values()].reduce((a, b) => a + b, 0);
    return sum > 0 ? [...w].map(([j, x]) => [j, x / sum] as [number, number]) : [];
  });
}
