/**
 * Turns a stream of anomaly scores (one per sample, in [0, 1]) into open/resolve transitions, so a
 * flapping score raises one alert, not one per crossing. Pure: the state is a plain object the scorer owns.
 *
 * Why enter = 0.5 when the NAB-optimal threshold of the ensemble is ~0.25: NAB rewards an early detection
 * inside a labelled window and charges little for a few extra ones, so its optimum sits low. An operator
 * pays for every alert, and the product goal is a false-positive rate under 5 %; 0.5 held for two samples
 * keeps the early, strong onsets (a burning CPU scores > 0.8) and drops the single-sample noise that a
 * 0.25 threshold lets through. Exit (0.2) sits well below enter so a score hovering near the threshold
 * does not resolve and reopen; clearSamples (10) makes resolution wait for a quiet stretch.
 *
 * A sustained deviation opens one too: `sustainSamples` (4) consecutive scores at `sustainRatio` (0.4)
 * of the enter threshold or more (0.2, the exit level). The detector scores a level shift against a scale floored by twice the
 * slow standard deviation, so on a noisy series a real shift scores high on its first sample only
 * (the step) and then 0.25–0.3 while it lasts: cpu.util_pct sampled every 250 ms (σ ≈ 4 points) jumping
 * from 3 % to 52 % and staying there scored 0.99, 0.29, 0.28, 0.27, …, so two samples ≥ 0.5 never came
 * and a core burning for a minute raised nothing (test/e2e/incidents-ui.test.ts failed 5 runs in 8).
 * After a busy warm-up (ensemble.ts, warmupReseed) the same jump scored 0.36, 0.26, 0.24, 0.24. Four
 * samples in a row at ≥ 0.2 are rare on noise, and series-floors.ts keeps small moves out.
 *
 * The count may be raised per series (the scorer's `minSamples`, series-floors.ts `minSamplesFor`): a
 * disk's series, the CPUs' I/O wait and the processes blocked on I/O need three samples, since an idle
 * disk reads in 1–2 s bursts whenever a program starts on a cold page cache, and the kernel's write-back
 * flushes show the same way (the recurring false positives of the scenario runs, sessions 7–11).
 *
 * The minimum is a duration as well as a count (`minDurationMs`, 30 s): each sample counts for the
 * series' sampling interval, so on a series sampled every 30 s or slower one sample ≥ enter opens. Two
 * samples guard against a flicker on a 1 s series; on a 5-minute series one sample is a deviation that
 * lasted five minutes. The collector's own series (1–10 s) are unaffected. Measured on NAB, whose rows are
 * 5 minutes apart (`npm run bench -- nab`, the console figures; docs/benchmarks.md): with two samples the
 * console's alerts scored 38.7 (standard), with one 57.9, against 59.8 for its detector at the best
 * threshold.
 */

export interface HysteresisParams {
  /** Score at or above which a sample counts toward opening, in (0, 1]. */
  readonly enter: number;
  /** Score below which a sample counts toward resolving, in [0, enter). */
  readonly exit: number;
  /** Consecutive samples ≥ enter needed to open. */
  readonly minSamples: number;
  /** Consecutive samples < exit needed to resolve. */
  readonly clearSamples: number;
  /** Consecutive samples ≥ sustainRatio · enter that also open (0: off). */
  readonly sustainSamples: number;
  /** The sustained threshold as a share of enter (which noise feedback may raise per series), in (0, 1]. */
  readonly sustainRatio: number;
  /**
   * Consecutive samples ≥ enter also open once they span this long, each counting for the series'
   * sampling interval (ms; 0: off). With 30 s, a series sampled every 30 s or slower opens on one sample.
   */
  readonly minDurationMs: number;
}

export const DEFAULT_HYSTERESIS: HysteresisParams = { enter: 0.5, exit: 0.2, minSamples: 2, clearSamples: 10, sustainSamples: 4, sustainRatio: 0.4, minDurationMs: 30_000 };

export interface HysteresisState {
  open: boolean;
  /** Consecutive samples ≥ enter (while closed). */
  above: number;
  /** Consecutive samples ≥ sustainRatio · enter (while closed). */
  sustained: number;
  /** Consecutive samples < exit (while open). */
  below: number;
}

export type Transition = 'open' | 'resolve' | null;

export function newHysteresis(): HysteresisState {
  return { open: false, above: 0, below: 0, sustained: 0 };
}

/**
 * Feeds one score; `enter` may be raised per series (noise feedback), the rest comes from `p`. `stepMs` is
 * the series' sampling interval (0: unknown, then only the counts open); `minSamples` may be raised per series (disk I/O rates: series-floors.ts).
 */
export function stepHysteresis(s: HysteresisState, score: number, p: HysteresisParams, enter = p.enter, stepMs = 0, minSamples = p.minSamples): Transition {
  if (!s.open) {
    s.above = score >= enter ? s.above + 1 : 0;
    s.sustained = p.sustainSamples > 0 && score >= p.sustainRatio * enter ? s.sustained + 1 : 0;
    const lasted = p.minDurationMs > 0 && stepMs > 0 && s.above * stepMs >= p.minDurationMs;
    if (s.above < minSamples && !lasted && (p.sustainSamples === 0 || s.sustained < p.sustainSamples)) return null;
    s.open = true;
    s.above = 0;
    s.sustained = 0;
    s.below = 0;
    return 'open';
  }
  s.below = score < p.exit ? s.below + 1 : 0;
  if (s.below < p.clearSamples) return null;
  s.open = false;
  s.below = 0;
  return 'resolve';
}

/** Checks hysteresis parameters; returns a reason or null. */
export function checkHysteresis(p: HysteresisParams): string | null {
  if (!(p.enter > 0 && p.enter <= 1)) return `enter must be in (0, 1], got ${p.enter}`;
  if (!(p.exit >= 0 && p.exit < p.enter)) return `exit must be in [0, enter), got ${p.exit}`;
  if (!Number.isInteger(p.minSamples) || p.minSamples < 1) return `minSamples must be a positive integer, got ${p.minSamples}`;
  if (!Number.isInteger(p.clearSamples) || p.clearSamples < 1) return `clearSamples must be a positive integer, got ${p.clearSamples}`;
  if (!Number.isInteger(p.sustainSamples) || p.sustainSamples < 0) return `sustainSamples must be an integer ≥ 0 (0: off), got ${p.sustainSamples}`;
  if (!(p.sustainRatio > 0 && p.sustainRatio <= 1)) return `sustainRatio must be in (0, 1], got ${p.sustainRatio}`;
  if (!(p.minDurationMs >= 0 && Number.isFinite(p.minDurationMs))) return `minDurationMs must be a finite number of milliseconds ≥ 0 (0: off), got ${p.minDurationMs}`;
  return null;
}
