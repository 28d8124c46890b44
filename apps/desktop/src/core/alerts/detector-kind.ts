/**
 * The detectors the console scores with, in two tiers (tiers.ts says which series get which): the cheap
 * one, consoleDetector, on every series, and the stronger one, strongConsoleDetector (below), on a host's
 * headline series.
 *
 * The cheap tier: DEFAULT_DETECTOR (the ensemble) with its NAB damping switched off.
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
import { CONTEXTUAL_PARAMS, Contextual, contextual, type ContextualParams } from '@cerebro/shared/analytics/detectors/contextual';
import { DEFAULT_DETECTOR, STRONG_DETECTOR } from '@cerebro/shared/analytics/detectors/registry';

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

/** An episode (contextual.ts, `episodes`): samples scoring ≥ 0.24 (NAB's alert budget's threshold) no more than 10 apart. */
const EPISODES = { threshold: 0.24, minGap: 10 };

/** The span of the stronger tier's discord blocks in the console: an hour, so 24 blocks are a day at any sampling interval. */
const DISCORD_SPAN_MS = 3_600_000;

/**
 * The stronger tier as the console runs it: contextual (registry.ts, STRONG_DETECTOR) with what the console
 * needs of a detector, measured on the scorer's own cases (scorer.test.ts runs them on both tiers):
 * - undamped, as the ensemble above, with its recurring-spike halving and its rarity taking an episode as
 *   one (`episodes`, contextual.ts): otherwise a deviation lasting 30 s counted as three alerts, halved as
 *   recurring from the third, and its second sample, the first one's z just learnt, looked common: a step
 *   10 → 90 scored 0.82, then 0.45 (warm-up 300), never the two samples ≥ 0.5 the hysteresis needs;
 * - the ensemble's console fixes: the warm-up's restart from its calmer half, the slow statistics' clip,
 *   the ramp (same values as above; the ramp is not scaled by rarity, see contextual.ts);
 * - the block discord on blocks of an hour, not 12 samples (a day of NAB's 5-minute rows is 12 × 24; of the
 *   console's 1 s samples, an hour is 3,600): it then compares each day with the last 8 days (200 hours),
 *   and scores from its 54th hour (24 blocks for the first day, 30 of warm-up);
 * - the same warm-up as the cheap tier (300 samples, not NAB's 200; `--detector-warmup` sets both), so a
 *   host's series learn together and the host view states one warm-up;
 * - no alert budget: it counts the detector's own alerts, and in the console most of those are moves
 *   under the series' floor (series-floors.ts) that never become alerts. Connections at 30 moving by one
 *   now and then had counted ~9 in 400 s, and a jump to 55 then scored 0.85 and 0.17 (divided by 3.6):
 *   never the two samples the hysteresis needs. The console's floors, hysteresis and noise feedback do
 *   that work here;
 * - no gap signal: a gap in a console's series is the collector's link down or the collector stopped,
 *   which the console shows as such (the host offline, the ingest's reconnects); one alert per series of
 *   the host on its return would be noise.
 */
export function strongConsoleDetector(warmupSamples: number = ENSEMBLE_PARAMS.warmup): DetectorKind {
  if (STRONG_DETECTOR.kind !== contextual.kind) throw new Error(`the console's stronger tier is built for the contextual detector; the stronger tier is now ${STRONG_DETECTOR.kind}: revisit detector-kind.ts`);
  if (!Number.isInteger(warmupSamples) || warmupSamples < 2) throw new Error(`the detector warm-up must be an integer ≥ 2 samples, got ${warmupSamples}`);
  const discord = CONTEXTUAL_PARAMS.blockDiscord;
  const params: ContextualParams = {
    ...CONTEXTUAL_PARAMS,
    warmup: warmupSamples,
    damp: UNDAMPED,
    episodes: EPISODES,
    slowClip: SLOW_CLIP,
    warmupReseed: WARMUP_RESEED,
    wRamp: RAMP_WEIGHT,
    blockDiscord: discord === null ? null : { ...discord, spanMs: DISCORD_SPAN_MS },
    gap: null,
    budget: null,
  };
  return {
    kind: contextual.kind,
    warmupSamples,
    create: () => new Contextual(params),
    fromJSON: (state) => Contextual.fromJSON(state, params),
  };
}
