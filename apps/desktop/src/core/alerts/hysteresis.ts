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
}

export const DEFAULT_HYSTERESIS: HysteresisParams = { enter: 0.5, exit: 0.2, minSamples: 2, clearSamples: 10 };

export interface HysteresisState {
  open: boolean;
  /** Consecutive samples ≥ enter (while closed). */
  above: number;
  /** Consecutive samples < exit (while open). */
  below: number;
}

export type Transition = 'open' | 'resolve' | null;

export function newHysteresis(): HysteresisState {
  return { open: false, above: 0, below: 0 };
}

/** Feeds one score; `enter` may be raised per series (noise feedback), the rest comes from `p`. */
export function stepHysteresis(s: HysteresisState, score: number, p: HysteresisParams, enter = p.enter): Transition {
  if (!s.open) {
    s.above = score >= enter ? s.above + 1 : 0;
    if (s.above < p.minSamples) return null;
    s.open = true;
    s.above = 0;
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
  return null;
}
