/**
 * Context novelty: has this short sequence of quantised values been seen before? (The idea of CAD OSE,
 * NAB's context anomaly detector, in constant memory.)
 *
 * Each sample is quantised into one of `bins` equal slices of the range seen so far. The last k slices
 * (k = 2 … orders) form a context, one bit per possible context (bins² + … + bins^orders bits: 576 for
 * 8 bins and order 3, so no hashing is needed); a context whose bit is still clear is novel. The share of novel contexts is smoothed (short EWMA) and compared with its own
 * long-run rate in binomial units, so a series that keeps producing new contexts (noise, drift) scores
 * nothing, and one that has repeated itself for a long time scores when it stops doing so.
 */

export interface ContextNoveltyParams {
  /** Quantisation slices of the range seen so far. */
  readonly bins: number;
  /** Longest context, in samples (contexts of 2 … orders samples are checked). */
  readonly orders: number;
  /** EWMA weight of the long-run novelty rate. */
  readonly rateAlpha: number;
  /** EWMA weight of the short novelty mean. */
  readonly shortAlpha: number;
}

/** Floor of the binomial variance rate·(1 − rate), so a rate of 0 does not divide by zero. */
const MIN_VARIANCE = 1e-4;

export class ContextNovelty {
  /** Base-`bins` digits of the last `orders` slices, newest last. */
  history = 0;
  rate = 0.5;
  short = 0;
  readonly seen: Uint32Array;
  private readonly modulus: number;

  constructor(private readonly p: ContextNoveltyParams) {
    let bits = 0;
    for (let k = 2; k <= p.orders; k++) bits += p.bins ** k;
    this.seen = new Uint32Array(Math.ceil(bits / 32));
    this.modulus = p.bins ** p.orders;
  }

  /**
   * Feeds one sample, quantised against [min, max] (the range before this sample), and returns the
   * novelty z: how far the short novelty mean is above its long-run rate, in binomial standard deviations.
   * `count` is false for the first samples, whose contexts are not whole yet.
   */
  update(value: number, min: number, max: number, count: boolean): number {
    const p = this.p;
    const range = max - min;
    let bin = range > 0 ? Math.floor((p.bins * (value - min)) / range) : 0;
    if (bin < 0) bin = 0;
    else if (bin >= p.bins) bin = p.bins - 1;
    this.history = (this.history * p.bins + bin) % this.modulus;
    let novel = 0;
    let total = 0;
    let offset = 0;
    for (let k = 2; k <= p.orders; k++) {
      const size = p.bins ** k;
      const idx = offset + (this.history % size);
      offset += size;
      const word = idx >>> 5;
      const bit = 1 << (idx & 31);
      if (count) {
        total++;
        if (((this.seen[word] as number) & bit) === 0) novel++;
      }
      this.seen[word] = (this.seen[word] as number) | bit;
    }
    const nov = total > 0 ? novel / total : 0;
    const rate = this.rate;
    this.short += p.shortAlpha * (nov - this.short);
    this.rate += p.rateAlpha * (nov - rate);
    return (this.short - rate) / Math.sqrt(Math.max(rate * (1 - rate), MIN_VARIANCE));
  }
}
