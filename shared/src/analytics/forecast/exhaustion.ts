/**
 * Time to exhaustion of a filling resource (filesystem used bytes, memory, swap). The trend is the
 * Theil–Sen slope (median of pairwise slopes: robust to spikes and to a few bad samples) over a bounded
 * recent window, and its uncertainty is Sen's rank-based confidence interval for that slope (Kendall's
 * variance). The estimate uses the median slope; the lower bound uses the upper end of the slope interval,
 * so "full in less than H" can be alerted on with stated confidence. A drop of more than `resetFraction`
 * of capacity (space freed, a process restarted) starts the window afresh: the old trend no longer holds.
 *
 * Constant memory: at most `maxPoints` samples, at least `spacingMs` apart. Hand-written because the
 * window is tiny (O(n²) pairs, n ≤ a few hundred) and the state must serialise to plain JSON.
 */
import { err, ok, type Result } from '../../result';

export interface ExhaustionParams {
  /** Samples kept (the window spans about maxPoints × spacingMs). */
  readonly maxPoints: number;
  /** A sample closer than this to the last kept one only updates the current value. */
  readonly spacingMs: number;
  /** Samples needed before any forecast. */
  readonly minPoints: number;
  /** A fall of more than this fraction of capacity between samples resets the window. */
  readonly resetFraction: number;
  /** Standard normal quantile of the slope interval (1.645: 90 % two-sided, 95 % one-sided). */
  readonly z: number;
}

/** Kept samples whose median is the level a drop is measured from (reset check). */
const RESET_REFERENCE_POINTS = 5;

export const EXHAUSTION_DEFAULTS: ExhaustionParams = { maxPoints: 120, spacingMs: 60_000, minPoints: 6, resetFraction: 0.05, z: 1.645 };

export interface ExhaustionForecast {
  /** Epoch ms of the latest sample. */
  readonly at: number;
  readonly used: number;
  readonly capacity: number;
  /** Units per second (median pairwise slope). */
  readonly slopePerSec: number;
  /** Sen's interval for the slope, units per second. */
  readonly slopeLowPerSec: number;
  readonly slopeHighPerSec: number;
  /** Estimated ms until used reaches capacity; null when not filling (median slope ≤ 0). */
  readonly etaMs: number | null;
  /** Ms until capacity at the upper slope bound (the pessimistic case); null when not filling. */
  readonly etaLowerBoundMs: number | null;
  /** True when even the lower slope bound is positive: filling beyond reasonable doubt. */
  readonly confident: boolean;
  readonly points: number;
}

export interface ExhaustionState {
  readonly version: 1;
  /** Kept samples as [epoch ms, used], oldest first. */
  readonly points: Array<[number, number]>;
  readonly last: [number, number] | null;
  readonly capacity: number;
}

export class ExhaustionForecaster {
  private points: Array<[number, number]> = [];
  private last: [number, number] | null = null;
  private capacity = 0;
  private rejected = 0;

  constructor(private readonly p: ExhaustionParams = EXHAUSTION_DEFAULTS) {}

  /** One sample: used and capacity in the same unit (bytes), at epoch ms `t` (non-decreasing). */
  add(t: number, used: number, capacity: number): void {
    const bad = !Number.isFinite(t) || !Number.isFinite(used) || !Number.isFinite(capacity) || capacity <= 0;
    if (bad || (this.last !== null && t < this.last[0])) {
      this.rejected++;
      return;
    }
    if (this.recentLevel() - used > this.p.resetFraction * capacity) this.points = [];
    this.capacity = capacity;
    this.last = [t, used];
    const prev = this.points[this.points.length - 1];
    if (prev === undefined || t - prev[0] >= this.p.spacingMs) {
      this.points.push([t, used]);
      if (this.points.length > this.p.maxPoints) this.points.shift();
    }
  }

  /** Samples refused (non-finite, capacity ≤ 0, or time going backwards): counted, never silent. */
  get rejectedSamples(): number {
    return this.rejected;
  }

  forecast(): ExhaustionForecast | null {
    const last = this.last;
    const pts = this.windowPoints();
    if (last === null || pts.length < this.p.minPoints) return null;
    const { slope, low, high } = senSlope(pts, this.p.z);
    const level = Math.max(last[1], fittedLevel(pts, slope, last[0]));
    const room = Math.max(0, this.capacity - level);
    const eta = (s: number): number | null => (s > 0 ? (room / s) * 1000 : null);
    return {
      at: last[0],
      used: last[1],
      capacity: this.capacity,
      slopePerSec: slope,
      slopeLowPerSec: low,
      slopeHighPerSec: high,
      etaMs: slope > 0 ? eta(slope) : null,
      etaLowerBoundMs: slope > 0 ? eta(high) : null,
      confident: low > 0,
      points: pts.length,
    };
  }

  /** Median of the last few kept samples: a single spike that comes back down is not freed space. */
  private recentLevel(): number {
    const recent = this.points.slice(-RESET_REFERENCE_POINTS).map(([, v]) => v);
    if (recent.length === 0) return -Infinity;
    recent.sort((a, b) => a - b);
    return recent[recent.length >> 1]!;
  }

  /** The kept samples plus the latest one when it was not kept (it is the freshest evidence). */
  private windowPoints(): Array<[number, number]> {
    const lastKept = this.points[this.points.length - 1];
    return this.last !== null && lastKept !== undefined && lastKept[0] !== this.last[0] ? [...this.points, this.last] : this.points;
  }

  toState(): ExhaustionState {
    return { version: 1, points: this.points.map(([t, v]) => [t, v]), last: this.last === null ? null : [this.last[0], this.last[1]], capacity: this.capacity };
  }

  static fromState(raw: unknown, p: ExhaustionParams = EXHAUSTION_DEFAULTS): Result<ExhaustionForecaster, string> {
    const s = raw as Partial<ExhaustionState> | null;
    if (s === null || typeof s !== 'object' || s.version !== 1) return err('exhaustion state: expected an object with version 1; start a fresh forecaster');
    const pair = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2 && x.every((n) => typeof n === 'number' && Number.isFinite(n));
    if (!Array.isArray(s.points) || !s.points.every(pair)) return err('exhaustion state: points must be [epoch ms, used] pairs; start a fresh forecaster');
    if (s.last !== null && !pair(s.last)) return err('exhaustion state: last must be null or an [epoch ms, used] pair');
    if (typeof s.capacity !== 'number' || !Number.isFinite(s.capacity) || s.capacity < 0) return err('exhaustion state: capacity must be a number ≥ 0');
    const f = new ExhaustionForecaster(p);
    f.points = s.points.slice(-p.maxPoints).map(([t, v]) => [t, v]);
    f.last = s.last === null || s.last === undefined ? null : [s.last[0], s.last[1]];
    f.capacity = s.capacity;
    return ok(f);
  }
}

/** Theil–Sen slope (units per second) with Sen's confidence interval from Kendall's S variance. */
export function senSlope(pts: ReadonlyArray<readonly [number, number]>, z: number): { slope: number; low: number; high: number } {
  const slopes: number[] = [];
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      const dt = (pts[j]![0] - pts[i]![0]) / 1000;
      if (dt > 0) slopes.push((pts[j]![1] - pts[i]![1]) / dt);
    }
  }
  if (slopes.length === 0) return { slope: 0, low: 0, high: 0 };
  slopes.sort((a, b) => a - b);
  const n = pts.length;
  const m = slopes.length;
  const c = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const at = (k: number): number => slopes[Math.min(m - 1, Math.max(0, Math.round(k)))]!;
  const mid = m % 2 === 1 ? slopes[(m - 1) / 2]! : (slopes[m / 2 - 1]! + slopes[m / 2]!) / 2;
  return { slope: mid, low: at((m - c) / 2 - 1), high: at((m + c) / 2) };
}

/** Level at time `t` of the Theil–Sen line: median of the intercepts, plus slope × t. */
function fittedLevel(pts: ReadonlyArray<readonly [number, number]>, slope: number, t: number): number {
  const t0 = pts[0]![0];
  const b = pts.map(([ti, v]) => v - (slope * (ti - t0)) / 1000).sort((x, y) => x - y);
  const mid = b.length >> 1;
  const intercept = b.length % 2 === 1 ? b[mid]! : (b[mid - 1]! + b[mid]!) / 2;
  return intercept + (slope * (t - t0)) / 1000;
}
