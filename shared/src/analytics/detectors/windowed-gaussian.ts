/**
 * NAB's "windowedGaussian" baseline, in constant memory: the score of a sample is 1 − Q(|z|), z measured
 * against the mean and population standard deviation of the previous samples in a window of up to 6,400,
 * which grows one sample at a time until full and then slides forward 100 samples at a time (so its
 * statistics change only every 100th sample). NAB keeps the 6,400 raw values (51 KB); the window only ever
 * drops whole 100-sample steps, so 64 per-step (mean, M2) pairs give the same statistics in ~1 KB.
 */
import { ok, err, type Result } from '../../result';
import { numberField, stateRecord, type DetectorKind, type DetectorState, type StreamingDetector } from './detector';
import { normalTail } from './normal-tail';

const KIND = 'windowedGaussian';
const VERSION = 1;
/** NAB's window and step, in samples. */
const WINDOW = 6400;
const STEP = 100;
const BLOCKS = WINDOW / STEP;
/** NAB replaces a zero standard deviation with this, so a flat line makes any change score ~1. */
const MIN_STD = 0.000001;

interface WindowedGaussianState extends DetectorState {
  /** Complete 100-sample steps in the window (≤ 64), and the ring slot of the oldest once full. */
  readonly filled: number;
  readonly head: number;
  readonly blockMean: number[];
  readonly blockM2: number[];
  /** Welford accumulators [count, mean, M2]: the step being filled, and the whole window while it grows. */
  readonly step: [number, number, number];
  readonly grow: [number, number, number];
  readonly mean: number;
  readonly std: number;
}

export class WindowedGaussian implements StreamingDetector {
  private filled = 0;
  private head = 0;
  private readonly blockMean = new Float64Array(BLOCKS);
  private readonly blockM2 = new Float64Array(BLOCKS);
  private sCount = 0;
  private sMean = 0;
  private sM2 = 0;
  private gCount = 0;
  private gMean = 0;
  private gM2 = 0;
  private mean = 0;
  private std = 1;

  update(_timestampMs: number, value: number): number {
    // As NAB: the first sample scores 0 (empty window); later ones against the window before them.
    const score = this.gCount === 0 ? 0 : 1 - normalTail(Math.abs(value - this.mean) / this.std);
    this.sCount++;
    const ds = value - this.sMean;
    this.sMean += ds / this.sCount;
    this.sM2 += ds * (value - this.sMean);
    if (this.filled < BLOCKS) {
      // Growing: the statistics follow every sample.
      this.gCount++;
      const dg = value - this.gMean;
      this.gMean += dg / this.gCount;
      this.gM2 += dg * (value - this.gMean);
      this.mean = this.gMean;
      this.std = Math.sqrt(this.gM2 / this.gCount) || MIN_STD;
      if (this.sCount === STEP) this.closeStep(this.filled++);
    } else if (this.sCount === STEP) {
      this.closeStep(this.head);
      this.head = (this.head + 1) % BLOCKS;
      this.recompute();
    }
    return score;
  }

  private closeStep(slot: number): void {
    this.blockMean[slot] = this.sMean;
    this.blockM2[slot] = this.sM2;
    this.sCount = 0;
    this.sMean = 0;
    this.sM2 = 0;
  }

  /** Merges the 64 equal-sized steps (Chan et al.'s pairwise update) into the window's mean and std. */
  private recompute(): void {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    for (let b = 0; b < BLOCKS; b++) {
      const bm = this.blockMean[b] as number;
      const d = bm - mean;
      const total = n + STEP;
      mean += (d * STEP) / total;
      m2 += (this.blockM2[b] as number) + (d * d * n * STEP) / total;
      n = total;
    }
    this.mean = mean;
    this.std = Math.sqrt(m2 / n) || MIN_STD;
  }

  toJSON(): WindowedGaussianState {
    return {
      kind: KIND,
      version: VERSION,
      filled: this.filled,
      head: this.head,
      blockMean: Array.from(this.blockMean),
      blockM2: Array.from(this.blockM2),
      step: [this.sCount, this.sMean, this.sM2],
      grow: [this.gCount, this.gMean, this.gM2],
      mean: this.mean,
      std: this.std,
    };
  }

  static fromJSON(state: unknown): Result<WindowedGaussian, string> {
    const r = stateRecord(state, KIND, VERSION);
    if (!r.ok) return r;
    const s = r.value;
    const filled = numberField(s, 'filled');
    const head = numberField(s, 'head');
    const mean = numberField(s, 'mean');
    const std = numberField(s, 'std');
    const triple = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    const blocks = (v: unknown): v is number[] => Array.isArray(v) && v.length === BLOCKS && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    const { step, grow, blockMean, blockM2 } = s;
    if (filled === undefined || !Number.isInteger(filled) || filled < 0 || filled > BLOCKS) return err(`${KIND}: bad "filled"`);
    if (head === undefined || !Number.isInteger(head) || head < 0 || head >= BLOCKS) return err(`${KIND}: bad "head"`);
    if (mean === undefined || std === undefined || !(std > 0)) return err(`${KIND}: bad "mean"/"std"`);
    if (!triple(step) || !triple(grow) || !blocks(blockMean) || !blocks(blockM2)) return err(`${KIND}: bad step/grow/block arrays`);
    const d = new WindowedGaussian();
    d.filled = filled;
    d.head = head;
    d.blockMean.set(blockMean);
    d.blockM2.set(blockM2);
    [d.sCount, d.sMean, d.sM2] = step;
    [d.gCount, d.gMean, d.gM2] = grow;
    d.mean = mean;
    d.std = std;
    return ok(d);
  }
}

export const windowedGaussian: DetectorKind = {
  kind: KIND,
  // The window's statistics follow every sample from the first; NAB's probation (≤ 750 rows) covers the rest.
  warmupSamples: 2,
  create: () => new WindowedGaussian(),
  fromJSON: (state) => WindowedGaussian.fromJSON(state),
};
