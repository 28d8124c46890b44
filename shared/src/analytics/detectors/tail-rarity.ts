/**
 * How rare a deviation is for this series: a decaying histogram of past z values (log-spaced bins) gives
 * the share of recent samples that deviated at least as much. A z that this series produces every day
 * (periodic spikes, a bursty counter) is common here, however large it is in units of the noise scale;
 * the same z on a quiet series is rare. Constant memory: one number per bin.
 *
 * Decay without touching every bin per sample: each new sample is added with a weight that grows by
 * 1/decay per sample, which is the same as decaying the old ones; the bins are rescaled when the weight
 * gets large, so nothing overflows.
 */

export interface TailRarityParams {
  readonly bins: number;
  /** Bin width in log2(1 + z). */
  readonly step: number;
  /** Per-sample decay of the past samples' weight. */
  readonly decay: number;
  /** Pseudo-count of samples above any z, so a fresh histogram does not call everything impossible. */
  readonly prior: number;
}

/** Rescale the bins before the sample weight grows past this (far below float overflow). */
const RESCALE_AT = 1e100;

export class TailRarity {
  readonly counts: Float64Array;
  /** Sum of the counts. */
  total = 0;
  /** Weight of the next sample, in the counts' current units. */
  weight = 1;

  constructor(private readonly p: TailRarityParams) {
    this.counts = new Float64Array(p.bins);
  }

  /**
   * How rare `z` is, in [0, 1]: min(1, −log10(tailShare(z)) / decades), so a z rarer than 10^−decades of
   * recent samples scores 1 and a common one little (clamped at 0: rounding can put the share a hair above 1).
   */
  factor(z: number, decades: number): number {
    return Math.max(0, Math.min(1, -Math.log10(this.tailShare(z)) / decades));
  }

  /** Share of recent samples (decayed) whose z was at least `z`, with the prior; in (0, 1]. */
  tailShare(z: number): number {
    const p = this.p;
    const at = Math.log2(1 + z) / p.step;
    const bin = Math.min(p.bins - 1, Math.floor(at));
    let above = 0;
    for (let k = bin + 1; k < p.bins; k++) above += this.counts[k] as number;
    // Linear share of the sample's own bin above it (0 when z is beyond the last bin's width).
    above += (this.counts[bin] as number) * Math.max(0, 1 - (at - bin));
    // The prior weighs as much as the latest sample.
    const prior = p.prior * this.weight * p.decay;
    return (above + prior) / (this.total + prior);
  }

  add(z: number): void {
    const p = this.p;
    const bin = Math.min(p.bins - 1, Math.floor(Math.log2(1 + z) / p.step));
    this.counts[bin] = (this.counts[bin] as number) + this.weight;
    this.total += this.weight;
    this.weight /= p.decay;
    if (this.weight > RESCALE_AT) {
      const s = 1 / this.weight;
      for (let k = 0; k < p.bins; k++) this.counts[k] = (this.counts[k] as number) * s;
      this.total *= s;
      this.weight = 1;
    }
  }
}
