/**
 * The warm-up's restart from its calmer half (the ensemble's and contextual's `warmupReseed`, on in the
 * console, off on NAB): a console started in a busy minute (a browser launching, a deploy) otherwise
 * learns that minute as the series' normal spread and is blind to a real jump for the ~1,000 samples the
 * recent window needs (a core burning 22 s after a 10 s warm-up raised nothing).
 *
 * It keeps sums over the warm-up's second half. At the warm-up's last sample the detector's slow mean and
 * variance are exactly the whole warm-up's (weights 1/n), so the first half's follow from them and the
 * second half's sums: the spread restarts from the calmer half (a burst may come at the start or at the
 * end), the level from where the series is now: the second half's mean when that half is the calmer
 * one, else the first half's if the last sample is back there, else the last sample.
 */

/** What the detector restarts from. */
export interface WarmupRestart {
  /** The slow variance, and the level and slow mean. */
  readonly variance: number;
  readonly level: number;
  /** The calmer half's mean absolute first difference (the step scale is capped by it). */
  readonly meanAbsStep: number;
}

/** The whole warm-up's statistics at its last sample. */
export interface WarmupWhole {
  readonly slowMean: number;
  readonly slowVar: number;
  /** Mean absolute first difference over the warm-up (weights 1/n). */
  readonly dScale: number;
}

export class WarmupHalves {
  /** The second half so far: samples, reference, sums of (x − ref) and its square, sum of |Δx|. */
  n = 0;
  ref = 0;
  s1 = 0;
  s2 = 0;
  d = 0;

  /**
   * Adds the warm-up's sample number `i` (the first sample is 0, which the detectors take as their
   * level: it is not passed), `value` and its first difference `d`, after the detector learnt it. At the
   * warm-up's last sample, the restart when one half was `calmRatio` times calmer in variance than the
   * whole warm-up, else null.
   */
  add(i: number, warmup: number, calmRatio: number, value: number, d: number, whole: WarmupWhole): WarmupRestart | null {
    if (2 * i < warmup) return null;
    if (this.n === 0) this.ref = value;
    const x = value - this.ref;
    this.n++;
    this.s1 += x;
    this.s2 += x * x;
    this.d += Math.abs(d);
    if (i + 1 !== warmup || this.n < 4) return null;
    const n2 = this.n;
    const mean2 = this.s1 / n2;
    const var2 = Math.max(0, this.s2 / n2 - mean2 * mean2);
    const n = i + 1;
    const n1 = n - n2;
    let calmVar = var2;
    let calmD = this.d / n2;
    let now = this.ref + mean2;
    if (n1 >= 4) {
      // Sums of the whole warm-up and of its second half, around the second half's reference.
      const m = whole.slowMean - this.ref;
      const mean1 = (n * m - this.s1) / n1;
      const var1 = Math.max(0, (n * (whole.slowVar + m * m) - this.s2) / n1 - mean1 * mean1);
      if (var1 < var2) {
        calmVar = var1;
        calmD = Math.max(0, whole.dScale * n - this.d) / n1;
        // The busy stretch is in the second half, so its mean is not where the series is now. If the last
        // sample is back within the first half's spread the stretch is over: the level is the first half's
        // (a burst of 400 MiB in minutes 3–4 of a 5-minute warm-up otherwise left the level 130 MiB high,
        // and the return to normal alerted at once). Otherwise the series has moved (a step): the last sample.
        const back = Math.abs(value - this.ref - mean1) <= 3 * Math.sqrt(var1);
        now = back ? this.ref + mean1 : value;
      }
    }
    if (!(calmVar * calmRatio < whole.slowVar)) return null;
    return { variance: calmVar, level: now, meanAbsStep: calmD };
  }

  toArray(): [number, number, number, number, number] {
    return [this.n, this.ref, this.s1, this.s2, this.d];
  }

  /** Restores `toArray()` output (already checked to be finite numbers); false when out of range. */
  load(a: readonly number[]): boolean {
    const [n = 0, ref = 0, s1 = 0, s2 = 0, d = 0] = a;
    if (!Number.isInteger(n) || n < 0 || s2 < 0 || d < 0) return false;
    Object.assign(this, { n, ref, s1, s2, d });
    return true;
  }
}
