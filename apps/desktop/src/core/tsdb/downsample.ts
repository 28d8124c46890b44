import type { BucketQueryResult } from './types';

/**
 * Width (ms, integer ≥ 1) of buckets aligned to multiples of itself, so that at most `maxPoints`
 * of them cover [from, to]. Alignment keeps bucket edges fixed while a chart's window slides.
 */
export function bucketWidth(from: number, to: number, maxPoints: number): number {
  const points = Math.max(1, Math.floor(maxPoints));
  let width = Math.max(1, Math.ceil((to - from + 1) / points));
  while (Math.floor(to / width) - Math.floor(from / width) + 1 > points) width++;
  return width;
}

/** Aggregates sorted samples into equal-width buckets; one entry per non-empty bucket. */
export function downsample(t: readonly number[], v: readonly number[], width: number): BucketQueryResult {
  const out: BucketQueryResult = { kind: 'buckets', bucketMs: width, t: [], min: [], max: [], avg: [], last: [], n: [] };
  let i = 0;
  while (i < t.length) {
    const start = Math.floor(t[i]! / width) * width;
    const end = start + width;
    let min = v[i]!;
    let max = min;
    let sum = 0;
    let n = 0;
    let last = min;
    for (; i < t.length && t[i]! < end; i++) {
      const x = v[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
      last = x;
      n++;
    }
    out.t.push(start);
    out.min.push(min);
    out.max.push(max);
    out.avg.push(sum / n);
    out.last.push(last);
    out.n.push(n);
  }
  return out;
}
