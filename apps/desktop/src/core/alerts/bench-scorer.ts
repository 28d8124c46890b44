/**
 * Micro-benchmark (not a test): node --expose-gc --import tsx apps/desktop/src/core/alerts/bench-scorer.ts [--strong]
 * Prints the scorer's cost per sample (detector + hysteresis + key cache) on 500 hosts × 200 series,
 * the shape of a collector's batches (warm-up shortened to 50 samples so most samples take the warm path),
 * and the heap per scored series. With --strong every series is on the stronger tier (alerts/tiers.ts
 * selects only a host's headline series in the console): the figures of that tier alone.
 */
import { consoleDetector, strongConsoleDetector } from './detector-kind';
import { AlertScorer } from './scorer';

const STRONG = process.argv.includes('--strong');

const HOSTS = 500;
const SERIES = 200;
const ROUNDS = 200;

const keys = Array.from({ length: SERIES }, (_, i) => `bench.series_${i}`);
const hostKeys = Array.from({ length: HOSTS }, () => keys.slice());
let alerts = 0;
/** The V8 heap and the ArrayBuffers outside it (the stronger tier keeps its rings and histograms in typed arrays). */
function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
globalThis.gc?.();
const heap0 = memory();
const scorer = new AlertScorer(() => alerts++, {
  maxSeries: HOSTS * SERIES,
  detector: consoleDetector(50),
  strong: STRONG ? { detector: strongConsoleDetector(50), select: () => true, maxSeries: HOSTS * SERIES } : null,
});
let x = 1;
const values = Array.from({ length: SERIES }, () => 0);
let samples = 0;
let ms = 0;
for (let r = 0; r < ROUNDS; r++) {
  for (let h = 0; h < HOSTS; h++) {
    for (let i = 0; i < SERIES; i++) values[i] = 50 + ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 4;
    const t = performance.now();
    scorer.scoreBatch(`host-${h}`, 1_700_000_000_000 + r * 1000, hostKeys[h]!, values);
    ms += performance.now() - t;
    samples += SERIES;
  }
  if (r === 0) {
    globalThis.gc?.();
    const perSeries = (memory() - heap0) / (HOSTS * SERIES);
    console.log(`scorer (${STRONG ? 'stronger tier' : 'cheap tier'}): ${HOSTS * SERIES} series, heap and array buffers ≈ ${perSeries.toFixed(0)} B per scored series (run with --expose-gc for a steadier figure)`);
  }
}
const s = scorer.stats();
console.log(`scorer: ${samples} samples in ${ms.toFixed(0)} ms: ${((ms * 1e6) / samples).toFixed(0)} ns per sample, ${((samples / ms) * 1000 / 1e6).toFixed(2)} M samples/s on one core; ${s.learning} series learning, ${alerts} alerts`);
