/**
 * The root-cause ranker's contract. It is generic on purpose: the same input describes a Nezha fault
 * (services, the call graph, per-pod metrics) and a console incident (hosts, services and processes from
 * the topology graph, the series behind its alerts). Times are epoch milliseconds throughout.
 */

export type EntityKind = 'service' | 'host' | 'process' | 'resource';

export interface RcaEntity {
  /** Unique within one input. */
  readonly id: string;
  readonly kind: EntityKind;
  /** Shown in explanations; the id when absent. */
  readonly label?: string;
}

/** `from` depends on `to`: a caller → callee call, or a process → the host it runs on. */
export interface RcaEdge {
  readonly from: string;
  readonly to: string;
  /**
   * `from` is made of `to` and its siblings (a host of its processes), not a caller of it: the walk steps
   * back from `to` to `from` only for the part of `from`'s anomaly that its parts do not explain. A plain
   * caller gets the step back for its whole anomaly; an aggregate would then collect the steps back of every
   * part that moved, and outrank the one part that explains it.
   */
  readonly aggregate?: boolean;
}

/** Which way a metric goes wrong: latency and CPU `up`, success rate `down`, traffic `both`. */
export type Direction = 'up' | 'down' | 'both';

export interface RcaSeries {
  /** The entity the metric blames when it deviates: for a call-edge latency, the callee. */
  readonly entity: string;
  /** Metric name, as it should read in an explanation ("CpuUsageRate(%)", "cpu.util_pct"). */
  readonly metric: string;
  /** For a metric measured on a call (peer → entity), the caller; its deviation is then evidence for the
   * callee that explains that caller. */
  readonly peer?: string;
  readonly direction?: Direction;
  /** Smallest baseline scale, in the series' unit (e.g. 5 for a percentage): a series whose baseline is 0
   * and flat (a process that was idle or absent) must move by a real amount to count. Default none. */
  readonly scaleFloor?: number;
  /** Sample times (epoch ms, ascending) and values; NaN marks a missing sample. Same length. */
  readonly t: readonly number[];
  readonly v: readonly number[];
}

export interface RcaInput {
  readonly entities: readonly RcaEntity[];
  readonly edges: readonly RcaEdge[];
  readonly series: readonly RcaSeries[];
  /** When the trouble started (incident opened, fault injected): samples before it are the baseline. */
  readonly anomalyAt: number;
}

export interface RcaOptions {
  /** A baseline's scale is at least this fraction of its median: a flat series (MAD 0) still needs a
   * real relative move to count. */
  readonly relativeFloor: number;
  /** |z| from which a sample counts as deviating (sets the onset time). */
  readonly onsetZ: number;
  /** Post-onset samples whose median forms a series' score: 3 asks for a deviation that lasts. */
  readonly persistence: number;
  /** Weight of the second-strongest series of an entity (more deviating metrics, more evidence). */
  readonly secondWeight: number;
  /** Random-walk restart probability's complement (PageRank damping). */
  readonly damping: number;
  /** Weight of a walk step from a callee back to its caller, relative to caller → callee. */
  readonly backward: number;
  /** Weight of the walker staying on an entity, times the part of its own score its callees don't explain. */
  readonly selfWeight: number;
  /** Bonus factor for the entity (or entities) whose evidence started first. */
  readonly onsetBonus: number;
  /** A second, recent baseline: the last this-many ms before the anomaly (0: none). A series scores the
   * larger of its deviation from the whole baseline and from the recent one, so an earlier incident still
   * in the window (which moves the whole baseline's median and widens its spread) does not hide a fresh
   * deviation of the same entity. Used only when it holds at least 3 samples and fewer than the whole. */
  readonly recentBaselineMs: number;
  /** How call-edge series of one metric measured from several callers combine into the callee's
   * evidence: (1 − c)·strongest + c·weakest. 1 asks every caller to see the callee deviate: a callee slow
   * for all its callers is a cause; one slow for a single caller points at that caller or the link. */
  readonly peerConsensus: number;
  /** Causes returned, best first. */
  readonly top: number;
}

/**
 * One parameter set (chosen on both Nezha days, see docs/benchmarks.md#rca for the split check).
 * relativeFloor 1 makes z a relative change for most metrics (doubling ≈ 1): latency percentiles of
 * low-traffic services jump between histogram buckets, and a 5 % floor turned each jump into z ≈ 200.
 * recentBaselineMs 4 min: the most recent part of a 10-minute baseline, where an incident a few minutes
 * earlier has usually ended; peerConsensus 1: a callee's call latency must rise for all its callers.
 */
export const RCA_DEFAULTS: RcaOptions = {
  relativeFloor: 1,
  onsetZ: 3,
  persistence: 3,
  secondWeight: 0,
  damping: 0.85,
  backward: 0.5,
  selfWeight: 0.5,
  onsetBonus: 0,
  recentBaselineMs: 4 * 60_000,
  peerConsensus: 1,
  top: 5,
};

/** One deviating series behind a cause. */
export interface Evidence {
  readonly metric: string;
  readonly peer?: string;
  /** The series' score (log-compressed robust z, persistent part). */
  readonly score: number;
  /** Largest signed robust z after the anomaly started (positive: above baseline). */
  readonly peakZ: number;
  readonly baseline: number;
  readonly peak: number;
  /** First sample at or past onsetZ; null when it never got there. */
  readonly onsetAt: number | null;
}

export interface RankedCause {
  readonly entity: string;
  readonly kind: EntityKind;
  readonly label: string;
  /** Relative rank score (walk probability); comparable within one ranking only. */
  readonly score: number;
  /** The entity's own anomaly score (strongest series, before the graph). */
  readonly anomaly: number;
  readonly onsetAt: number | null;
  /** Strongest series first, at most three. */
  readonly evidence: readonly Evidence[];
  /** Deviating callers (dependents) whose trouble this cause explains. */
  readonly explains: readonly string[];
  readonly explanation: string;
}

export interface RcaResult {
  readonly causes: readonly RankedCause[];
  /** Series skipped because they had no sample before or after anomalyAt (counted, never silent). */
  readonly skippedSeries: number;
}

/** The codes a bad input gets, each with its one-line meaning. */
export const RCA_ERRORS = {
  noEntities: 'the input has no entities: give at least one',
  duplicateEntity: 'two entities share one id: ids must be unique',
  unknownEntity: 'an edge or series names an entity that is not in the entities list',
  badSeries: 'a series has t and v of different lengths, or times that are not ascending finite numbers',
  badTime: 'anomalyAt is not a finite number of epoch milliseconds',
} as const;

export type RcaErrorCode = keyof typeof RCA_ERRORS;

export interface RcaError {
  readonly code: RcaErrorCode;
  readonly message: string;
}
