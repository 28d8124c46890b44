/**
 * One global threshold per profile for the whole corpus, by exhaustive sweep (SCORING.md §6): every
 * distinct anomaly score of a scorable row is a candidate, plus 1.1 ("no detections").
 */
import type { CostProfile } from './profiles';
import { rowWeights } from './row-weights';
import type { NabFile } from './windows';

/** Threshold that never fires on scores in [0, 1]. */
export const NO_DETECTION_THRESHOLD = 1.1;

export interface SweepResult {
  /** The highest threshold among those reaching the best raw score. */
  readonly threshold: number;
  readonly raw: number;
  /** Candidate thresholds tried (distinct scores + the no-detection one). */
  readonly candidates: number;
}

export function optimiseThreshold(files: readonly NabFile[], anomalyScores: ReadonlyArray<ArrayLike<number>>, profile: CostProfile): SweepResult {
  // Pool the scorable rows of every file: score, worth, and a corpus-wide window id (−1 outside).
  let total = 0;
  const perFile = files.map((f, i) => {
    const s = anomalyScores[i];
    if (s === undefined || s.length !== f.rows) throw new Error(`${f.name}: ${s?.length ?? 0} anomaly scores for ${f.rows} rows`);
    // A NaN would never equal itself and stall the sweep below: refuse it, naming the row.
    for (let r = 0; r < f.rows; r++) if (Number.isNaN(s[r])) throw new Error(`${f.name}: anomaly score of row ${r} is NaN; a detector must return a number in [0, 1] for every row`);
    const rw = rowWeights(f, profile);
    total += rw.weight.length;
    return rw;
  });
  const score = new Float64Array(total);
  const weight = new Float64Array(total);
  const window = new Int32Array(total);
  let at = 0;
  let windowBase = 0;
  files.forEach((f, i) => {
    const rw = perFile[i]!;
    const s = anomalyScores[i]!;
    for (let k = 0; k < rw.weight.length; k++, at++) {
      score[at] = s[rw.probation + k] as number;
      weight[at] = rw.weight[k] as number;
      const w = rw.window[k] as number;
      window[at] = w < 0 ? -1 : windowBase + w;
    }
    windowBase += f.windows.length;
  });

  const order = Uint32Array.from({ length: total }, (_, k) => k).sort((a, b) => (score[b] as number) - (score[a] as number));
  const best = new Float64Array(windowBase).fill(-profile.fn);
  let raw = -profile.fn * windowBase;
  let bestRaw = raw;
  let bestThreshold = NO_DETECTION_THRESHOLD;
  let candidates = 1;
  for (let k = 0; k < total; ) {
    const level = score[order[k]!] as number;
    // All rows at this score level are detected together (a row fires when score >= threshold).
    for (; k < total && score[order[k]!] === level; k++) {
      const r = order[k]!;
      const w = window[r] as number;
      if (w < 0) raw += weight[r] as number;
      else if ((weight[r] as number) > (best[w] as number)) {
        raw += (weight[r] as number) - (best[w] as number);
        best[w] = weight[r] as number;
      }
    }
    candidates++;
    if (raw > bestRaw) {
      bestRaw = raw;
      bestThreshold = level;
    }
  }
  return { threshold: bestThreshold, raw: bestRaw, candidates };
}
