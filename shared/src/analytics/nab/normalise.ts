/**
 * Raw score → NAB 0–100 (SCORING.md §7): 0 is the null detector (never detects, every window missed),
 * 100 the perfect one (every window's first row, nothing else).
 */
import type { CostProfile } from './profiles';

/** Raw score of a detector that never fires: −A_FN per window. */
export function nullRaw(windowCount: number, profile: CostProfile): number {
  return -profile.fn * windowCount;
}

/** Raw score of a detector that fires on exactly the first row of every window. */
export function perfectRaw(windowCount: number, profile: CostProfile): number {
  return profile.tp * windowCount;
}

/** NAB = 100 × (raw − null) / (perfect − null); negative when worse than never detecting. */
export function normaliseScore(raw: number, windowCount: number, profile: CostProfile): number {
  const lo = nullRaw(windowCount, profile);
  return (100 * (raw - lo)) / (perfectRaw(windowCount, profile) - lo);
}
