/**
 * NAB's scaled sigmoid (SCORING.md §3): how much a detection is worth given its position relative to a
 * window, in [-1, 1]. Negative positions (inside a window, left of its right edge) earn, positive ones
 * (after a window) cost.
 */

/** σ(y) = 2 / (1 + e^(5y)) − 1 for y ≤ 3, and exactly −1 beyond (NAB cuts the tail off there). */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/** σ(−1): a detection on a window's first row; TP weights are divided by it so that row earns exactly A_TP. */
export const SIGMOID_AT_LEFT_EDGE = scaledSigmoid(-1);
