/**
 * What a series did lately: mean and variance of its last `blocks` finished blocks of `blockSamples`
 * samples each (a sliding window with block granularity, in constant memory: 2 numbers a block). Nothing
 * older than the window counts: a busy period that ended a window ago is gone from it entirely, where an
 * exponentially weighted average would still carry its tail.
 *
 * The block being filled is summed by the detector itself, in four fields of its own (`OpenBlock`): on the
 * hot path that costs half of what a call into this object did (NAB bench, ~5 % of the ensemble's
 * throughput). The detector hands each finished block to `close`.
 *
 * The detectors use it to forget a busy period (issue 4): their slow mean and variance, which floor every
 * scale, learn from all samples with a ~500-sample memory, but after a stretch at 60–100 % they need
 * thousands of quiet samples to come down, and until then a return to 50 % looks like noise. Each time a
 * block closes on a full window, a detector whose slow variance is `calmRatio` times the window's or more
 * restarts its slow statistics from the window.
 */

export interface RecentWindowParams {
  /** Finished blocks remembered (0: no window; the detectors then never close a block). */
  readonly blocks: number;
  /** Samples per block. */
  readonly blockSamples: number;
  /**
   * For the detectors: their slow variance must be at least this many times the window's before the
   * window replaces it (4: the window's spread is under half the slow one), so only a change of regime
   * resets it, not the ordinary wandering of a series' spread.
   */
  readonly calmRatio: number;
}

/**
 * The block being filled: its count and the sums of (x − ref) and (x − ref)², with ref a value near its
 * samples (the series' first sample, then the previous block's mean) so the sums stay precise.
 */
export interface OpenBlock {
  readonly n: number;
  readonly ref: number;
  readonly s1: number;
  readonly s2: number;
}

/** Numbers per finished block: mean, M2 (sum of squared deviations from the block's mean). */
const STRIDE = 2;
/** Numbers before the blocks in `toArray`: the open block's four, then the count of finished blocks. */
const SCALARS = 5;

export class RecentWindow {
  /** Finished blocks, `filled` of them; once full, the oldest is at `head`. */
  private readonly ring: Float64Array;
  private filled = 0;
  private head = 0;

  constructor(private readonly p: RecentWindowParams) {
    this.ring = new Float64Array(p.blocks * STRIDE);
  }

  /** Samples per block once there is a window; Infinity without one, so a detector's count never reaches it. */
  get blockSize(): number {
    return this.p.blocks > 0 ? this.p.blockSamples : Infinity;
  }

  /** Whether the window holds all its blocks (from then on each new block replaces the oldest). */
  get full(): boolean {
    return this.filled === this.p.blocks;
  }

  /** Takes a finished block, in place of the oldest when full; returns its mean (the next block's ref). */
  close(b: OpenBlock): number {
    const { blocks } = this.p;
    const o = (this.filled === blocks ? this.head : (this.head + this.filled) % blocks) * STRIDE;
    const mean = b.ref + b.s1 / b.n;
    this.ring[o] = mean;
    this.ring[o + 1] = Math.max(0, b.s2 - (b.s1 * b.s1) / b.n);
    if (this.filled === blocks) this.head = (this.head + 1) % blocks;
    else this.filled++;
    return mean;
  }

  /**
   * Offset of the i-th finished block, oldest first. The sums below run in this order, the order `toArray`
   * saves, so a restored window (whose ring starts at 0) gives the same figures to the last bit: summed in
   * ring order, a restore changed them by rounding (~1e-18 on one NAB file's scores).
   */
  private at(i: number): number {
    return ((this.head + i) % this.p.blocks) * STRIDE;
  }

  /** Mean of the finished blocks' samples; NaN when there are none. */
  mean(): number {
    let s = 0;
    for (let i = 0; i < this.filled; i++) s += this.ring[this.at(i)] as number;
    return s / this.filled;
  }

  /** Population variance of the finished blocks' samples (Chan's pooled formula); NaN when there are none. */
  variance(): number {
    const mean = this.mean();
    let m2 = 0;
    for (let i = 0; i < this.filled; i++) {
      const o = this.at(i);
      const d = (this.ring[o] as number) - mean;
      m2 += (this.ring[o + 1] as number) + this.p.blockSamples * d * d;
    }
    return m2 / (this.filled * this.p.blockSamples);
  }

  /** Plain numbers for a detector's state: the open block, the number of finished blocks, then those blocks oldest first. */
  toArray(b: OpenBlock): number[] {
    const out = [b.n, b.ref, b.s1, b.s2, this.filled];
    for (let i = 0; i < this.filled; i++) {
      const o = this.at(i);
      for (let k = 0; k < STRIDE; k++) out.push(this.ring[o + k] as number);
    }
    return out;
  }

  /**
   * Takes the state of `toArray` output (validated: it may come from disk) and returns the open block for
   * the detector; a reason, and no change, when it does not fit.
   */
  load(a: unknown): OpenBlock | string {
    const p = this.p;
    if (!Array.isArray(a) || a.length < SCALARS || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) return `recent window needs at least ${SCALARS} finite numbers`;
    const [n, ref, s1, s2, filled] = a as [number, number, number, number, number];
    if (!Number.isInteger(filled) || filled < 0 || filled > p.blocks || a.length !== SCALARS + filled * STRIDE) return `recent window holds ${String(filled)} blocks in ${a.length} numbers, expected at most ${p.blocks} blocks of ${STRIDE}`;
    const blocks = (a as number[]).slice(SCALARS);
    if (!Number.isInteger(n) || n < 0 || (p.blocks > 0 && n >= p.blockSamples) || s2 < 0 || blocks.some((v, i) => i % STRIDE === 1 && v < 0)) return 'recent window out of range (count or sums of squares)';
    this.filled = filled;
    this.head = 0;
    this.ring.fill(0);
    this.ring.set(blocks, 0);
    return { n, ref, s1, s2 };
  }
}
