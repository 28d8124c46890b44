/**
 * The detector kinds the console knows, the one it runs on every series by default, and the stronger
 * tier. Both are chosen by measurement (`npm run bench -- nab`, docs/benchmarks.md). Default: ensemble,
 * 59.76 / 51.94 / 64.48 (standard / low FP / low FN), ~0.9 KB per series. Stronger tier: contextual (the
 * ensemble plus context novelty, per-series rarity, block means, the step's own rarity, recurring spikes
 * halved, an alert budget, the block discord and gaps), 76.74 / 68.66 / 81.33 in ~8.6 KB per series at
 * ~1.9 M points/s (session 17: issue 4's scores met, its 4 KB not: two tiers); without the block discord
 * 74.31 / 66.27 / 78.85 in ~3.9 KB. The console runs it on each host's headline series (session 18:
 * apps/desktop/src/core/alerts/tiers.ts, with the console's options in detector-kind.ts) and the ensemble on
 * every other series. A second family, measured beside them: resonance (adaptive resonance over the series'
 * shape, ARTime's design made causal), 61.43 / 51.13 / 67.68; given what NAB's runner gives
 * ARTime (each file's minimum, maximum and length), the same code scores 74.56 / 64.61 / 80.17, the record's
 * 74.85 / 65.15 / 80.36. Baselines: robustEwma 44.83 / 31.61 / 54.60, windowedGaussian 40.13 / 23.94 / 47.73.
 */
import type { DetectorKind } from './detector';
import { contextual } from './contextual';
import { ensemble } from './ensemble';
import { resonance } from './resonance';
import { robustEwma } from './robust-ewma';
import { windowedGaussian } from './windowed-gaussian';

export const DETECTOR_KINDS: readonly DetectorKind[] = [ensemble, contextual, resonance, robustEwma, windowedGaussian];

export const DEFAULT_DETECTOR: DetectorKind = ensemble;

/** The stronger tier (benchmark keys prefixed `strong`). */
export const STRONG_DETECTOR: DetectorKind = contextual;

/** The kind a saved state names, or undefined for an unknown one (the series then starts fresh). */
export function detectorKind(kind: string): DetectorKind | undefined {
  return DETECTOR_KINDS.find((k) => k.kind === kind);
}
