/**
 * The detector kinds the console knows, and the one it runs on every series by default. The default is
 * chosen by measurement (`npm run bench -- nab`, docs/benchmarks.md): the kind with the best
 * NAB scores: ensemble 59.33 / 51.10 / 64.55 (standard / low FP / low FN) against robustEwma 44.83 / 31.61 /
 * 54.60 and windowedGaussian 40.13 / 23.94 / 47.73 on 2026-11-25.
 */
import type { DetectorKind } from './detector';
import { ensemble } from './ensemble';
import { robustEwma } from './robust-ewma';
import { windowedGaussian } from './windowed-gaussian';

export const DETECTOR_KINDS: readonly DetectorKind[] = [ensemble, robustEwma, windowedGaussian];

export const DEFAULT_DETECTOR: DetectorKind = ensemble;

/** The kind a saved state names, or undefined for an unknown one (the series then starts fresh). */
export function detectorKind(kind: string): DetectorKind | undefined {
  return DETECTOR_KINDS.find((k) => k.kind === kind);
}
