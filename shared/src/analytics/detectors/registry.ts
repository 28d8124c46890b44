/**
 * The detector kinds the console knows, and the one it runs on every series by default. The default is
 * chosen by measurement (`npm run bench -- nab`, docs/benchmarks.md): for now the baseline with the better
 * NAB standard score (robustEwma 44.8 against windowedGaussian 40.1 on 2026-11-25).
 */
import type { DetectorKind } from './detector';
import { robustEwma } from './robust-ewma';
import { windowedGaussian } from './windowed-gaussian';

export const DETECTOR_KINDS: readonly DetectorKind[] = [robustEwma, windowedGaussian];

export const DEFAULT_DETECTOR: DetectorKind = robustEwma;

/** The kind a saved state names, or undefined for an unknown one (the series then starts fresh). */
export function detectorKind(kind: string): DetectorKind | undefined {
  return DETECTOR_KINDS.find((k) => k.kind === kind);
}
