/**
 * How far one series moved after the anomaly started, against its own baseline (the samples before).
 * Robust on purpose: the baseline window often still holds the tail of an earlier incident, so level and
 * scale are the median and MAD, not mean and standard deviation. Scores are log-compressed (ln(1 + |z|)):
 * a series with a near-zero baseline spread can reach z in the thousands, and without compression one such
 * series would outweigh every other signal. When that earlier incident was the same entity's, it lifts the
 * median and widens the spread enough to hide a fresh deviation: the deviation is also measured against
 * the baseline's recent part (`recentBaselineMs`), and the larger one counts.
 */
import type { Direction, Evidence, RcaOptions, RcaSeries } from './types';

/** MAD → standard deviation for a normal distribution. */
const MAD_TO_SD = 1.4826;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** z pointed the way the metric goes wrong: negative moves of an `up` metric count as 0. */
function directed(z: number, direction: Direction): number {
  if (direction === 'up') return Math.max(z, 0);
  if (direction === 'down') return Math.max(-z, 0);
  return Math.abs(z);
}

/** Fewest samples a recent baseline needs to be used (a median and a spread of fewer say little). */
const MIN_RECENT_SAMPLES = 3;

type Deviation = Omit<Evidence, 'metric' | 'peer'>;

/** How far the post-onset samples moved from one baseline. */
function deviation(before: readonly number[], afterT: readonly number[], afterV: readonly number[], s: RcaSeries, o: RcaOptions): Deviation {
  const level = median(before);
  const mad = median(before.map((x) => Math.abs(x - level))) * MAD_TO_SD;
  // Floors: a flat baseline (MAD 0) must not turn a rounding change into infinite evidence.
  const scale = Math.max(mad, o.relativeFloor * Math.abs(level), s.scaleFloor ?? 0, 1e-9);
  const dir = s.direction ?? 'both';
  let peakZ = 0;
  let peak = level;
  let onsetAt: number | null = null;
  const scores: number[] = [];
  for (let i = 0; i < afterV.length; i++) {
    const z = (afterV[i]! - level) / scale;
    const d = directed(z, dir);
    scores.push(Math.log1p(d));
    if (d > directed(peakZ, dir)) {
      peakZ = z;
      peak = afterV[i]!;
    }
    if (onsetAt === null && d >= o.onsetZ) onsetAt = afterT[i]!;
  }
  scores.sort((a, b) => b - a);
  // The median of the strongest `persistence` samples: one spike is not a lasting deviation.
  const score = median(scores.slice(0, Math.max(1, o.persistence)));
  return { score, peakZ, baseline: level, peak, onsetAt };
}

/**
 * The series' evidence, or null when it lacks a sample before or after `anomalyAt`. Scored against the
 * whole baseline and, when `recentBaselineMs` is set, against its recent part too; the larger deviation
 * wins (its baseline is the one reported).
 */
export function seriesEvidence(s: RcaSeries, anomalyAt: number, o: RcaOptions): Evidence | null {
  const before: number[] = [];
  const recent: number[] = [];
  const afterT: number[] = [];
  const afterV: number[] = [];
  const recentFrom = anomalyAt - o.recentBaselineMs;
  for (let i = 0; i < s.t.length; i++) {
    const v = s.v[i]!;
    if (!Number.isFinite(v)) continue;
    if (s.t[i]! < anomalyAt) {
      before.push(v);
      if (s.t[i]! >= recentFrom) recent.push(v);
    } else {
      afterT.push(s.t[i]!);
      afterV.push(v);
    }
  }
  if (before.length === 0 || afterV.length === 0) return null;
  let best = deviation(before, afterT, afterV, s, o);
  if (o.recentBaselineMs > 0 && recent.length >= MIN_RECENT_SAMPLES && recent.length < before.length) {
    const r = deviation(recent, afterT, afterV, s, o);
    if (r.score > best.score) best = r;
  }
  return { metric: s.metric, ...(s.peer !== undefined ? { peer: s.peer } : {}), ...best };
}
