import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChartSeries } from '../state/types';
import { appendSample, chartSeriesFrom } from './chart-series';
import { linePixels, timeScale, valueScale } from './scale';

const plot = { left: 10, top: 0, width: 100, height: 50 };

function raw(t: number[], v: number[]): ChartSeries {
  return chartSeriesFrom('cpu.util_pct', { kind: 'raw', t, v });
}

test('points map to pixels: time left to right, percent bottom to top', () => {
  const x = timeScale(0, 10_000, plot);
  const y = valueScale([], 'pct', plot);
  const [run] = linePixels(raw([0, 5_000, 10_000], [0, 50, 100]), [0, 50, 100], x, y);
  assert.deepEqual(run, [10, 50, 60, 25, 110, 0]);
});

test('a gap of more than five sampling steps breaks the line; points outside the range are left out', () => {
  const x = timeScale(1_000, 20_000, plot);
  const y = valueScale([], 'pct', plot);
  const s = raw([0, 1_000, 2_000, 3_000, 15_000, 16_000], [1, 2, 3, 4, 5, 6]);
  const runs = linePixels(s, s.v, x, y);
  assert.equal(runs.length, 2);
  assert.equal((runs[0] as number[]).length / 2, 3, 'the point at t=0 is outside');
  assert.equal((runs[1] as number[]).length / 2, 2);
});

test('rate charts scale to the largest value shown, envelope included', () => {
  const s = chartSeriesFrom('net.rx_bps{if=eth0}', { kind: 'buckets', bucketMs: 1000, t: [0], min: [0], max: [5_000_000], avg: [100], last: [100], n: [10] });
  const y = valueScale([s], 'bytesPerSec', plot);
  assert.ok((y.domain()[1] as number) >= 5_000_000);
});

test('live samples extend raw lines, fold into the last bucket, and slide the window', () => {
  const r = appendSample(raw([1_000, 2_000], [1, 2]), 3_000, 3, 1_500);
  assert.deepEqual([r.t, r.v], [[2_000, 3_000], [2, 3]]);
  assert.equal(appendSample(r, 3_000, 9, 0), r, 'a sample not newer than the last is ignored');
  const b = chartSeriesFrom('k', { kind: 'buckets', bucketMs: 10_000, t: [0, 10_000], min: [1, 2], max: [1, 4], avg: [1, 3], last: [1, 4], n: [1, 2] });
  const folded = appendSample(b, 15_000, 6, 0);
  assert.deepEqual([folded.t, folded.v, folded.lo, folded.hi, folded.n], [[0, 10_000], [1, 4], [1, 2], [1, 6], [1, 3]]);
  const opened = appendSample(b, 31_000, 7, 0);
  assert.deepEqual(opened.t, [0, 10_000, 30_000], 'new buckets stay on the grid');
});
