/**
 * resonance: a second detector family, adaptive resonance over the series' recent shape. It follows the
 * design of ARTime (Mark Hampton, 2021; NAB's record, 74.9 / 65.1 / 80.4), written here from that design,
 * with two differences. ARTime is given each file's minimum, maximum and length before the first row (NAB's
 * runner passes them); this detector is causal, and `recordProtocolParams` gives it the same information
 * only to measure what that is worth (docs/benchmarks.md, nab, "Session 10"). And its memory is bounded
 * (`maxCategories`), where ARTime's categories grow without end.
 *
 * Per step of `step` raw samples:
 * 1. one value: the block's mean, or its extreme when that stands out (away from a moving average, by
 *    `spikeShare` of the mean or more), so a one-sample spike survives the downsampling;
 * 2. normalised to the range, quantised to `levels` levels; a value within `deadBand` of the running
 *    median level counts as the median (small wobbles around normal are not shapes);
 * 3. the last `shape` values make the input: their Haar transform (min–max normalised: the shape, at any
 *    scale) and the values themselves (the level);
 * 4. a dual-vigilance fuzzy ART (fuzzy-art.ts) learns the inputs. An input that matches no cluster down to
 *    the lower vigilance is novel; a novel input scores by how far below the vigilances it matched, plus
 *    how far its newest level is from the best category's (`confidence`), unless the detector is keeping
 *    quiet: after a novel input or a vigilance change, for `1.5 × shape` steps and until inputs stop
 *    founding clusters, only an input matching clearly worse than the last scored one scores.
 * 5. the vigilances follow the series: every half warm-up (and after each scored input), the upper one to
 *    the mean best match so far (at most 0.97); the lower one up a fifth of the way to the window's worst
 *    match, or down by half the mean recent shortfall, never below the mean match of scored inputs.
 * Samples between steps score 0.
 *
 * The range: the warm-up's minimum and maximum, with `headroom` of the normalised span kept free on each
 * side; a value beyond it widens it, and the stored categories, the median histogram and the recent shape
 * are mapped to the new range (exactly for the categories: a fuzzy-ART box under an increasing affine map
 * is the map of the box). Known `bounds` (a percentage's 0–100) replace all of that.
 *
 * Warm-up: `step × warmupSteps` samples (200 with the defaults). At its end the first vigilance is chosen
 * as ARTime does: the warm-up's inputs, least typical first (by summed cosine similarity), are learned by a
 * scratch ART at `initialVigilance`, and the mean best match over its second half becomes both vigilances;
 * then the real ART learns the warm-up in order. Nothing is scored before.
 *
 * Cost: O(categories × 4 · shape) per step; state up to `maxCategories` × 4 · shape numbers (256 × 32:
 * 64 KB), plus the warm-up buffer until the warm-up ends. Measured beside the two tiers (61.43 / 51.13 /
 * 67.68 causal on NAB, below contextual's 76.74, at ~80 k points/s): the console does not run it.
 */
import { err, ok, type Result } from '../../result';
import { fromBase64, toBase64 } from './base64';
import { stateRecord, type DetectorKind, type DetectorState, type StreamingDetector } from './detector';
import { FuzzyArt } from './fuzzy-art';

const KIND = 'resonance';
const VERSION = 1;

export interface ResonanceParams {
  /** Raw samples per step. */
  readonly step: number;
  /** Steps of warm-up. */
  readonly warmupSteps: number;
  /** Steps per input shape: a power of two (the Haar transform halves it). */
  readonly shape: number;
  readonly levels: number;
  /** Share of the range around the running median that counts as the median. */
  readonly deadBand: number;
  /** An extreme stands for its block when it is at least this share of the block's mean away from it. */
  readonly spikeShare: number;
  readonly initialVigilance: number;
  /** Share of the normalised span kept free on each side of the warm-up's range (learned range only). */
  readonly headroom: number;
  readonly maxCategories: number;
  /** Known bounds of the series: the range is fixed to them, without headroom (values beyond are clipped). */
  readonly bounds?: readonly [number, number];
}

/**
 * One set for every series. Step 1 and a 200-step warm-up were the best of a small grid on NAB (steps 1–5,
 * warm-ups 100–750 samples, headroom 0–2; docs/benchmarks.md), which varies by ±3 points from one
 * neighbouring setting to the next; the rest are ARTime's values.
 */
export const RESONANCE_PARAMS: ResonanceParams = {
  step: 1,
  warmupSteps: 200,
  shape: 8,
  levels: 80,
  deadBand: 0.075,
  spikeShare: 0.1,
  initialVigilance: 0.8,
  headroom: 0.25,
  maxCategories: 256,
};

/**
 * What NAB's runner gives ARTime before the first row: the file's minimum and maximum, and (through its
 * length) the probation, from which ARTime takes its step (probation / (8 × 13)) and warm-up (the whole
 * probation). Look-ahead: for measuring the record's conditions only, never for a score we claim.
 */
export function recordProtocolParams(rows: number, min: number, max: number): ResonanceParams {
  let probation = rows < 5000 ? Math.floor(0.15 * rows) : 750;
  probation -= probation % 2;
  const step = Math.max(1, Math.floor(probation / (8 * 13)));
  return { ...RESONANCE_PARAMS, step, warmupSteps: Math.floor(probation / step), headroom: 0, bounds: [min, max] };
}

/** Vigilance schedule and confidence, ARTime's constants. */
const UPPER_CAP = 0.97;
const LOWER_RISE = 0.19;
const SHORTFALL_MIN = 0.05;
const SHORTFALL_CAP = 0.37;
const LOWER_STEP_MIN = 0.01;
const CONFIDENCE_UPPER = 0.35;
const CONFIDENCE_LEVEL = 1.5;
const WORSE_WHILE_QUIET_AFTER_NOVEL = 0.9;
const WORSE_WHILE_QUIET = 0.7;

const FIELDS = [
  'n',
  'blockN',
  'avg',
  'steps',
  'lo',
  'hi',
  'histN',
  'lastNovel',
  'lastNovelMatch',
  'lastVigilance',
  'quiet',
  'sinceNew',
  'novelSum',
  'novelCount',
  'novelLast',
  'matchSum',
  'matchCount',
  'simHead',
  'gapHead',
] as const;
type Field = (typeof FIELDS)[number];
const ART_FIELDS = ['count', 'clusters', 'presentations', 'lower', 'upper', 'match', 'levelMatch'] as const;

interface ResonanceState extends DetectorState {
  /** FIELDS, then ART_FIELDS. */
  readonly s: number[];
  readonly block: number[];
  /** The warm-up's step values so far (empty after the warm-up). */
  readonly warm: number[];
  readonly hist: number[];
  readonly shape: number[];
  readonly sim: number[];
  readonly gap: number[];
  /** Categories' weights, `count` × 4 · shape float64s, little-endian, base64. */
  readonly w: string;
  readonly cluster: number[];
  readonly used: number[];
}

export class Resonance implements StreamingDetector {
  private n = 0;
  private blockN = 0;
  private avg = 0;
  private steps = 0;
  /** The range: known bounds, or the warm-up's extremes (tracked from the first sample), widened since. */
  private lo = 0;
  private hi = 0;
  private histN = 0;
  private lastNovel = 0;
  private lastNovelMatch = 0;
  private lastVigilance = 0;
  /** 1 while keeping quiet after a cluster was founded or the vigilances changed (ARTime's mask). */
  private quiet = 0;
  private sinceNew = 0;
  private novelSum = 0;
  private novelCount = 0;
  private novelLast = 0;
  private matchSum = 0;
  private matchCount = 0;
  private simHead = 0;
  private gapHead = 0;
  private readonly block: Float64Array;
  /** The warm-up's step values; released (empty) once the warm-up ends. */
  private warm: Float64Array;
  private readonly hist: Float64Array;
  private readonly shapeBuf: Float64Array;
  /** Best matches of the last half warm-up + 1 steps (ring). */
  private readonly sim: Float64Array;
  /** Upper vigilance minus best match, last warm-up + 1 steps (ring). */
  private readonly gap: Float64Array;
  private readonly art: FuzzyArt;
  private readonly input: Float64Array;
  private readonly haar: Float64Array;
  private readonly haarTmp: Float64Array;
  private readonly quietSteps: number;

  constructor(private readonly p: ResonanceParams = RESONANCE_PARAMS) {
    this.block = new Float64Array(p.step);
    this.warm = new Float64Array(p.warmupSteps);
    this.hist = new Float64Array(p.levels + 1);
    this.shapeBuf = new Float64Array(p.shape);
    this.sim = new Float64Array(Math.floor(p.warmupSteps / 2) + 1).fill(1);
    this.gap = new Float64Array(p.warmupSteps + 1);
    this.art = new FuzzyArt(2 * p.shape, p.maxCategories);
    this.input = new Float64Array(2 * p.shape);
    this.haar = new Float64Array(p.shape);
    this.haarTmp = new Float64Array(p.shape);
    this.quietSteps = Math.round(p.shape * 1.5);
    if (p.bounds) [this.lo, this.hi] = p.bounds;
  }

  /** Categories in use (for tests and reports). */
  get categories(): number {
    return this.art.count;
  }

  /** The range values are normalised to (for tests and reports). */
  get range(): readonly [number, number] {
    return [this.lo, this.hi];
  }

  update(_timestampMs: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    const p = this.p;
    if (!p.bounds && this.steps < p.warmupSteps) {
      if (this.n === 0 || value < this.lo) this.lo = value;
      if (this.n === 0 || value > this.hi) this.hi = value;
    }
    this.n++;
    this.block[this.blockN++] = value;
    if (this.blockN < p.step) return 0;
    this.blockN = 0;
    const v = this.stepValue();
    this.steps++;
    if (this.steps < p.warmupSteps) {
      this.warm[this.steps - 1] = v;
      return 0;
    }
    if (this.steps === p.warmupSteps) {
      this.warm[this.steps - 1] = v;
      this.endWarmup();
      return 0;
    }
    return this.detect(this.features(v, this.steps), this.steps);
  }

  /** The block's value: its mean, or the extreme farther from the moving average when it stands out. */
  private stepValue(): number {
    const b = this.block;
    let sum = 0;
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i < b.length; i++) {
      const x = b[i] as number;
      sum += x;
      if (x > max) max = x;
      if (x < min) min = x;
    }
    const mean = sum / b.length;
    if (this.steps === 0) this.avg = mean;
    this.avg = (this.avg + mean) / 2;
    const v = Math.abs(max - this.avg) < Math.abs(min - this.avg) ? min : max;
    return Math.abs(v - mean) < this.p.spikeShare * Math.abs(mean) ? mean : v;
  }

  private endWarmup(): void {
    const p = this.p;
    const inputs: Float64Array[] = [];
    for (let i = 0; i < p.warmupSteps; i++) inputs.push(this.features(this.warm[i] as number, i + 1).slice());
    this.setFirstVigilance(inputs.slice(p.shape - 1));
    for (let i = 0; i < inputs.length; i++) this.detect(inputs[i] as Float64Array, i + 1);
    this.warm = new Float64Array(0);
  }

  /** Normalises, quantises and dead-bands one step value, and returns the input of the shape it ends. */
  private features(v: number, i: number): Float64Array {
    const p = this.p;
    const h = p.bounds ? 0 : p.headroom;
    if (!p.bounds && (v < this.lo || v > this.hi)) this.widen(v);
    const span = this.hi - this.lo;
    let x = span > 0 ? (v - this.lo) / span : 0;
    x = (x + h) / (1 + 2 * h);
    x = x < 0 ? 0 : x > 1 ? 1 : x;
    const level = Math.round(x * p.levels);
    x = level / p.levels;
    this.hist[level]! += 1;
    this.histN++;
    const median = this.medianLevel() / p.levels;
    if (Math.abs(x - median) < p.deadBand) x = median;
    const s = this.shapeBuf;
    s.copyWithin(0, 1);
    s[s.length - 1] = x;
    const out = this.input;
    out.fill(0);
    if (i >= p.shape) {
      const hw = this.haar;
      minMax01(s, hw);
      haarInPlace(hw, this.haarTmp);
      minMax01(hw, hw);
      out.set(hw, 0);
      out.set(s, p.shape);
    }
    return out;
  }

  private medianLevel(): number {
    let cum = 0;
    for (let l = 0; l < this.hist.length; l++) {
      cum += this.hist[l] as number;
      if (cum * 2 >= this.histN) return l;
    }
    return 0;
  }

  /** Widens the learned range to hold v and maps everything normalised to it. */
  private widen(v: number): void {
    const p = this.p;
    const w0 = this.hi - this.lo;
    const lo = Math.min(this.lo, v);
    const hi = Math.max(this.hi, v);
    const w1 = hi - lo; // > 0: v lies outside [lo, hi]
    const h = p.headroom;
    // Raw-normalised values map as x → a·x + b; with the headroom, x' = (x + h) / (1 + 2h) maps as a·x' + c.
    // A flat warm-up (w0 = 0, every stored level the same) maps to the single level of its value: a = 0.
    const a = w0 / w1;
    const b = (this.lo - lo) / w1;
    const c = (b + h * (1 - a)) / (1 + 2 * h);
    this.art.rescale(p.shape, 2 * p.shape, a, c);
    for (let k = 0; k < this.shapeBuf.length; k++) this.shapeBuf[k] = a * (this.shapeBuf[k] as number) + c;
    const moved = new Float64Array(this.hist.length);
    for (let l = 0; l < this.hist.length; l++) {
      const to = Math.round((a * (l / p.levels) + c) * p.levels);
      moved[to < 0 ? 0 : to > p.levels ? p.levels : to]! += this.hist[l] as number;
    }
    this.hist.set(moved);
    this.lo = lo;
    this.hi = hi;
  }

  /** ARTime's start: a scratch ART learns the warm-up, least typical input first; its mean late match is the vigilance. */
  private setFirstVigilance(inputs: Float64Array[]): void {
    const p = this.p;
    const L = inputs.length;
    const norms = inputs.map((x) => Math.hypot(...x));
    const typical = new Float64Array(L);
    for (let i = 0; i < L; i++) {
      for (let j = 0; j < L; j++) {
        if (i === j) {
          typical[i]! += 1;
          continue;
        }
        const na = norms[i] as number;
        const nb = norms[j] as number;
        let s: number;
        if (na === 0) s = 1 - nb;
        else if (nb === 0) s = 1 - na;
        else {
          const a = inputs[i] as Float64Array;
          const b = inputs[j] as Float64Array;
          let dot = 0;
          for (let k = 0; k < a.length; k++) dot += (a[k] as number) * (b[k] as number);
          s = dot / (na * nb);
        }
        typical[i]! += s;
      }
    }
    const order = [...Array(L).keys()].sort((a, b) => (typical[a] as number) - (typical[b] as number));
    const scratch = new FuzzyArt(2 * p.shape, p.maxCategories);
    scratch.lower = scratch.upper = p.initialVigilance;
    const matches: number[] = [];
    for (const i of order) {
      scratch.present(inputs[i] as Float64Array, true);
      matches.push(scratch.match);
    }
    const tail = matches.slice(Math.max(0, Math.floor(p.warmupSteps / 2) - 1));
    const rho = tail.length > 0 ? tail.reduce((s, x) => s + x, 0) / tail.length : p.initialVigilance;
    this.art.lower = this.art.upper = rho;
  }

  /** Presents step i's input; returns its score (0 unless it is novel and not kept quiet). */
  private detect(input: Float64Array, i: number): number {
    const p = this.p;
    const art = this.art;
    const warm = p.warmupSteps;
    const q = this.quietSteps;
    const revisitAfterNovel = i - this.lastNovel === q;
    const revisitForTrend = i - this.lastVigilance >= Math.floor(warm / 2);
    const justNovel = i - this.lastNovel <= q;
    if (i > warm + q && this.quiet === 1 && this.sinceNew >= q) this.quiet = 0;
    const outcome = art.present(input, i >= p.shape);
    const founded = i < p.shape || outcome === 'novel';
    this.sinceNew = founded ? 0 : this.sinceNew + 1;
    const m = art.match;
    this.matchSum += m;
    this.matchCount++;
    this.sim[this.simHead] = m;
    this.simHead = (this.simHead + 1) % this.sim.length;
    this.gap[this.gapHead] = art.upper - m;
    this.gapHead = (this.gapHead + 1) % this.gap.length;
    if (i - this.lastNovel < q && this.novelCount > 0 && m < this.novelLast) {
      this.novelSum += m - this.novelLast;
      this.novelLast = m;
    }
    const worse = m < this.lastNovelMatch * (justNovel ? WORSE_WHILE_QUIET_AFTER_NOVEL : WORSE_WHILE_QUIET);
    let score = 0;
    if (i > warm && founded && (!(this.quiet === 1 || justNovel) || worse)) {
      score = this.confidence(m, art.levelMatch);
      this.novelSum += m;
      this.novelCount++;
      this.novelLast = m;
      this.lastNovelMatch = m;
      this.lastNovel = i;
    }
    if (founded) this.quiet = 1;
    if (i > warm && (revisitAfterNovel || revisitForTrend)) this.revisitVigilance(i);
    return score;
  }

  private revisitVigilance(i: number): void {
    const art = this.art;
    let worst = Infinity;
    for (let k = 0; k < this.sim.length; k++) worst = Math.min(worst, this.sim[k] as number);
    const upper = Math.min(UPPER_CAP, this.matchSum / this.matchCount);
    let lower: number;
    if (art.lower <= worst) lower = art.lower + (worst - art.lower) * LOWER_RISE;
    else {
      let fall = 0;
      if (i > this.p.warmupSteps * 2) {
        let sum = 0;
        let count = 0;
        for (let k = 0; k < this.gap.length; k++) {
          const g = this.gap[k] as number;
          if (g > SHORTFALL_MIN) {
            sum += Math.min(SHORTFALL_CAP, g);
            count++;
          }
        }
        if (count > 0) fall = sum / count;
      }
      lower = art.lower - Math.max(LOWER_STEP_MIN, fall) / 2;
      if (this.novelCount > 0) lower = Math.max(this.novelSum / this.novelCount, lower);
    }
    art.lower = Math.min(upper, lower);
    art.upper = upper;
    this.lastVigilance = i;
    this.quiet = 1;
  }

  /** How far below both vigilances the input matched, and how far its level is from the best category's. */
  private confidence(match: number, levelMatch: number): number {
    const m = Math.min(0.999, match);
    const belowUpper = (this.art.upper - m) / (1 - m);
    const belowLower = (this.art.lower - m) / (1 - m);
    const s = belowUpper * CONFIDENCE_UPPER + belowLower * (1 - CONFIDENCE_UPPER) + (1 - levelMatch) * CONFIDENCE_LEVEL;
    return s < 0 ? 0 : s > 1 ? 1 : s;
  }

  toJSON(): ResonanceState {
    const art = this.art;
    const width = art.width;
    const w = art.weights.slice(0, art.count * width);
    return {
      kind: KIND,
      version: VERSION,
      s: [...FIELDS.map((f) => this[f]), ...ART_FIELDS.map((f) => art[f])],
      block: [...this.block.subarray(0, this.blockN)],
      warm: this.steps < this.p.warmupSteps ? [...this.warm.subarray(0, this.steps)] : [],
      hist: [...this.hist],
      shape: [...this.shapeBuf],
      sim: [...this.sim],
      gap: [...this.gap],
      w: toBase64(new Uint8Array(w.buffer, w.byteOffset, w.byteLength)),
      cluster: [...art.cluster.subarray(0, art.count)],
      used: [...art.lastUsed.subarray(0, art.count)],
    };
  }

  static fromJSON(state: unknown, params: ResonanceParams = RESONANCE_PARAMS): Result<Resonance, string> {
    const rec = stateRecord(state, KIND, VERSION);
    if (!rec.ok) return rec;
    const st = rec.value;
    const finite = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
    const want = FIELDS.length + ART_FIELDS.length;
    const s = st['s'];
    if (!finite(s) || s.length !== want) return err(`${KIND}: state field s needs ${want} finite numbers`);
    const d = new Resonance(params);
    const v = Object.fromEntries(FIELDS.map((f, i) => [f, s[i] as number])) as Record<Field, number>;
    const [count, clusters, presentations, lower, upper, match, levelMatch] = s.slice(FIELDS.length) as number[] as [number, number, number, number, number, number, number];
    const ints = [v.n, v.blockN, v.steps, v.lastNovel, v.lastVigilance, v.sinceNew, v.novelCount, v.matchCount, v.simHead, v.gapHead, count, clusters, presentations];
    if (!ints.every((x) => Number.isInteger(x) && x >= 0) || v.blockN >= params.step || v.simHead >= d.sim.length || v.gapHead >= d.gap.length || count > params.maxCategories || (v.quiet !== 0 && v.quiet !== 1)) {
      return err(`${KIND}: state counters out of range (integers ≥ 0; blockN below the step, ring heads inside their rings, at most ${params.maxCategories} categories, quiet 0 or 1)`);
    }
    const arrays: Array<[string, unknown, number]> = [
      ['block', st['block'], v.blockN],
      ['warm', st['warm'], v.steps < params.warmupSteps ? v.steps : 0],
      ['hist', st['hist'], params.levels + 1],
      ['shape', st['shape'], params.shape],
      ['sim', st['sim'], d.sim.length],
      ['gap', st['gap'], d.gap.length],
      ['cluster', st['cluster'], count],
      ['used', st['used'], count],
    ];
    for (const [name, a, len] of arrays) if (!finite(a) || a.length !== len) return err(`${KIND}: state field ${name} needs ${len} finite numbers`);
    // Counts and vigilances a hand-edited state could skew without breaking anything visibly.
    if (!(st['hist'] as number[]).every((x) => x >= 0)) return err(`${KIND}: state field hist holds a negative count`);
    if (!(lower <= upper && upper <= 1)) return err(`${KIND}: state vigilances out of range (lower ${lower} must not exceed upper ${upper}, upper at most 1)`);
    const bytes = typeof st['w'] === 'string' ? fromBase64(st['w']) : undefined;
    const width = d.art.width;
    if (bytes?.length !== count * width * 8) return err(`${KIND}: state field w must be base64 of ${count * width * 8} bytes (${count} categories)`);
    const weights = new Float64Array(bytes.buffer, bytes.byteOffset, count * width);
    if (!weights.every((x) => Number.isFinite(x))) return err(`${KIND}: state field w holds a non-finite weight`);
    for (const f of FIELDS) d[f] = v[f];
    d.art.reserve(count);
    Object.assign(d.art, { count, clusters, presentations, lower, upper, match, levelMatch });
    d.art.weights.set(weights);
    d.art.cluster.set(st['cluster'] as number[]);
    d.art.lastUsed.set(st['used'] as number[]);
    d.block.set(st['block'] as number[]);
    if (v.steps >= params.warmupSteps) d.warm = new Float64Array(0);
    else d.warm.set(st['warm'] as number[]);
    d.hist.set(st['hist'] as number[]);
    d.shapeBuf.set(st['shape'] as number[]);
    d.sim.set(st['sim'] as number[]);
    d.gap.set(st['gap'] as number[]);
    return ok(d);
  }
}

/** Scales v into [0, 1] by its own minimum and maximum (all zeros for a flat v), into out (may be v). */
function minMax01(v: Float64Array, out: Float64Array): void {
  let min = Infinity;
  for (let k = 0; k < v.length; k++) if ((v[k] as number) < min) min = v[k] as number;
  let max = 0;
  for (let k = 0; k < v.length; k++) {
    out[k] = (v[k] as number) - min;
    if ((out[k] as number) > max) max = out[k] as number;
  }
  if (max !== 0) for (let k = 0; k < v.length; k++) out[k] = (out[k] as number) / max;
}

/** Full orthonormal Haar decomposition in place: [approximation, coarsest detail, …, finest details]; tmp as long as x. */
function haarInPlace(x: Float64Array, tmp: Float64Array): void {
  for (let n = x.length; n > 1; n >>= 1) {
    const half = n >> 1;
    for (let i = 0; i < half; i++) {
      tmp[i] = ((x[2 * i] as number) + (x[2 * i + 1] as number)) / Math.SQRT2;
      tmp[half + i] = ((x[2 * i] as number) - (x[2 * i + 1] as number)) / Math.SQRT2;
    }
    x.set(tmp.subarray(0, n));
  }
}

export const resonance: DetectorKind = {
  kind: KIND,
  warmupSamples: RESONANCE_PARAMS.step * RESONANCE_PARAMS.warmupSteps,
  create: () => new Resonance(),
  fromJSON: (state) => Resonance.fromJSON(state),
};
