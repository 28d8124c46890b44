/**
 * Dual-vigilance fuzzy ART (Carpenter, Grossberg and Rosen's fuzzy ART with the dual vigilance of da Silva,
 * Elnabarawy and Wunsch, 2019), as resonance.ts uses it: inputs in [0, 1], complement-coded, fast commit.
 *
 * A category is a box: its weight holds, per input, the smallest value it has learned and the smallest
 * complement (one minus the largest value). An input's match to a category is
 *   (|min(x, w)|₁ / |w|₁)³ · e²,
 * where e is the same ratio over the input's last element alone (the newest level of the shape, which
 * resonance.ts puts there): a shape seen before at another level matches less. Presented with an input:
 * - every category matching at least the upper vigilance learns it (w = min(x, w)): resonance;
 * - else, if the best match is at least the lower vigilance, the input becomes a new category of the best
 *   one's cluster (a variant of a known pattern);
 * - else it becomes a new category of a new cluster: the input is novel.
 *
 * The first input ever presented founds the first category, even when it is not learned.
 * Memory is bounded: at `maxCategories`, a new category replaces the one unused for longest.
 * Hand-written: no npm package implements dual-vigilance fuzzy ART, and this loop is the detector's cost.
 */

const INITIAL_CAPACITY = 16;

export type Presentation = 'resonant' | 'variant' | 'novel' | 'unlearned';

export class FuzzyArt {
  /** Complement-coded width of one category. */
  readonly width: number;
  /** Categories' weights, `width` numbers each; the first `count` are in use (the arrays grow by doubling up to `maxCategories`). */
  weights: Float64Array;
  cluster: Int32Array;
  /** The presentation count at which each category last learned or was made. */
  lastUsed: Float64Array;
  count = 0;
  clusters = 0;
  presentations = 0;
  lower = 0;
  upper = 0;
  /** The last presentation's best match and that category's level match (e). */
  match = 0;
  levelMatch = 0;
  private readonly x: Float64Array;
  /** The previous presentation's best category: the walk starts there. */
  private lastBest = 0;

  constructor(
    readonly dim: number,
    readonly maxCategories: number,
  ) {
    this.width = 2 * dim;
    const start = Math.min(INITIAL_CAPACITY, maxCategories);
    this.weights = new Float64Array(start * this.width);
    this.cluster = new Int32Array(start);
    this.lastUsed = new Float64Array(start);
    this.x = new Float64Array(this.width);
  }

  /** Room for n categories (n ≤ maxCategories). */
  reserve(n: number): void {
    if (n <= this.cluster.length) return;
    const cap = Math.min(this.maxCategories, Math.max(n, 2 * this.cluster.length));
    const weights = new Float64Array(cap * this.width);
    weights.set(this.weights);
    const cluster = new Int32Array(cap);
    cluster.set(this.cluster);
    const lastUsed = new Float64Array(cap);
    lastUsed.set(this.lastUsed);
    this.weights = weights;
    this.cluster = cluster;
    this.lastUsed = lastUsed;
  }

  /** Presents one input (`dim` values in [0, 1]); with `learn` false only `match` and `levelMatch` are set. */
  present(input: ArrayLike<number>, learn: boolean): Presentation {
    const d = this.dim;
    const width = this.width;
    const x = this.x;
    for (let k = 0; k < d; k++) {
      const v = input[k] as number;
      x[k] = v;
      x[d + k] = 1 - v;
    }
    this.presentations++;
    const w = this.weights;
    let best = -1;
    let bestMatch = 0;
    let bestLevel = 0;
    let resonant = false;
    // The last best category first (consecutive inputs overlap), so the bound below prunes more.
    const first = this.lastBest < this.count ? this.lastBest : 0;
    for (let i = 0; i < this.count; i++) {
      const j = i === 0 ? first : i <= first ? i - 1 : i;
      // The match is at most level², so a category whose level² neither beats the best so far nor reaches
      // the upper vigilance can be skipped: the result is the same, at a fraction of the cost.
      const level = this.levelOf(j);
      const bound = level * level;
      if (bound < bestMatch && (!learn || bound < this.upper)) continue;
      const m = this.shapeOf(j) * bound;
      // Ties go to the lower index, whatever the order of the walk.
      if (m > bestMatch || (m === bestMatch && m > 0 && j < best)) {
        bestMatch = m;
        best = j;
        bestLevel = level;
      }
      if (learn && m >= this.upper) {
        // Fast commit: the box grows just enough to hold the input.
        const o = j * width;
        for (let k = 0; k < width; k++) if ((x[k] as number) < (w[o + k] as number)) w[o + k] = x[k] as number;
        this.lastUsed[j] = this.presentations;
        resonant = true;
      }
    }
    this.match = bestMatch;
    this.levelMatch = bestLevel;
    if (best >= 0) this.lastBest = best;
    if (this.count === 0) {
      // The first input ever presented founds the first cluster, learned or not (an empty ART has nothing to match against).
      this.commit(++this.clusters);
      return 'novel';
    }
    if (!learn) return 'unlearned';
    if (resonant) return 'resonant';
    if (best >= 0 && bestMatch >= this.lower) {
      this.commit(this.cluster[best] as number);
      return 'variant';
    }
    this.commit(++this.clusters);
    return 'novel';
  }

  /** Category j's match on the newest level alone (e): |min(x, w)|₁ / |w|₁ over that element and its complement. */
  private levelOf(j: number): number {
    const x = this.x;
    const w = this.weights;
    const o = j * this.width;
    const e1 = this.dim - 1;
    const e2 = this.width - 1;
    const wa = w[o + e1] as number;
    const wb = w[o + e2] as number;
    const den = wa + wb;
    return den === 0 ? 0 : (Math.min(x[e1] as number, wa) + Math.min(x[e2] as number, wb)) / den;
  }

  /** (|min(x, w)|₁ / |w|₁)³ for category j. */
  private shapeOf(j: number): number {
    const x = this.x;
    const w = this.weights;
    const width = this.width;
    const o = j * width;
    let num = 0;
    let den = 0;
    for (let k = 0; k < width; k++) {
      const a = x[k] as number;
      const b = w[o + k] as number;
      num += a < b ? a : b;
      den += b;
    }
    const f = num / (den === 0 ? 0.001 : den);
    return f * f * f;
  }

  /** Stores the current input as a category of `cluster`, in a free slot or over the one unused longest. */
  private commit(cluster: number): void {
    let slot = this.count;
    if (slot === this.maxCategories) {
      slot = 0;
      for (let j = 1; j < this.count; j++) if ((this.lastUsed[j] as number) < (this.lastUsed[slot] as number)) slot = j;
    } else this.reserve(++this.count);
    this.weights.set(this.x, slot * this.width);
    this.cluster[slot] = cluster;
    this.lastUsed[slot] = this.presentations;
  }

  /** Rescales the categories' elements [from, to) for inputs that are now a·x + b (a ≥ 0): boxes map exactly. */
  rescale(from: number, to: number, a: number, b: number): void {
    const d = this.dim;
    const w = this.weights;
    for (let j = 0; j < this.count; j++) {
      const o = j * this.width;
      for (let k = from; k < to; k++) {
        w[o + k] = a * (w[o + k] as number) + b;
        // The complement holds 1 − (largest value): it maps to 1 − (a · largest + b).
        w[o + d + k] = 1 - a * (1 - (w[o + d + k] as number)) - b;
      }
    }
  }
}
