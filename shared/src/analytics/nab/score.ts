/**
 * The raw NAB score of a detector's output at one threshold (SCORING.md §5), per file and pooled.
 */
import type { CostProfile } from './profiles';
import { rowWeights } from './row-weights';
import type { NabFile } from './windows';

/** A file's part of the raw score, with NAB's row counts (reporting only; scorable rows). */
export interface FileScore {
  readonly name: string;
  /** Best detection per window (−A_FN for a missed one) plus every FP term. */
  readonly score: number;
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
}

export interface ThresholdScore {
  readonly threshold: number;
  /** Sum of the files' scores. */
  readonly raw: number;
  readonly files: readonly FileScore[];
}

/** Scores one file: rows with `anomalyScores[i] >= threshold` are detections. */
export function scoreFile(file: NabFile, anomalyScores: ArrayLike<number>, profile: CostProfile, threshold: number): FileScore {
  if (anomalyScores.length !== file.rows) throw new Error(`${file.name}: ${anomalyScores.length} anomaly scores for ${file.rows} rows`);
  const { probation, weight, window } = rowWeights(file, profile);
  const best = new Float64Array(file.windows.length).fill(-profile.fn);
  let fpSum = 0;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let k = 0; k < weight.length; k++) {
    const detected = (anomalyScores[probation + k] as number) >= threshold;
    const w = window[k] as number;
    if (w >= 0) {
      if (detected) {
        tp++;
        if ((weight[k] as number) > (best[w] as number)) best[w] = weight[k] as number;
      } else fn++;
    } else if (detected) {
      fp++;
      fpSum += weight[k] as number;
    } else tn++;
  }
  let score = fpSum;
  for (const b of best) score += b;
  return { name: file.name, score, tp, tn, fp, fn };
}

/** Scores every file at one threshold; `anomalyScores[f]` is the detector's output for `files[f]`. */
export function scoreAtThreshold(files: readonly NabFile[], anomalyScores: ReadonlyArray<ArrayLike<number>>, profile: CostProfile, threshold: number): ThresholdScore {
  const perFile = files.map((f, i) => scoreFile(f, anomalyScores[i] ?? [], profile, threshold));
  return { threshold, raw: perFile.reduce((s, f) => s + f.score, 0), files: perFile };
}
