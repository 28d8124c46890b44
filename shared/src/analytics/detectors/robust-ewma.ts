/**
 * A robust z-score against an exponentially weighted baseline. The level is an EWMA of the samples; the
 * noise scale is the larger of a fast EWMA of absolute residuals (local noise) and a fraction of a slow
 * EWMA standard deviation of the signal (its overall spread), so a series that sits still for hours —
 * zeros between bursts, a flat line — does not turn its next small move into a maximal score. Residuals
 * are Huber-clipped before they update level and fast scale, so a spike or the start of a level shift
 * moves them only a bounded amount per sample. |z| maps monotonically into [0, 1), and is then damped by
 * the recent peak score (score · (1 − recent peak), the peak decaying per sample): NAB, like an operator,
 * values the first alert of an episode and charges every repeat, so a detector that has just fired says so
 * once. Constant memory: seven numbers.
 */
import { ok, err, type Result } from '../../result';
import { numberField, stateRecord, type DetectorKind, type DetectorState, type StreamingDetector } from './detector';

const KIND = 'robustEwma';
const VERSION = 1;

export interface RobustEwmaParams {
  /** EWMA weight of the level per sample (time constant 1/α samples). */
  readonly levelAlpha: number;
  /** EWMA weight of the fast scale (mean absolute residual). */
  readonly scaleAlpha: number;
  /** EWMA weight of the slow mean and variance of the signal. */
  readonly spreadAlpha: number;
  /** The noise scale is at least this fraction of the slow standard deviation. */
  readonly spreadFloor: number;
  /** Residuals are clipped to ±clip·scale before they update level and fast scale (Huber). */
  readonly clip: number;
  /** Samples before scores are emitted (0 until then). */
  readonly warmup: number;
  /** |z| at which the undamped score is 0.5: |z| / (|z| + half). */
  readonly half: number;
  /** Per-sample decay of the recent peak score that damps repeats (0.998: half-life ~350 samples). */
  readonly peakDecay: number;
}

/** One parameter set for every series (chosen on the NAB corpus as a whole, never per file). */
export const ROBUST_EWMA_PARAMS: RobustEwmaParams = {
  levelAlpha: 0.05,
  scaleAlpha: 0.01,
  spreadAlpha: 0.002,
  spreadFloor: 1,
  clip: 3,
  warmup: 30,
  half: 6,
  peakDecay: 0.998,
};

/** Mean absolute deviation → standard deviation for a normal distribution (√(π/2)). */
const MAD_TO_STD = 1.2533141373155003;

interface RobustEwmaState extends DetectorState {
  readonly n: number;
  readonly level: number;
  readonly scale: number;
  readonly slowMean: number;
  readonly slowVar: number;
  readonly peak: number;
}

export class RobustEwma implements StreamingDetector {
  private n = 0;
  private level = 0;
  /** Mean absolute residual (not yet scaled to a standard deviation). */
  private scale = 0;
  private slowMean = 0;
  private slowVar = 0;
  /** Decaying maximum of recent undamped scores, in [0, 1). */
  private peak = 0;

  constructor(private readonly p: RobustEwmaParams = ROBUST_EWMA_PARAMS) {}

  update(_timestampMs: number, value: number): number {
    const p = this.p;
    if (this.n === 0) {
      this.n = 1;
      this.level = value;
      this.slowMean = value;
      return 0;
    }
    const warm = this.n >= p.warmup;
    const r = value - this.level;
    // The last term keeps z finite on a perfectly flat line; a relative floor keeps float noise quiet.
    const s = Math.max(this.scale * MAD_TO_STD, p.spreadFloor * Math.sqrt(this.slowVar), 1e-9 * Math.abs(this.level), 1e-12);
    const z = Math.abs(r) / s;
    const raw = warm ? z / (z + p.half) : 0;
    const score = raw * (1 - this.peak);
    this.peak = Math.max(this.peak * p.peakDecay, raw);
    // During warm-up nothing is clipped and the weights are 1/n: the scales must first learn the noise.
    const bound = warm ? p.clip * s : Infinity;
    const rc = r > bound ? bound : r < -bound ? -bound : r;
    const a = warm ? p.scaleAlpha : 1 / (this.n + 1);
    this.level += (warm ? p.levelAlpha : a) * rc;
    this.scale += a * (Math.abs(rc) - this.scale);
    const b = warm ? p.spreadAlpha : 1 / (this.n + 1);
    const d = value - this.slowMean;
    this.slowMean += b * d;
    this.slowVar = (1 - b) * (this.slowVar + b * d * d);
    this.n++;
    return score;
  }

  toJSON(): RobustEwmaState {
    return { kind: KIND, version: VERSION, n: this.n, level: this.level, scale: this.scale, slowMean: this.slowMean, slowVar: this.slowVar, peak: this.peak };
  }

  static fromJSON(state: unknown, params: RobustEwmaParams = ROBUST_EWMA_PARAMS): Result<RobustEwma, string> {
    const r = stateRecord(state, KIND, VERSION);
    if (!r.ok) return r;
    const [n, level, scale, slowMean, slowVar, peak] = (['n', 'level', 'scale', 'slowMean', 'slowVar', 'peak'] as const).map((k) => numberField(r.value, k));
    if (n === undefined || !Number.isInteger(n) || n < 0 || level === undefined || slowMean === undefined || scale === undefined || scale < 0 || slowVar === undefined || slowVar < 0 || peak === undefined || peak < 0 || peak >= 1) {
      return err(`${KIND}: state needs integer n ≥ 0, level, slowMean, scale ≥ 0, slowVar ≥ 0 and peak in [0, 1)`);
    }
    const d = new RobustEwma(params);
    d.n = n;
    d.level = level;
    d.scale = scale;
    d.slowMean = slowMean;
    d.slowVar = slowVar;
    d.peak = peak;
    return ok(d);
  }
}

export const robustEwma: DetectorKind = {
  kind: KIND,
  warmupSamples: ROBUST_EWMA_PARAMS.warmup,
  create: () => new RobustEwma(),
  fromJSON: (state) => RobustEwma.fromJSON(state),
};
