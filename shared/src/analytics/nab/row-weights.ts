/**
 * What a detection on each scorable row of a file would be worth, before any threshold (SCORING.md §4).
 */
import type { CostProfile } from './profiles';
import { scaledSigmoid, SIGMOID_AT_LEFT_EDGE } from './sigmoid';
import { probationLength, type NabFile } from './windows';

/** Per-row worth of a detection, for rows `probation..rows-1` (index k is row probation + k). */
export interface RowWeights {
  readonly probation: number;
  /** Positive inside a window (A_TP·σ(y)/σ(−1)), negative outside (an FP's cost). */
  readonly weight: Float64Array;
  /** Index into the file's `windows` of the window holding the row, or −1 outside every window. */
  readonly window: Int32Array;
}

export function rowWeights(file: NabFile, profile: CostProfile): RowWeights {
  const probation = probationLength(file.rows);
  const n = Math.max(0, file.rows - probation);
  const weight = new Float64Array(n);
  const window = new Int32Array(n).fill(-1);
  let next = 0; // the first window not yet ended
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < file.rows; i++) {
    const w = file.windows[next];
    // Probationary rows still advance the window bookkeeping: an FP after probation is scored against a
    // window that ended during it, as NAB does (it walks every row and drops probation at the end).
    let value: number;
    let inWindow = -1;
    if (w !== undefined && i >= w.left) {
      const width = w.right - w.left + 1;
      value = (profile.tp * scaledSigmoid(-(w.right - i + 1) / width)) / SIGMOID_AT_LEFT_EDGE;
      inWindow = next;
    } else if (prevRight < 0) {
      value = -profile.fp;
    } else {
      // Divisor width − 1, as NAB has it (a one-row window makes every later FP cost the full A_FP).
      value = profile.fp * scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
    }
    if (i >= probation) {
      weight[i - probation] = value;
      window[i - probation] = inWindow;
    }
    if (w !== undefined && i === w.right) {
      prevRight = w.right;
      prevWidth = w.right - w.left + 1;
      next++;
    }
  }
  return { probation, weight, window };
}
