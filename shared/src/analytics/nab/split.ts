/**
 * The half-split overfit check: choose the threshold on one half of the files, score the other half with
 * it, and compare with the score that half would get with its own best threshold. A detector whose
 * parameters or threshold only suit the files they were chosen on loses points on the held-out half.
 */
import { normaliseScore } from './normalise';
import { PROFILE_NAMES, type CostProfile, type ProfileName } from './profiles';
import { scoreAtThreshold } from './score';
import { optimiseThreshold } from './sweep';
import type { NabFile } from './windows';

export type Half = 'A' | 'B';

/**
 * Every other file of each category (`<category>/<name>`, in the order given) goes to half A, the rest to
 * B, so both halves hold every kind of series.
 */
export function splitHalves(files: readonly NabFile[]): Half[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const category = f.name.includes('/') ? f.name.slice(0, f.name.indexOf('/')) : '';
    const k = seen.get(category) ?? 0;
    seen.set(category, k + 1);
    return k % 2 === 0 ? 'A' : 'B';
  });
}

export interface HeldOutResult {
  /** NAB 0–100 of the held-out half at the threshold chosen on the other half. */
  readonly heldOut: number;
  /** NAB 0–100 of the held-out half at its own best threshold (the most it could get). */
  readonly ownBest: number;
  readonly threshold: number;
}

/** For each profile: tune on `tune`, score on the other half. */
export function heldOutScores(
  files: readonly NabFile[],
  anomalyScores: ReadonlyArray<ArrayLike<number>>,
  profiles: Readonly<Record<ProfileName, CostProfile>>,
  halves: readonly Half[],
  tune: Half,
): Record<ProfileName, HeldOutResult> {
  const pick = <T>(xs: readonly T[], half: Half): T[] => xs.filter((_, i) => halves[i] === half);
  const test: Half = tune === 'A' ? 'B' : 'A';
  const tuneFiles = pick(files, tune);
  const testFiles = pick(files, test);
  const testScores = pick(anomalyScores, test);
  const windows = testFiles.reduce((s, f) => s + f.windows.length, 0);
  const out = {} as Record<ProfileName, HeldOutResult>;
  for (const name of PROFILE_NAMES) {
    const { threshold } = optimiseThreshold(tuneFiles, pick(anomalyScores, tune), profiles[name]);
    const raw = scoreAtThreshold(testFiles, testScores, profiles[name], threshold).raw;
    const own = optimiseThreshold(testFiles, testScores, profiles[name]).raw;
    out[name] = { heldOut: normaliseScore(raw, windows, profiles[name]), ownBest: normaliseScore(own, windows, profiles[name]), threshold };
  }
  return out;
}
