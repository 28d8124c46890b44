/**
 * NAB cost profiles (SCORING.md §0, `config/profiles.json`): positive magnitudes; the scorer applies the
 * signs. A_TN is never used by the score, so it is not carried.
 */
import { err, ok, type Result } from '../../result';

export interface CostProfile {
  /** Worth of the earliest possible detection in a window. */
  readonly tp: number;
  /** Magnitude of the cost of one detection outside every window (before the sigmoid scaling). */
  readonly fp: number;
  /** Cost of a window with no detection at all. */
  readonly fn: number;
}

/** The three published profiles, under NAB's own names (the keys of profiles.json). */
export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';
export const PROFILE_NAMES: readonly ProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/** The values of NAB v1.1's profiles.json, for callers with no data folder at hand (tests, defaults). */
export const NAB_PROFILES: Readonly<Record<ProfileName, CostProfile>> = {
  standard: { tp: 1.0, fp: 0.11, fn: 1.0 },
  reward_low_FP_rate: { tp: 1.0, fp: 0.22, fn: 1.0 },
  reward_low_FN_rate: { tp: 1.0, fp: 0.11, fn: 2.0 },
};

function weight(matrix: Record<string, unknown>, key: string, profile: string): Result<number, string> {
  const v = matrix[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? ok(v) : err(`profiles.json: ${profile}.CostMatrix.${key} must be a non-negative number, got ${JSON.stringify(v)}`);
}

/** Reads profiles.json (already JSON-parsed): each of the three profiles with its CostMatrix. */
export function parseProfiles(json: unknown): Result<Record<ProfileName, CostProfile>, string> {
  if (typeof json !== 'object' || json === null) return err('profiles.json: expected an object of profiles');
  const out: Partial<Record<ProfileName, CostProfile>> = {};
  for (const name of PROFILE_NAMES) {
    const entry = (json as Record<string, unknown>)[name];
    const matrix = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['CostMatrix'] : undefined;
    if (typeof matrix !== 'object' || matrix === null) return err(`profiles.json: profile "${name}" has no CostMatrix`);
    const m = matrix as Record<string, unknown>;
    const tp = weight(m, 'tpWeight', name);
    if (!tp.ok) return tp;
    const fp = weight(m, 'fpWeight', name);
    if (!fp.ok) return fp;
    const fn = weight(m, 'fnWeight', name);
    if (!fn.ok) return fn;
    out[name] = { tp: tp.value, fp: fp.value, fn: fn.value };
  }
  return ok(out as Record<ProfileName, CostProfile>);
}
