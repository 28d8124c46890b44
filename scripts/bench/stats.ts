/** Small order statistics for benchmark figures. */

/** Median of the finite values; null for none. */
export function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

/** The p-th percentile (0–100, nearest rank) of the finite values; null for none. */
export function percentile(values: readonly number[] | Float64Array, p: number): number | null {
  const sorted = Float64Array.from(values).filter((v) => Number.isFinite(v)).sort();
  if (sorted.length === 0) return null;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Round to `digits` decimals (figures in reports; null stays null). */
export function round(value: number | null, digits = 2): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
