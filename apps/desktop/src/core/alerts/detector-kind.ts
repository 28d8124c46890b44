/**
 * The detector the console scores with: DEFAULT_DETECTOR (the ensemble) with its NAB damping switched off.
 *
 * Why undamped: tuned for NAB, the ensemble scales each score by (1 − recent peak), so an anomaly scores
 * high on its first sample only (NAB rewards one early detection per window). Measured on a step 10 → 90
 * on noise ±2 (scorer.test.ts): damped, 0.83 once and then < 0.01, so no hysteresis with minSamples ≥ 2
 * could ever open an alert. Undamped, the score stays high while the series is away from its level
 * and falls as the detector adapts, which is what the console's hysteresis needs: the hysteresis, not the
 * detector, turns one episode into one alert. The damping exponent has no "off" value, so a tiny one
 * (pow(1 − peak, 1e-9) ≈ 1) stands for it.
 *
 * Why the slow statistics are clipped (slowClip 20 σ): hysteresis needs two samples ≥ enter, and the
 * second sample of a jump is scored against a scale floor (2 × slow σ) that the first sample has already
 * inflated (slow variance ×6): a jump of 46 on noise σ 0.9 (4 % → 50 % CPU) scored ~1.0 and then 0.48–0.52,
 * so whether an alert opened at all was luck (one seed in five never did; scorer.test.ts). Clipped, one
 * sample can raise the slow variance by at most 80 %, and the second sample scores 0.65–0.68. NAB does not need it (only an episode's
 * first score counts there): ensemble with it 59.60 / 51.43 / 64.26 against 59.76 / 51.94 / 64.48
 * (docs/benchmarks.md, nab).
 *
 * `serve --detector-warmup N` (tests and benchmarks only) shortens the warm-up so a real collector's
 * series warm up in seconds instead of 300 samples. A saved state does not record the warm-up length;
 * the scorer's own sample count decides when a series may alert.
 */
import type { DetectorKind } from '@cerebro/shared/analytics/detectors/detector';
import { ENSEMBLE_PARAMS, Ensemble, ensemble } from '@cerebro/shared/analytics/detectors/ensemble';
import { DEFAULT_DETECTOR } from '@cerebro/shared/analytics/detectors/registry';

const UNDAMPED = 1e-9;
/** Huber clip of the slow mean and variance updates, in slow standard deviations (see above). */
const SLOW_CLIP = 20;
/**
 * A warm-up whose second half is this many times calmer in variance than the whole restarts from that
 * half (ensemble.ts, warmupReseed): the console often starts in a busy minute.
 */
const WARMUP_RESEED = 4;
/** The ramp signal (ensemble.ts, wRamp): three differences of one sign in a row, each at least 5 times the differences' own scale, score 0.5. */
const RAMP_WEIGHT = 2;

export function consoleDetector(warmupSamples: number = ENSEMBLE_PARAMS.warmup): DetectorKind {
  if (DEFAULT_DETECTOR.kind !== ensemble.kind) throw new Error(`the console's scorer is built for the ensemble detector; the default is now ${DEFAULT_DETECTOR.kind}: revisit detector-kind.ts`);
  if (!Number.isInteger(warmupSamples) || warmupSamples < 2) throw new Error(`the detector warm-up must be an integer ≥ 2 samples, got ${warmupSamples}`);
  const params = { ...ENSEMBLE_PARAMS, warmup: warmupSamples, damp: UNDAMPED, slowClip: SLOW_CLIP, warmupReseed: WARMUP_RESEED, wRamp: RAMP_WEIGHT };
  return {
    kind: ensemble.kind,
    warmupSamples,
    create: () => new Ensemble(params),
    fromJSON: (state) => Ensemble.fromJSON(state, params),
  };
}
