/**
 * The stronger tier: the ensemble's signals plus context novelty, scaled by how rare the deviation is for
 * this series.
 *
 * - level, step and range: as in ensemble.ts (EWMA level over a MAD scale floored by the slow standard
 *   deviation; first difference over its own scale; how far the sample leaves the range seen so far);
 * - context novelty (context-novelty.ts): a short sequence of quantised values never seen before, on a
 *   series that has been repeating itself (CAD OSE's idea), which catches a changed pattern inside the
 *   usual range (a daily peak missing, a flat stretch where the series usually moves);
 * - rarity (tail-rarity.ts): the raw score is multiplied by min(1, −log10(share of recent samples at
 *   least as deviant) / 3), so deviations this series produces every day stop alerting.
 * - block range (session 15): the range signal again on the means of blocks of 8 and of 48 samples, each
 *   with its own rarity, weight 0.8, once a block mean leaves the earlier block means' range by more than
 *   a fifth of it: a block mean leaves that range long before a noisy sample leaves the samples' range, so a
 *   slow decline or a level shift smaller than the noise alerts (NAB's machine_temperature decline,
 *   TravelTime_387, speed_7578, ec2_cpu_utilization_77c1ca). Without the fifth, the block means of plain
 *   noise, whose range still widens now and then, doubled the score of noise (0.13 → 0.2–0.33).
 * - step rarity (session 16): the step signal is multiplied by its own rarity before it enters the max: the
 *   same factor as above, from a histogram of the step z alone with a longer memory (decay 0.9997, ~3,300
 *   samples; it learns after the warm-up). A series whose jumps are common (the Twitter counts' spikes:
 *   134 of contextual's 264 false positives on NAB were steps on those files) stops alerting on each one,
 *   while a jump larger than the recent ones still scores in full. NAB 67.40 / 55.26 / 73.38 → 68.63 /
 *   57.21 / 74.20; every decay from 0.999 to 0.99995 raises all three (docs/benchmarks.md, nab, "Session 16").
 * - recurring spikes (session 16): a level or step alert that comes as long after the previous one as that
 *   one came after the one before (within 15 %) is halved, so a spike at the same hour every day (a cron
 *   job: ec2_cpu_utilization_c6585a and 24ae8d on NAB, 22 false positives) stops alerting from its third
 *   or fourth day, while a spike at another time alerts as before. NAB → 69.77 / 59.49 / 74.96.
 * - the alert budget (session 16): each level or step alert (the damped score ≥ 0.24) is divided by 1 + 0.3 ×
 *   the number of such alerts before it, each fading by 0.9998 a sample (~5,000 samples: 17 days of
 *   5-minute rows, 1.4 hours at 1 s). A series that keeps raising them (the Twitter counts' spikes,
 *   rogue_agent_key_updown) is believed less each time; after a long quiet stretch, fully again. It
 *   counts alerts at about the level NAB's threshold picks (0.23): counted from 0.22 it lost a held-out
 *   half, from 0.23 to 0.28 every setting gained. NAB → 73.57 / 67.24 / 77.50.
 * - the block discord (session 17): at the end of each block of 12 samples, how far the last 24 block means
 *   (a day of 5-minute rows) are from the nearest earlier run of 24 within the last 200 blocks (a left matrix
 *   profile on block means), over its own slow mean, ×2, with its own rarity, beside the block means. A day
 *   unlike every earlier day alerts even when no value, step or context is new: a daily high that never
 *   comes (NAB's art_daily_nojump), a slow change of the day's shape (machine_temperature's decline).
 *   NAB → 76.01 / 69.63 / 79.98; over 40 random half-splits of the files the held-out standard score rose in
 *   66 of 80 (docs/benchmarks.md, nab, "Session 17"). It is what takes the state past 4 KB (the ring of 226
 *   block means and 201 distances): the stronger tier is no longer the cheap one (issue 4's two tiers).
 * - gaps (session 17): a timestamp spacing longer than 1.03 times the longest recent one (decaying by 0.9998
 *   a sample) scores 0.5 on the sample that ends it: the data stopped and resumed. NAB → 76.74 / 68.66 /
 *   81.33, from three windows, two of them the same event in two series of one source (exchange-4).
 * The output is damped by the recent peak, as the ensemble's, so an episode alerts once (NAB counts the
 * first detection in a window and charges every false one). Nothing is emitted during the warm-up.
 *
 * Measured on NAB (docs/benchmarks.md, nab): novelty and rarity each add about 2–4 points on top of the
 * ensemble; a shorter warm-up (200) helps the short files, whose probation ends before 300 samples. Tried
 * and removed, because they lowered the score: a time-of-day seasonal residual, multi-scale (block mean)
 * contexts, a hard rest period after an alert, scaling by the recent record z, a confidence ramp.
 * A second round found nothing that raised both the score and the held-out half-split (docs/benchmarks.md,
 * nab, rows 15a–15u): Numenta's likelihood step, relative entropy, a time-of-day echo, per-signal rarity,
 * a variance-stabilising input, nearest-neighbour windows, fuzzy-ART categories, CUSUM and others.
 *
 * A busy period is forgotten as in the ensemble (issue 4): the slow mean and variance restart from the
 * last ~1,000 samples (recent-window.ts) when those are at least 4 times calmer in variance.
 *
 * State: 15 numbers, the 40-bin rarity histogram, a 576-bit set of seen contexts, the recent window
 * (5 numbers and 16 blocks of 2), per block size 7 numbers and a 40-bin histogram, the step's 24-bin
 * histogram, the last two alerts' sample numbers and the budget's count and last alert, the block discord's
 * 8 numbers, 40-bin histogram, ring of 226 block means and 201 distances, the last timestamp and the longest
 * spacing, the console options' 11 numbers (the warm-up's second half, the ramp, the episodes): ~8.6 KB in
 * memory, ~4.4 KB of JSON (the ring in base64; `npm run bench -- nab`: 8,640 B and 4,410 B). Without the
 * discord (`blockDiscord: null`) ~4 KB and ~1.8 KB.
 *
 * The console (session 18) runs it on a host's headline series with its console options (`episodes`,
 * `wRamp`, `warmupReseed`, `slowClip`, an hour's `spanMs` for the discord: apps/desktop/src/core/alerts/
 * detector-kind.ts), all off here, so the NAB figures are those of the parameters below.
 */
import { err, ok, type Result } from '../../result';
import { fromBase64, toBase64 } from './base64';
import { ContextNovelty, type ContextNoveltyParams } from './context-novelty';
import { stateRecord, type DetectorKind, type DetectorState, type StreamingDetector } from './detector';
import { RecentWindow, type OpenBlock, type RecentWindowParams } from './recent-window';
import { TailRarity, type TailRarityParams } from './tail-rarity';
import { WarmupHalves } from './warmup-halves';

const KIND = 'contextual';
/**
 * 2 added `recent`, 3 `blocks`, 4 `stepTail` and, in `s`, the last alerts and the budget, 5 `discord`, 6 in
 * `s` the warm-up's second half, the ramp's last two differences and the episodes' state; an older state is
 * restored with those empty (they learn again).
 */
const VERSION = 6;

export interface ContextualParams {
  readonly levelAlpha: number;
  readonly scaleAlpha: number;
  readonly spreadAlpha: number;
  /** Scales are floored by this many slow standard deviations. */
  readonly spreadFloor: number;
  /** Huber clip of the updates, in scales. */
  readonly clip: number;
  readonly warmup: number;
  readonly wStep: number;
  readonly wRange: number;
  readonly wContext: number;
  /** z at which the raw score is 0.5. */
  readonly half: number;
  readonly peakDecay: number;
  /** Exponent of the (1 − peak) damping (1 on NAB; a tiny one leaves the score undamped, as the console needs). */
  readonly damp: number;
  /** −log10 of the tail share at which rarity stops scaling the score down. */
  readonly rarityDecades: number;
  readonly context: ContextNoveltyParams;
  readonly rarity: TailRarityParams;
  /**
   * The step signal's own rarity: the step z is multiplied by min(1, −log10(its tail share in this
   * histogram) / rarityDecades) before it enters the max. The histogram learns after the warm-up only
   * (null: off, the step enters as it is).
   */
  readonly stepRarity: TailRarityParams | null;
  /** Window that re-seeds the slow mean and variance when it is much calmer, as the ensemble's (blocks 0: off). */
  readonly recent: RecentWindowParams;
  /**
   * The range signal on block means (sizes: samples per block; none: off), each scored as the samples' range
   * is (wRange, half, its own rarity), times `weight`, after `warmup` blocks; a block mean counts as out
   * only beyond `tolerance` (a share of the block means' range) outside it.
   */
  readonly blocks: { readonly sizes: readonly number[]; readonly weight: number; readonly warmup: number; readonly tolerance: number };
  /**
   * Recurring spikes: a level or step alert (raw ≥ `threshold`, the level or step signal the largest) that
   * comes as many samples after the previous one as that one came after the one before (within
   * `tolerance` of that gap) is multiplied by `damp`: a spike every day at the same hour (a cron job)
   * stops alerting in full from its third alert. Alerts within `minGap` samples of the previous one are the
   * same episode and do not count (null: off).
   */
  readonly recur: { readonly threshold: number; readonly tolerance: number; readonly damp: number; readonly minGap: number } | null;
  /**
   * Alert budget: a level or step alert (the damped score ≥ `threshold`, the level or step signal the
   * largest, more than `minGap` samples after the previous one counted) is divided by 1 + `weight` × the
   * count of such alerts so far, each decaying by `decay` a sample, and then counted: a series that keeps
   * raising them is believed less each time (null: off).
   */
  readonly budget: { readonly threshold: number; readonly weight: number; readonly decay: number; readonly minGap: number } | null;
  /**
   * Block discord: at the end of each block of `size` samples, the RMS distance of the last `m` block means
   * to their nearest earlier, non-overlapping run of `m` block means within the last `window` blocks (a left
   * matrix profile on block means), over its own slow EWMA (`alpha` a block), times `weight`; scored as the
   * block range is (z / (z + half), its own rarity) after `warmup` blocks, beside the block range (null: off).
   * With `spanMs` > 0 a block is a span of time instead (the samples whose timestamps fall in one
   * `spanMs` of the epoch; `size` is then unused): the console's series are sampled every second, where 12
   * samples are no part of a day; an hour is, whatever the interval.
   */
  readonly blockDiscord: { readonly size: number; readonly m: number; readonly window: number; readonly weight: number; readonly alpha: number; readonly warmup: number; readonly spanMs: number } | null;
  /**
   * Gaps: the spacing of the timestamps exceeds `k` times the longest spacing seen recently (a record that
   * decays by `decay` a sample and is raised by every spacing): the data stopped and resumed. The sample
   * that ends the gap scores at least `score`, after the warm-up, as an alarm of its own: it is not damped by
   * a recent alert and does not damp the next one (null: off).
   */
  readonly gap: { readonly k: number; readonly decay: number; readonly score: number } | null;
  /**
   * The console's options (alerts/detector-kind.ts sets them; off on NAB, whose scorer counts only an
   * episode's first detection, and where the output is damped so an episode scores once):
   * - `episodes`: the recurrence counts an episode once and halves every score of a recurring one. An
   *   episode is a run of alerting samples (raw ≥ the recurrence's threshold) no more than its `minGap`
   *   apart. Undamped, a long deviation would otherwise count as a new alert every `minGap` + 1 samples,
   *   evenly spaced, and be halved as recurring from its third. And the rarity factor of an episode's samples (sample raw ≥ `threshold`, no more than `minGap` apart) is at
   *   least the highest it has had so far: otherwise the first sample's own z, just learnt, made the
   *   second as rare as one in a few hundred (a step 10 → 90 scored 0.82, then 0.45 at a warm-up of 300:
   *   never the two samples ≥ 0.5 the console's hysteresis needs). Null: off. The alert budget counts
   *   samples, not episodes: with `episodes` it must be off (the constructor refuses both).
   * - `wRamp`, `warmupReseed`, `slowClip`: as the ensemble's (ensemble.ts; 0: off).
   */
  readonly episodes: { readonly threshold: number; readonly minGap: number } | null;
  readonly wRamp: number;
  readonly warmupReseed: number;
  readonly slowClip: number;
}

/**
 * One parameter set for every series, chosen by a small grid on the whole NAB corpus. It is a peak, not a
 * plateau: single neighbouring values score 0.5–3.5 points lower (docs/benchmarks.md, nab, with the
 * half-split check of how much of that is fitted to the corpus).
 */
export const CONTEXTUAL_PARAMS: ContextualParams = {
  levelAlpha: 0.01,
  scaleAlpha: 0.01,
  spreadAlpha: 0.002,
  spreadFloor: 2,
  clip: 3,
  warmup: 200,
  wStep: 1.5,
  wRange: 300,
  wContext: 0.3,
  half: 10,
  peakDecay: 0.998,
  damp: 1,
  rarityDecades: 3,
  context: { bins: 8, orders: 3, rateAlpha: 0.01, shortAlpha: 0.3 },
  rarity: { bins: 40, step: 0.25, decay: 0.999, prior: 1 },
  stepRarity: { bins: 24, step: 0.25, decay: 0.9997, prior: 1 },
  recent: { blocks: 16, blockSamples: 64, calmRatio: 4 },
  blocks: { sizes: [8, 48], weight: 0.8, warmup: 50, tolerance: 0.2 },
  recur: { threshold: 0.3, tolerance: 0.15, damp: 0.5, minGap: 10 },
  budget: { threshold: 0.24, weight: 0.3, decay: 0.9998, minGap: 10 },
  blockDiscord: { size: 12, m: 24, window: 200, weight: 2, alpha: 0.003, warmup: 30, spanMs: 0 },
  gap: { k: 1.03, decay: 0.9998, score: 0.5 },
  episodes: null,
  wRamp: 0,
  warmupReseed: 0,
  slowClip: 0,
};

const MAD_TO_STD = 1.2533141373155003;
/** Signals are capped here so z / (z + half) and log2(1 + z) stay finite. */
const MAX_Z = 1e9;

const FIELDS = ['n', 'prev', 'level', 'scale', 'dScale', 'slowMean', 'slowVar', 'min', 'max', 'peak'] as const;
type Field = (typeof FIELDS)[number];

/** How far each block mean leaves the range of the earlier block means (see `blocks` above). */
class BlockRange {
  /** Samples in the open block, their sum, closed blocks, the range of their means. */
  k = 0;
  sum = 0;
  n = 0;
  min = 0;
  max = 0;
  readonly rarity: TailRarity;

  constructor(
    readonly size: number,
    private readonly p: ContextualParams,
  ) {
    this.rarity = new TailRarity(p.rarity);
  }

  /** Adds a sample; at a block's last sample, the block mean's raw score (0 otherwise and while warming up). */
  add(value: number): number {
    this.sum += value;
    if (++this.k < this.size) return 0;
    const mean = this.sum / this.size;
    this.k = 0;
    this.sum = 0;
    if (this.n++ === 0) {
      this.min = this.max = mean;
      this.rarity.add(0);
      return 0;
    }
    const p = this.p;
    const range = Math.max(this.max - this.min, 1e-9 * Math.abs(mean), 1e-12);
    const out = mean > this.max ? (mean - this.max) / range : mean < this.min ? (this.min - mean) / range : 0;
    let z = p.wRange * Math.max(0, out - p.blocks.tolerance);
    if (!(z < MAX_Z)) z = MAX_Z;
    const raw = this.n > p.blocks.warmup && z > 0 ? (z / (z + p.half)) * this.rarity.factor(z, p.rarityDecades) : 0;
    this.rarity.add(z);
    if (mean > this.max) this.max = mean;
    if (mean < this.min) this.min = mean;
    return raw;
  }

  toArray(): number[] {
    return [this.k, this.sum, this.n, this.min, this.max, this.rarity.total, this.rarity.weight, ...this.rarity.counts];
  }

  /** Restores `toArray()` output; a reason when it does not fit. */
  load(a: unknown): string | null {
    const bins = this.p.rarity.bins;
    if (!Array.isArray(a) || a.length !== 7 + bins || !a.every((v) => typeof v === 'number' && Number.isFinite(v))) return `a block state needs ${7 + bins} finite numbers`;
    const [k, sum, n, min, max, total, weight] = a as number[] as [number, number, number, number, number, number, number];
    if (!Number.isInteger(k) || k < 0 || k >= this.size || !Number.isInteger(n) || n < 0 || min > max || total < 0 || weight <= 0 || (a as number[]).slice(7).some((c) => c < 0)) return 'a block state is out of range';
    Object.assign(this, { k, sum, n, min, max });
    Object.assign(this.rarity, { total, weight });
    this.rarity.counts.set((a as number[]).slice(7));
    return null;
  }
}

/**
 * The block discord (see `blockDiscord` above): a left matrix profile on block means, written here rather
 * than taken from a matrix-profile library because it must be streaming, causal and serialisable, and run
 * on every series: the squared distance of the newest m block means to the m ending `lag` blocks earlier is
 * kept for every lag and updated in O(window) per block (one term added, one dropped), and recomputed
 * exactly every `window` blocks and on restore, so rounding cannot build up. Per sample that is about
 * window / size operations (~17 at 12 × 200).
 */
class BlockDiscord {
  /** Samples in the open block and their sum; closed blocks less one (−1: none yet); the first block mean (the others are kept less it, for precision). */
  k = 0;
  sum = 0;
  t = -1;
  ref = 0;
  /** Slow mean of the discord distance (−1: none yet); discord scores so far. */
  ema = -1;
  n = 0;
  /** With spanMs: the open block's span number (floor(timestamp / spanMs); NaN: none yet). */
  span = NaN;
  /** Block means less `ref`, a ring of window + m + 2, the newest at index t. */
  readonly buf: Float64Array;
  /** By lag L (1..window): the squared distance of the newest m block means to the m ending L blocks earlier. */
  readonly dist: Float64Array;
  readonly rarity: TailRarity;
  private readonly cap: number;

  constructor(
    private readonly q: NonNullable<ContextualParams['blockDiscord']>,
    private readonly p: ContextualParams,
  ) {
    this.cap = q.window + q.m + 2;
    this.buf = new Float64Array(this.cap);
    this.dist = new Float64Array(q.window + 1);
    this.rarity = new TailRarity(p.rarity);
  }

  private x(i: number): number {
    return this.buf[i % this.cap] as number;
  }

  /**
   * Adds a sample; when it closes a block (its last sample; with spanMs, the first sample of a later span,
   * which then opens the next block), the closed block's raw score (0 otherwise and while warming up).
   */
  add(value: number, timestampMs: number): number {
    const q = this.q;
    if (q.spanMs > 0) {
      const span = Math.floor(timestampMs / q.spanMs);
      let out = 0;
      if (Number.isFinite(span)) {
        if (this.k > 0 && span !== this.span) out = this.close(this.sum / this.k);
        this.span = span;
      }
      this.sum += value;
      this.k++;
      return out;
    }
    this.sum += value;
    if (++this.k < q.size) return 0;
    return this.close(this.sum / q.size);
  }

  private close(mean: number): number {
    const q = this.q;
    let v = mean;
    this.k = 0;
    this.sum = 0;
    const t = ++this.t;
    if (t === 0) this.ref = v;
    v -= this.ref;
    const { m, window: W } = q;
    this.buf[t % this.cap] = v;
    const D = this.dist;
    if (t > 0 && t % W === 0) this.recompute();
    else {
      const lim = Math.min(W, t);
      const old = t - m;
      const xo = old >= 0 ? this.x(old) : 0;
      for (let L = 1; L <= lim; L++) {
        const e = v - this.x(t - L);
        let acc = (D[L] as number) + e * e;
        if (old - L >= 0) {
          const f = xo - this.x(old - L);
          acc -= f * f;
        }
        D[L] = acc;
      }
    }
    // The nearest earlier run that does not overlap the newest one (lag ≥ m).
    const maxL = Math.min(W, t - m + 1);
    if (t < 2 * m - 1 || maxL < m) return 0;
    let best = Infinity;
    for (let L = m; L <= maxL; L++) if ((D[L] as number) < best) best = D[L] as number;
    const d = Math.sqrt(Math.max(0, best) / m);
    if (this.ema < 0) {
      this.ema = d;
      return 0;
    }
    let z = (q.weight * d) / Math.max(this.ema, 1e-12);
    if (!(z < MAX_Z)) z = MAX_Z;
    this.ema += q.alpha * (d - this.ema);
    this.n++;
    const factor = this.rarity.factor(z, this.p.rarityDecades);
    this.rarity.add(z);
    return this.n > q.warmup ? (z / (z + this.p.half)) * factor : 0;
  }

  /** Every lag's distance from the ring, exactly. */
  private recompute(): void {
    const { m, window: W } = this.q;
    const t = this.t;
    const D = this.dist;
    D.fill(0);
    for (let L = 1; L <= Math.min(W, t); L++) {
      let acc = 0;
      for (let k = 0; k < m && t - L - k >= 0; k++) {
        const e = this.x(t - k) - this.x(t - L - k);
        acc += e * e;
      }
      D[L] = acc;
    }
  }

  /**
   * The state: its numbers, and the ring of block means as little-endian float64 in base64 (exact, and a
   * third of the JSON a number array takes). The distances are not kept: they are recomputed from the ring
   * on restore, which differs from the running sums by rounding only (until the next exact recompute).
   */
  toState(): DiscordState {
    const bytes = new Uint8Array(this.cap * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < this.cap; i++) view.setFloat64(i * 8, this.buf[i] as number, true);
    const out: DiscordState = { s: [this.k, this.sum, this.t, this.ref, this.ema, this.n, this.rarity.total, this.rarity.weight, ...this.rarity.counts], ring: toBase64(bytes) };
    return Number.isFinite(this.span) ? { ...out, span: this.span } : out;
  }

  /** Restores `toState()` output; a reason when it does not fit. */
  load(x: unknown): string | null {
    const bins = this.p.rarity.bins;
    const st = x as Partial<DiscordState> | null;
    const a = st?.s;
    if (!Array.isArray(a) || a.length !== 8 + bins || !a.every((v) => typeof v === 'number' && Number.isFinite(v))) return `the block discord's state needs s of ${8 + bins} finite numbers`;
    const bytes = typeof st?.ring === 'string' ? fromBase64(st.ring) : undefined;
    if (bytes?.length !== this.cap * 8) return `the block discord's ring must be base64 of ${this.cap * 8} bytes`;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ring = Array.from({ length: this.cap }, (_, i) => view.getFloat64(i * 8, true));
    const [k, sum, t, ref, ema, n, total, weight] = a as [number, number, number, number, number, number, number, number];
    const counts = a.slice(8);
    const span = st?.span;
    if (span !== undefined && !Number.isInteger(span)) return "the block discord's span must be an integer";
    if (!Number.isInteger(k) || k < 0 || (this.q.spanMs > 0 ? k > 0 && span === undefined : k >= this.q.size) || !Number.isInteger(t) || t < -1 || !Number.isInteger(n) || n < 0 || !(ema >= 0 || ema === -1) || total < 0 || weight <= 0 || counts.some((c) => c < 0) || !ring.every(Number.isFinite)) {
      return "the block discord's state is out of range";
    }
    Object.assign(this, { k, sum, t, ref, ema, n, span: span ?? NaN });
    Object.assign(this.rarity, { total, weight });
    this.rarity.counts.set(counts);
    this.buf.set(ring);
    if (t > 0) this.recompute();
    return null;
  }
}

interface DiscordState {
  /** Samples in the open block, their sum, the last block's number, the reference, the distance's slow mean, scores so far, the rarity's total, weight and counts. */
  readonly s: number[];
  readonly ring: string;
  /** With spanMs: the open block's span number (absent before the first sample). */
  readonly span?: number;
}

interface ContextualState extends DetectorState {
  /** FIELDS, then the novelty's history, rate and short mean, then the rarity's total and weight (version 4: then the last two level or step alerts' sample numbers, the budget's count and last alert; version 5: then the last timestamp and the longest recent spacing). */
  readonly s: number[];
  readonly tail: number[];
  /** The seen-contexts bitset, little-endian 32-bit words, base64. */
  readonly seen: string;
  /** RecentWindow.toArray(). */
  readonly recent: number[];
  /** BlockRange.toArray() per block size. */
  readonly blocks: number[][];
  /** The step rarity's total and weight, then its counts. */
  readonly stepTail: number[];
  /** BlockDiscord.toState() (version 5; null when it is off). */
  readonly discord: DiscordState | null;
}

export class Contextual implements StreamingDetector {
  private n = 0;
  private prev = 0;
  private level = 0;
  private scale = 0;
  private dScale = 0;
  private slowMean = 0;
  private slowVar = 0;
  private min = 0;
  private max = 0;
  private peak = 0;
  /** Sample numbers of the last two level or step alerts (−1: none yet; see `recur`). */
  private ev1 = -1;
  private ev2 = -1;
  /** The alert budget: the decayed count of level or step alerts, and the last one's sample number (see `budget`). */
  private bc = 0;
  private bLast = -1;
  /** Gaps: the last finite timestamp, and the decayed longest spacing (−1: no last timestamp known, as after a state of version 4 or older; see `gap`). */
  private tLast = 0;
  private gRec = 0;
  /** With `episodes`: the recurrence's last alerting sample and whether the open episode recurs (1) or not (0). */
  private rLast = -1;
  private rOn = 0;
  /** With `episodes`: the episode's last sample and the highest rarity factor it has had. */
  private eLast = -1;
  private eFactor = 0;
  /** The ramp: the previous first difference and the one before it. */
  private d1 = 0;
  private d2 = 0;
  /** The warm-up's second half (warmup-halves.ts). */
  private readonly halves = new WarmupHalves();
  private readonly novelty: ContextNovelty;
  private readonly rarity: TailRarity;
  private readonly stepRarity: TailRarity | null;
  private readonly recent: RecentWindow;
  /** The recent window's open block (recent-window.ts, OpenBlock), kept here: this is the hot path. */
  private bN = 0;
  private bRef = 0;
  private bS1 = 0;
  private bS2 = 0;
  private readonly blockSize: number;
  private readonly blocks: BlockRange[];
  private readonly discord: BlockDiscord | null;

  constructor(private readonly p: ContextualParams = CONTEXTUAL_PARAMS) {
    // The budget counts an alert every minGap + 1 samples; undamped (with episodes) a long deviation would
    // be believed less while it lasts, and in the console it counted moves under the floors (detector-kind.ts).
    if (p.episodes !== null && p.budget !== null) throw new Error('contextual: the alert budget is for the damped, NAB-style output; with episodes (the console) set budget to null');
    this.novelty = new ContextNovelty(p.context);
    this.rarity = new TailRarity(p.rarity);
    this.stepRarity = p.stepRarity === null ? null : new TailRarity(p.stepRarity);
    this.recent = new RecentWindow(p.recent);
    this.blockSize = this.recent.blockSize;
    this.blocks = p.blocks.sizes.map((size) => new BlockRange(size, p));
    this.discord = p.blockDiscord === null ? null : new BlockDiscord(p.blockDiscord, p);
  }

  update(timestampMs: number, value: number): number {
    let blockRaw = 0;
    for (const b of this.blocks) {
      const r = b.add(value);
      if (r > blockRaw) blockRaw = r;
    }
    const discordRaw = this.discord === null ? 0 : this.discord.add(value, timestampMs);
    if (this.n === 0) return this.first(timestampMs, value);
    const p = this.p;
    const warm = this.n >= p.warmup;
    const floor = p.spreadFloor * Math.sqrt(this.slowVar);
    const tiny = Math.max(1e-9 * Math.abs(this.level), 1e-12);
    const s = Math.max(this.scale * MAD_TO_STD, floor, tiny);
    const sd = Math.max(this.dScale * MAD_TO_STD, floor, tiny);
    const r = value - this.level;
    const d = value - this.prev;
    const range = Math.max(this.max - this.min, tiny);
    const out = value > this.max ? (value - this.max) / range : value < this.min ? (this.min - value) / range : 0;
    const novelty = this.novelty.update(value, this.min, this.max, this.n > p.context.orders);
    let zStep = (p.wStep * Math.abs(d)) / sd;
    const sr = this.stepRarity;
    if (sr !== null) {
      // While the histogram is empty (the warm-up, a restored older state) the factor is 0 and rises as it
      // learns (a third at 10 samples).
      const factor = sr.factor(zStep, p.rarityDecades);
      if (warm) sr.add(zStep);
      zStep *= factor;
    }
    const zLevel = Math.abs(r) / s;
    let z = Math.max(zLevel, zStep, p.wRange * out, p.wContext * novelty);
    if (!(z < MAX_Z)) z = MAX_Z;
    let factor = this.rarity.factor(z, p.rarityDecades);
    const ep = p.episodes;
    const ongoing = ep !== null && this.eLast >= 0 && this.n - this.eLast <= ep.minGap;
    if (ongoing && this.eFactor > factor) factor = this.eFactor;
    let sampleRaw = warm ? (z / (z + p.half)) * factor : 0;
    if (ep !== null && warm && sampleRaw >= ep.threshold) {
      this.eFactor = ongoing ? Math.max(this.eFactor, factor) : factor;
      this.eLast = this.n;
    }
    let ramp = false;
    if (warm && p.wRamp > 0 && (d > 0 ? this.d1 > 0 && this.d2 > 0 : d < 0 && this.d1 < 0 && this.d2 < 0)) {
      // As the ensemble's: the smallest of three differences of one sign, over their own scale unfloored.
      // Not scaled by rarity: three such differences in a row are rare by construction, and a leak would
      // otherwise be believed less for every large deviation of the last hour (a build holding 400 MiB
      // for 20 s, 380 s before a leak of 40 MiB/s, held the leak's ramp at 0.36 instead of 0.81).
      const m = Math.min(Math.abs(d), Math.abs(this.d1), Math.abs(this.d2));
      let zRamp = p.wRamp * (m / Math.max(this.dScale * MAD_TO_STD, tiny));
      if (!(zRamp < MAX_Z)) zRamp = MAX_Z;
      const rampRaw = zRamp / (zRamp + p.half);
      if (rampRaw > sampleRaw) {
        sampleRaw = rampRaw;
        ramp = true;
      }
    }
    const raw = Math.max(sampleRaw, p.blocks.weight * blockRaw, warm ? discordRaw : 0);
    this.rarity.add(z);
    let score = p.damp === 1 ? raw * (1 - this.peak) : raw * Math.pow(1 - this.peak, p.damp);
    const levelOrStep = sampleRaw === raw && (ramp || z === zLevel || z === zStep);
    const bg = p.budget;
    if (bg !== null) {
      if (score >= bg.threshold && levelOrStep && this.n - this.bLast > bg.minGap) {
        score /= 1 + bg.weight * this.bc;
        this.bc += 1;
        this.bLast = this.n;
      }
      this.bc *= bg.decay;
    }
    const rc = p.recur;
    if (rc !== null && p.episodes !== null) {
      // ev1 and ev2 are the last two episodes' first samples; rOn says whether the open one recurs.
      if (raw >= rc.threshold && levelOrStep) {
        if (this.n - this.rLast > rc.minGap) {
          const gap = this.ev1 - this.ev2;
          this.rOn = this.ev2 >= 0 && Math.abs(this.n - this.ev1 - gap) <= rc.tolerance * gap ? 1 : 0;
          this.ev2 = this.ev1;
          this.ev1 = this.n;
        }
        this.rLast = this.n;
      }
      if (this.rOn === 1 && this.rLast >= 0 && this.n - this.rLast <= rc.minGap) score *= rc.damp;
    } else if (rc !== null && raw >= rc.threshold && levelOrStep && this.n - this.ev1 > rc.minGap) {
      const gap = this.ev1 - this.ev2;
      if (this.ev2 >= 0 && Math.abs(this.n - this.ev1 - gap) <= rc.tolerance * gap) score *= rc.damp;
      this.ev2 = this.ev1;
      this.ev1 = this.n;
    }
    this.peak = Math.max(this.peak * p.peakDecay, raw);
    const g = p.gap;
    if (g !== null && Number.isFinite(timestampMs)) {
      if (this.gRec < 0) this.gRec = 0; // no last timestamp known: this spacing is not either
      else {
        const spacing = timestampMs - this.tLast;
        if (warm && this.gRec > 0 && spacing > g.k * this.gRec && score < g.score) score = g.score;
        this.gRec = Math.max(this.gRec * g.decay, spacing);
      }
      this.tLast = timestampMs;
    }
    this.learn(value, r, s, d, sd, warm);
    return score;
  }

  private first(timestampMs: number, value: number): number {
    this.n = 1;
    this.tLast = Number.isFinite(timestampMs) ? timestampMs : 0;
    this.gRec = Number.isFinite(timestampMs) ? 0 : -1;
    this.prev = this.level = this.slowMean = this.min = this.max = value;
    this.novelty.update(value, value, value, false);
    this.bRef = value;
    this.bN = 1;
    return 0;
  }

  /** Baselines, scales and range; during warm-up nothing is clipped and the weights are 1/n. */
  private learn(value: number, r: number, s: number, d: number, sd: number, warm: boolean): void {
    const p = this.p;
    const a = warm ? p.scaleAlpha : 1 / (this.n + 1);
    const bound = warm ? p.clip * s : Infinity;
    const rc = r > bound ? bound : r < -bound ? -bound : r;
    this.level += (warm ? p.levelAlpha : a) * rc;
    this.scale += a * (Math.abs(rc) - this.scale);
    this.dScale += a * (Math.min(Math.abs(d), warm ? p.clip * sd : Infinity) - this.dScale);
    const b = warm ? p.spreadAlpha : 1 / (this.n + 1);
    let dm = value - this.slowMean;
    if (warm && p.slowClip > 0) {
      const cb = p.slowClip * Math.max(Math.sqrt(this.slowVar), 1e-9 * Math.abs(this.level), 1e-12);
      dm = dm > cb ? cb : dm < -cb ? -cb : dm;
    }
    this.slowMean += b * dm;
    this.slowVar = (1 - b) * (this.slowVar + b * dm * dm);
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
    const x = value - this.bRef;
    this.bS1 += x;
    this.bS2 += x * x;
    if (++this.bN === this.blockSize) this.closeBlock();
    if (!warm && p.warmupReseed > 0) {
      const restart = this.halves.add(this.n, p.warmup, p.warmupReseed, value, d, { slowMean: this.slowMean, slowVar: this.slowVar, dScale: this.dScale });
      if (restart !== null) {
        this.slowVar = restart.variance;
        this.slowMean = this.level = restart.level;
        this.scale = Math.min(this.scale, Math.sqrt(restart.variance) / MAD_TO_STD);
        this.dScale = Math.min(this.dScale, restart.meanAbsStep);
      }
    }
    this.d2 = this.d1;
    this.d1 = d;
    this.prev = value;
    this.n++;
  }

  /** Hands the open block to the recent window; once it is full, the slow statistics restart from it if it is much calmer (see the ensemble's). */
  private closeBlock(): void {
    this.bRef = this.recent.close(this.openBlock());
    this.bN = this.bS1 = this.bS2 = 0;
    if (!this.recent.full) return;
    const v = this.recent.variance();
    if (!(v * this.p.recent.calmRatio < this.slowVar)) return;
    this.slowVar = v;
    this.slowMean = this.recent.mean();
  }

  toJSON(): ContextualState {
    const nov = this.novelty;
    const tail = this.rarity;
    return {
      kind: KIND,
      version: VERSION,
      s: [...FIELDS.map((f) => this[f]), nov.history, nov.rate, nov.short, tail.total, tail.weight, this.ev1, this.ev2, this.bc, this.bLast, this.tLast, this.gRec, ...this.halves.toArray(), this.d1, this.d2, this.rLast, this.rOn, this.eLast, this.eFactor],
      tail: [...tail.counts],
      seen: toBase64(new Uint8Array(nov.seen.buffer, nov.seen.byteOffset, nov.seen.byteLength)),
      recent: this.recent.toArray(this.openBlock()),
      blocks: this.blocks.map((b) => b.toArray()),
      stepTail: this.stepRarity === null ? [] : [this.stepRarity.total, this.stepRarity.weight, ...this.stepRarity.counts],
      discord: this.discord === null ? null : this.discord.toState(),
    };
  }

  private openBlock(): OpenBlock {
    return { n: this.bN, ref: this.bRef, s1: this.bS1, s2: this.bS2 };
  }

  static fromJSON(state: unknown, params: ContextualParams = CONTEXTUAL_PARAMS): Result<Contextual, string> {
    // An older version lacks what came after it (VERSION's comment); the current one is checked last, so a
    // foreign or damaged state gets the current version's reason.
    const version = [1, 2, 3, 4, 5].find((k) => stateRecord(state, KIND, k).ok) ?? VERSION;
    const rec = stateRecord(state, KIND, version);
    if (!rec.ok) return rec;
    const { s, tail, seen } = rec.value;
    const nums = FIELDS.length + 5 + (version < 4 ? 0 : 4) + (version < 5 ? 0 : 2) + (version < 6 ? 0 : 11);
    const finite = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!finite(s) || s.length !== nums) return err(`${KIND}: state field s needs ${nums} finite numbers`);
    if (!finite(tail) || tail.length !== params.rarity.bins || tail.some((v) => v < 0)) return err(`${KIND}: state field tail needs ${params.rarity.bins} counts ≥ 0`);
    const bytes = typeof seen === 'string' ? fromBase64(seen) : undefined;
    const d = new Contextual(params);
    if (bytes?.length !== d.novelty.seen.byteLength) return err(`${KIND}: state field seen must be base64 of ${d.novelty.seen.byteLength} bytes`);
    const v = Object.fromEntries(FIELDS.map((f, i) => [f, s[i] as number])) as Record<Field, number>;
    const [history, rate, short, total, weight, ev1 = -1, ev2 = -1, bc = 0, bLast = -1, tLast = 0, gRec = -1] = s.slice(FIELDS.length) as [number, number, number, number, number, number?, number?, number?, number?, number?, number?];
    const [hN = 0, hRef = 0, hS1 = 0, hS2 = 0, hD = 0, d1 = 0, d2 = 0, rLast = -1, rOn = 0, eLast = -1, eFactor = 0] = s.slice(FIELDS.length + 11) as Array<number | undefined>;
    if (!Number.isInteger(v.n) || v.n < 0 || v.scale < 0 || v.dScale < 0 || v.slowVar < 0 || v.peak < 0 || v.peak >= 1 || v.min > v.max || rate < 0 || rate > 1 || total < 0 || weight <= 0) {
      return err(`${KIND}: state out of range (n, scales, variance, peak, min/max, novelty rate or rarity weights)`);
    }
    if (!(Number.isInteger(ev1) && Number.isInteger(ev2) && ev2 >= -1 && ev1 < v.n && (ev1 > ev2 || ev1 === -1))) return err(`${KIND}: state out of range (the last alerts' sample numbers)`);
    if (!(bc >= 0 && Number.isInteger(bLast) && bLast >= -1 && bLast < v.n)) return err(`${KIND}: state out of range (the alert budget's count or last alert)`);
    if (!(gRec >= 0 || gRec === -1)) return err(`${KIND}: state out of range (the longest spacing of the timestamps)`);
    if (!d.halves.load([hN, hRef, hS1, hS2, hD]) || !Number.isInteger(rLast) || rLast < -1 || rLast >= v.n || (rOn !== 0 && rOn !== 1) || !Number.isInteger(eLast) || eLast < -1 || eLast >= v.n || !(eFactor >= 0 && eFactor <= 1)) return err(`${KIND}: state out of range (the warm-up's second half or the episodes)`);
    for (const f of FIELDS) d[f] = v[f];
    Object.assign(d, { ev1, ev2, bc, bLast, tLast, gRec, d1, d2, rLast, rOn, eLast, eFactor });
    Object.assign(d.novelty, { history, rate, short });
    Object.assign(d.rarity, { total, weight });
    d.rarity.counts.set(tail);
    new Uint8Array(d.novelty.seen.buffer).set(bytes);
    if (version === 1) {
      d.bRef = d.slowMean;
      return ok(d);
    }
    const b = d.recent.load(rec.value['recent']);
    if (typeof b === 'string') return err(`${KIND}: ${b}`);
    d.bN = b.n;
    d.bRef = b.ref;
    d.bS1 = b.s1;
    d.bS2 = b.s2;
    if (version === 2) return ok(d);
    const blocks = rec.value['blocks'];
    if (!Array.isArray(blocks) || blocks.length !== d.blocks.length) return err(`${KIND}: state field blocks needs ${d.blocks.length} block states`);
    for (const [i, blk] of d.blocks.entries()) {
      const why = blk.load(blocks[i]);
      if (why !== null) return err(`${KIND}: ${why} (block of ${blk.size})`);
    }
    const sr = d.stepRarity;
    if (version === 3) return ok(d);
    if (sr !== null) {
      const st = rec.value['stepTail'];
      const bins = sr.counts.length;
      if (!finite(st) || st.length !== 2 + bins || st.some((x) => x < 0) || !(st[1]! > 0)) return err(`${KIND}: state field stepTail needs ${2 + bins} finite numbers ≥ 0 (its weight > 0)`);
      Object.assign(sr, { total: st[0], weight: st[1] });
      sr.counts.set(st.slice(2));
    }
    if (version === 4 || d.discord === null) return ok(d);
    // Version 5 differs from 6 only in `s`: its discord state reads the same.
    const why = d.discord.load(rec.value['discord']);
    if (why !== null) return err(`${KIND}: ${why}`);
    return ok(d);
  }
}

export const contextual: DetectorKind = {
  kind: KIND,
  warmupSamples: CONTEXTUAL_PARAMS.warmup,
  create: () => new Contextual(),
  fromJSON: (state) => Contextual.fromJSON(state),
};
