import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IngestStatsView } from '@cerebro/shared/api/contract';
import { consoleHealth } from './console-health';

const GiB = 2 ** 30;
function stats(heapUsed: number, loop: IngestStatsView['eventLoop'] | undefined, memory = true): IngestStatsView {
  return {
    connectedCollectors: 1, batches: 1, samples: 1, duplicateBatches: 0, rejectedFrames: {}, rejectedSamples: 0, readPauses: 0, tableDeltas: 0, tableDeltasMissed: 0, samplesPerSec: 1, walEntries: 0,
    store: { series: 1, headSamples: 1, headBytes: 1, blocks: 0 },
    ...(memory ? { memory: { rssBytes: 3 * GiB, heapUsedBytes: heapUsed, heapLimitBytes: 4 * GiB, arrayBuffersBytes: 0 } } : {}),
    ...(loop ? { eventLoop: loop } : {}),
  };
}

test('console health: heap and lateness shown; strained past 75 % of the heap limit or 1 s late, each saying what to do', () => {
  assert.equal(consoleHealth(null), null);
  assert.equal(consoleHealth(stats(GiB, undefined, false)), null, 'a console that reports no memory shows nothing');
  const fresh = consoleHealth(stats(0.5 * GiB, { p50Ms: 0, p99Ms: 0, maxMs: 0, windowSec: 0 }))!;
  assert.equal(fresh.text, '512 MiB of 4.00 GiB', 'no lateness before the first 10-s window');
  assert.equal(fresh.strained, false);
  const ok = consoleHealth(stats(0.5 * GiB, { p50Ms: 0.3, p99Ms: 40, maxMs: 760.4, windowSec: 10 }))!;
  assert.equal(ok.text, '512 MiB of 4.00 GiB · late ≤ 760 ms');
  assert.equal(ok.strained, false);
  assert.match(ok.title, /up to 760 ms late in the last 10 s \(p99 40 ms\)/);
  const late = consoleHealth(stats(0.5 * GiB, { p50Ms: 1, p99Ms: 900, maxMs: 1500, windowSec: 10 }))!;
  assert.equal(late.strained, true);
  assert.match(late.title, /Behind its collectors.*fewer hosts/);
  assert.doesNotMatch(late.title, /Near its memory limit/);
  const full = consoleHealth(stats(3.2 * GiB, { p50Ms: 1, p99Ms: 10, maxMs: 50, windowSec: 10 }))!;
  assert.equal(full.strained, true);
  assert.match(full.title, /\(80 %\)/);
  assert.match(full.title, /Near its memory limit/);
});
