/**
 * Several cheap signals, an optional likelihood step, one alert per episode.
 *
 * Signals, each a z-like deviation in units of its own robust noise scale (every scale is floored by a
 * multiple of the slow standard deviation of the signal, so a series that sits still for hours does not
 * turn its next small move into a maximal score):
 *  - level: the sample against an EWMA baseline (Huber-clipped updates, MAD scale floored by a fraction of
 *    the slow standard deviation, as robustEwma);
 *  - step: the first difference against an EWMA of absolute differences (sudden jumps, spikes);
 *  - shift: a short EWMA of the samples against the slow mean and standard deviation (a sustained change
 *    that no single sample shows);
 *  - range: how far the sample leaves the [min, max] seen so far, in units of that range (Numenta's
 *    "spatial anomaly").
 * The raw score is the largest weighted signal z mapped into [0, 1) as z / (z + half). An optional
 * likelihood step compares the raw score's short-term mean with its long-term mean and spread (Numenta's
 * anomaly likelihood, in constant memory with EWMAs) and takes the larger of the two. The output is then
 * damped by the recent peak (score · (1 − peak), the peak decaying per sample) so a detector that has just
 * fired says so once per episode: NAB counts only the first detection in a window and charges every false
 * one. Nothing is emitted during the warm-up.
 *
 * A busy period is forgotten (issue 4): the slow mean and variance that floor every scale restart from a
 * window of the last ~1,000 samples (recent-window.ts) when that window is at least 4 times calmer in
 * variance, so a series that was at 60–100 % during its warm-up and then idled at 2–5 % for 20 minutes
 * scores a return to 50 % as the anomaly it is. The range signal keeps the all-time extremes (forgetting
 * them cost NAB points).
 *
 * A ramp is scored too when asked for (wRamp, off for NAB, on in the console: alerts/detector-kind.ts):
 * three first differences of one sign in a row, the smallest of them over the differences' own scale.
 * Level and step are floored by the slow standard deviation, and range needs the all-time high passed,
 * so on a host whose memory was 100–400 MiB higher minutes before, a leak of 40 MiB/s opened its alert
 * 4–19 s after it began (replays of the scenario benchmark's mem-leak, docs/benchmarks.md); with the
 * ramp, 3 s (its third difference, then the hysteresis' second sample).
 *
 * Constant memory: twenty-one numbers and the window (5 numbers and 16 blocks of 2).
 *
 * Measured on NAB (docs/benchmarks.md, nab): level + range carry the score. Range (a sample beyond
 * everything seen since the series started, warm-up included) is the big gain over robustEwma, a longer
 * warm-up (300 samples, so the range is learnt first) the next, step a little more. Shift and likelihood
 * are kept as options, off, because they did not add to it on NAB (nor did a volatility-ratio signal or a
 * nearest-neighbour distance to a ring of 32 recent windows, which were removed).
 */
import { ok, err, type Result } from '../../result';
import { stateRecord, type DetectorKind, type DetectorState, type StreamingDetector } from './detector';
import { RecentWindow, type OpenBlock, type RecentWindowParams } from './recent-window';
import { WarmupHalves } from './warmup-halves';

const KIND = 'ensemble';
/** 2 added `recent`, 3 the warm-up's second half (h*), 4 the ramp's last two differences (d1, d2); older states are restored with those empty. */
const VERSION = 4;

export interface EnsembleParams {
  readonly levelAlpha: number;
  readonly scaleAlpha: number;
  readonly spreadAlpha: number;
  readonly spreadFloor: number;
  readonly clip: number;
  readonly warmup: number;
  readonly shortAlpha: number;
  /** Weights of the signals (0 turns one off). */
  readonly wLevel: number;
  readonly wStep: number;
  readonly wShift: number;
  readonly wRange: number;
  /**
   * Ramp: the last three first differences when they have one sign, the smallest of them over the
   * differences' own scale (not floored by the slow standard deviation, as step is). 0 turns it off.
   */
  readonly wRamp: number;
  /** Range signal only counts beyond this fraction of the range. */
  readonly rangeTol: number;
  /** Per-sample pull of min and max towards the slow mean (0: the all-time range). */
  readonly rangeDecay: number;
  /**
   * Window that re-seeds the slow mean and variance (blocks 0: off): whenever a block closes on a full
   * window and the slow variance is calmRatio times the window's or more, they restart from the window.
   */
  readonly recent: RecentWindowParams;
  /**
   * End of the warm-up: when one half of the warm-up was at least this many times calmer in variance
   * than the whole warm-up (0: off), the scales and the slow variance restart from that half, the level
   * and the slow mean from the second half. A console started in a busy minute (a browser launching, a deploy) otherwise learns that
   * busy minute as the series' normal spread and is blind to a real jump for the ~1,000 samples the
   * recent window needs (a core burning 22 s after a 10 s warm-up raised nothing). Off for NAB, whose
   * warm-up is 300 samples; the console sets it (alerts/detector-kind.ts).
   */
  readonly warmupReseed: number;
  /**
   * Huber clip of the slow mean and variance updates after warm-up, in slow standard deviations (0: none).
   * Off for NAB, where only an episode's first score counts; the console sets it (alerts/detector-kind.ts).
   */
  readonly slowClip: number;
  /** z at which the raw score is 0.5. */
  readonly half: number;
  /** Likelihood: EWMA weights of the raw score's short mean and of its long mean/variance. */
  readonly likShortAlpha: number;
  readonly likLongAlpha: number;
  /** Weight of the likelihood z against the raw z (mixed: max(raw z, wLik · lik z)). */
  readonly wLik: number;
  readonly peakDecay: number;
  /** Exponent of the (1 − peak) damping; 0 instead subtracts the peak (max(0, raw − peak)). */
  readonly damp: number;
}

/**
 * One parameter set for every series, chosen on the NAB corpus as a whole (round values on a plateau:
 * neighbouring values move the standard score by about ±1). The shift and likelihood signals are off: on
 * NAB they did not help on top of level + step + range (see docs/benchmarks.md, nab).
 */
export const ENSEMBLE_PARAMS: EnsembleParams = {
  levelAlpha: 0.01,
  scaleAlpha: 0.01,
  spreadAlpha: 0.002,
  spreadFloor: 2,
  clip: 3,
  warmup: 300,
  shortAlpha: 0.1,
  wLevel: 1,
  wStep: 1.5,
  wShift: 0,
  wRange: 300,
  wRamp: 0,
  rangeTol: 0,
  rangeDecay: 0,
  recent: { blocks: 16, blockSamples: 64, calmRatio: 4 },
  warmupReseed: 0,
  slowClip: 0,
  half: 10,
  likShortAlpha: 0.1,
  likLongAlpha: 0.001,
  wLik: 0,
  peakDecay: 0.998,
  damp: 1,
};

const MAD_TO_STD = 1.2533141373155003;

/** Field order of the serialised state: these, then the warm-up's second half (WarmupHalves.toArray(), version 3), then d1 and d2 (version 4). */
const FIELDS = ['n', 'prev', 'level', 'scale', 'dScale', 'slowMean', 'slowVar', 'short', 'min', 'max', 'likShort', 'likMean', 'likVar', 'peak'] as const;
/** Numbers of a version 1 or 2 state, of a version 3 state, and of the current one. */
const FIELDS_V2 = FIELDS.length;
const FIELDS_V3 = FIELDS_V2 + 5;
const FIELDS_V4 = FIELDS_V3 + 2;
type Field = (typeof FIELDS)[number];

interface EnsembleState extends DetectorState {
  readonly s: number[];
  /** RecentWindow.toArray(). */
  readonly recent: number[];
}

export class Ensemble implements StreamingDetector {
  private n = 0;
  private prev = 0;
  private level = 0;
  private scale = 0;
  private dScale = 0;
  private slowMean = 0;
  private slowVar = 0;
  private short = 0;
  private min = 0;
  private max = 0;
  private likShort = 0;
  private likMean = 0;
  private likVar = 0;
  private peak = 0;
  /** The warm-up's second half (warmup-halves.ts). */
  private readonly halves = new WarmupHalves();
  /** The ramp: the previous first difference and the one before it. */
  private d1 = 0;
  private d2 = 0;
  private readonly recent: RecentWindow;
  /** The recent window's open block (recent-window.ts, OpenBlock), kept here: this is the hot path. */
  private bN = 0;
  private bRef = 0;
  private bS1 = 0;
  private bS2 = 0;
  private readonly blockSize: number;

  constructor(private readonly p: EnsembleParams = ENSEMBLE_PARAMS) {
    this.recent = new RecentWindow(p.recent);
    this.blockSize = this.recent.blockSize;
  }

  update(_timestampMs: number, value: number): number {
    const p = this.p;
    if (this.n === 0) {
      this.n = 1;
      this.prev = value;
      this.level = value;
      this.slowMean = value;
      this.short = value;
      this.min = value;
      this.max = value;
      this.bRef = value;
      this.bN = 1;
      return 0;
    }
    const warm = this.n >= p.warmup;
    const slowStd = Math.sqrt(this.slowVar);
    const tiny = Math.max(1e-9 * Math.abs(this.level), 1e-12);
    const floor = p.spreadFloor * slowStd;
    const r = value - this.level;
    const s = Math.max(this.scale * MAD_TO_STD, floor, tiny);
    const d = value - this.prev;
    const sd = Math.max(this.dScale * MAD_TO_STD, floor, tiny);
    const short = this.short + p.shortAlpha * (value - this.short);
    let z = p.wLevel * (Math.abs(r) / s);
    if (p.wStep > 0) z = Math.max(z, p.wStep * (Math.abs(d) / sd));
    if (p.wRamp > 0 && (d > 0 ? this.d1 > 0 && this.d2 > 0 : d < 0 && this.d1 < 0 && this.d2 < 0)) {
      const m = Math.min(Math.abs(d), Math.abs(this.d1), Math.abs(this.d2));
      z = Math.max(z, p.wRamp * (m / Math.max(this.dScale * MAD_TO_STD, tiny)));
    }
    if (p.wShift > 0) z = Math.max(z, p.wShift * (Math.abs(short - this.slowMean) / Math.max(slowStd, tiny)));
    if (p.wRange > 0) {
      const range = Math.max(this.max - this.min, tiny);
      const out = value > this.max ? (value - this.max) / range : value < this.min ? (this.min - value) / range : 0;
      if (out > p.rangeTol) z = Math.max(z, p.wRange * out);
    }
    let raw = warm ? z / (z + p.half) : 0;
    if (p.wLik > 0) {
      const likShort = this.likShort + p.likShortAlpha * (raw - this.likShort);
      const lz = (likShort - this.likMean) / Math.max(Math.sqrt(this.likVar), 1e-6);
      this.likShort = likShort;
      const lr = warm && lz > 0 ? (p.wLik * lz) / (p.wLik * lz + p.half) : 0;
      const rawUpd = raw;
      if (lr > raw) raw = lr;
      const b = warm ? p.likLongAlpha : 1 / (this.n + 1);
      const dl = rawUpd - this.likMean;
      this.likMean += b * dl;
      this.likVar = (1 - b) * (this.likVar + b * dl * dl);
    }
    const score = !warm ? 0 : p.damp === 0 ? Math.max(0, raw - this.peak) : raw * (p.damp === 1 ? 1 - this.peak : Math.pow(1 - this.peak, p.damp));
    this.peak = Math.max(this.peak * p.peakDecay, raw);
    // Updates. During warm-up nothing is clipped and the weights are 1/n.
    const a = warm ? p.scaleAlpha : 1 / (this.n + 1);
    const bound = warm ? p.clip * s : Infinity;
    const rc = r > bound ? bound : r < -bound ? -bound : r;
    this.level += (warm ? p.levelAlpha : a) * rc;
    this.scale += a * (Math.abs(rc) - this.scale);
    const dbound = warm ? p.clip * sd : Infinity;
    const dc = Math.min(Math.abs(d), dbound);
    this.dScale += a * (dc - this.dScale);
    const b = warm ? p.spreadAlpha : 1 / (this.n + 1);
    let dm = value - this.slowMean;
    if (warm && p.slowClip > 0) {
      const cb = p.slowClip * Math.max(slowStd, tiny);
      dm = dm > cb ? cb : dm < -cb ? -cb : dm;
    }
    this.slowMean += b * dm;
    this.slowVar = (1 - b) * (this.slowVar + b * dm * dm);
    this.short = short;
    if (p.rangeDecay > 0 && warm) {
      this.max -= p.rangeDecay * (this.max - this.slowMean);
      this.min -= p.rangeDecay * (this.min - this.slowMean);
    }
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
    const x = value - this.bRef;
    this.bS1 += x;
    this.bS2 += x * x;
    if (++this.bN === this.blockSize) this.closeBlock();
    if (!warm && p.warmupReseed > 0) this.warmupHalf(value, d);
    this.d2 = this.d1;
    this.d1 = d;
    this.prev = value;
    this.n++;
    return score;
  }

  /** The warm-up's restart from its calmer half (EnsembleParams.warmupReseed, warmup-halves.ts). */
  private warmupHalf(value: number, d: number): void {
    const p = this.p;
    const r = this.halves.add(this.n, p.warmup, p.warmupReseed, value, d, { slowMean: this.slowMean, slowVar: this.slowVar, dScale: this.dScale });
    if (r === null) return;
    this.slowVar = r.variance;
    this.slowMean = this.level = r.level;
    this.scale = Math.min(this.scale, Math.sqrt(r.variance) / MAD_TO_STD);
    this.dScale = Math.min(this.dScale, r.meanAbsStep);
  }

  /**
   * Hands the open block to the recent window, then, once the window is full, checks the slow mean and
   * variance (the scales' floor). They remember a busy period for thousands of samples: a stretch at
   * 60–100 % kept a later jump from 4 % to 50 % below the alert threshold for over half an hour (issue 4).
   * If the last ~1,000 samples are much calmer than they say, they restart from those. (The range signal keeps the all-time extremes: forgetting them
   * with a window of the same length cost 2.3 NAB points, docs/benchmarks.md nab.)
   */
  private closeBlock(): void {
    this.bRef = this.recent.close(this.openBlock());
    this.bN = this.bS1 = this.bS2 = 0;
    if (!this.recent.full) return;
    const v = this.recent.variance();
    if (!(v * this.p.recent.calmRatio < this.slowVar)) return;
    this.slowVar = v;
    this.slowMean = this.recent.mean();
  }

  toJSON(): EnsembleState {
    return { kind: KIND, version: VERSION, s: [...FIELDS.map((f) => this[f]), ...this.halves.toArray(), this.d1, this.d2], recent: this.recent.toArray(this.openBlock()) };
  }

  private openBlock(): OpenBlock {
    return { n: this.bN, ref: this.bRef, s1: this.bS1, s2: this.bS2 };
  }

  /** Rebuilds from `toJSON()` output; a version-1 state (before `recent`) gets an empty window, so an upgrade keeps every series warm. */
  static fromJSON(state: unknown, params: EnsembleParams = ENSEMBLE_PARAMS): Result<Ensemble, string> {
    const v1 = stateRecord(state, KIND, 1);
    const v2 = v1.ok ? v1 : stateRecord(state, KIND, 2);
    const v3 = v2.ok ? v2 : stateRecord(state, KIND, 3);
    const r = v3.ok ? v3 : stateRecord(state, KIND, VERSION);
    if (!r.ok) return r;
    const s = r.value['s'];
    const want = v2.ok ? FIELDS_V2 : v3.ok ? FIELDS_V3 : FIELDS_V4;
    if (!Array.isArray(s) || s.length !== want || !s.every((x) => typeof x === 'number' && Number.isFinite(x))) return err(`${KIND}: state needs ${want} finite numbers`);
    // An older state lacks the warm-up's second half (it is past its warm-up, so empty sums do) and the ramp (it starts again).
    const v = Object.fromEntries(FIELDS.map((f, i) => [f, (s[i] as number | undefined) ?? 0])) as Record<Field, number>;
    if (!Number.isInteger(v.n) || v.n < 0 || v.scale < 0 || v.dScale < 0 || v.slowVar < 0 || v.likVar < 0 || v.peak < 0 || v.peak >= 1 || v.min > v.max) {
      return err(`${KIND}: state out of range (n, scales, variances, peak or min/max)`);
    }
    const d = new Ensemble(params);
    for (const f of FIELDS) d[f] = v[f];
    const [hN = 0, hRef = 0, hS1 = 0, hS2 = 0, hD = 0, d1 = 0, d2 = 0] = s.slice(FIELDS_V2) as Array<number | undefined>;
    if (!d.halves.load([hN, hRef, hS1, hS2, hD])) return err(`${KIND}: state out of range (the warm-up's second half)`);
    d.d1 = d1;
    d.d2 = d2;
    if (v1.ok) {
      d.bRef = d.slowMean;
      return ok(d);
    }
    const b = d.recent.load(r.value['recent']);
    if (typeof b === 'string') return err(`${KIND}: ${b}`);
    d.bN = b.n;
    d.bRef = b.ref;
    d.bS1 = b.s1;
    d.bS2 = b.s2;
    return ok(d);
  }
}

export const ensemble: DetectorKind = {
  kind: KIND,
  warmupSamples: ENSEMBLE_PARAMS.warmup,
  create: () => new Ensemble(),
  fromJSON: (state) => Ensemble.fromJSON(state),
};
