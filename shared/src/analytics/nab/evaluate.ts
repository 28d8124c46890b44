/**
 * The whole NAB evaluation of one detector's output: per profile, the swept threshold, raw and NAB score.
 */
import { normaliseScore } from './normalise';
import { PROFILE_NAMES, type CostProfile, type ProfileName } from './profiles';
import { optimiseThreshold } from './sweep';
import type { NabFile } from './windows';

export interface ProfileResult {
  readonly threshold: number;
  readonly raw: number;
  /** 0–100. */
  readonly nab: number;
}

/** Sweeps each profile's threshold over the whole corpus and normalises against all its windows. */
export function evaluateDetector(files: readonly NabFile[], anomalyScores: ReadonlyArray<ArrayLike<number>>, profiles: Readonly<Record<ProfileName, CostProfile>>): Record<ProfileName, ProfileResult> {
  const windowCount = files.reduce((s, f) => s + f.windows.length, 0);
  const out = {} as Record<ProfileName, ProfileResult>;
  for (const name of PROFILE_NAMES) {
    const { threshold, raw } = optimiseThreshold(files, anomalyScores, profiles[name]);
    out[name] = { threshold, raw, nab: normaliseScore(raw, windowCount, profiles[name]) };
  }
  return out;
}
