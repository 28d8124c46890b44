/**
 * Memory figures. `settledHeapBytes`, retained memory for benchmarks and leak tests: the V8 heap in use plus ArrayBuffer memory (typed arrays
 * over 64 bytes keep their data outside the heap), after full GCs. ArrayBuffer memory of earlier garbage is
 * released after a GC, off the main path, so the GC is run a few times with a pause between. `consoleMemory` and
 * `EventLoopWindow`, the console's own memory and event-loop delay for /stats.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { ConsoleMemoryView, EventLoopView } from '@cerebro/shared/api/contract';

export async function settledHeapBytes(): Promise<number> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The process's memory as /stats reports it (no GC forced: what the process holds now). */
export function consoleMemory(): ConsoleMemoryView {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapLimitBytes: v8.getHeapStatistics().heap_size_limit, arrayBuffersBytes: m.arrayBuffers };
}

/**
 * The event loop's delay over windows of `windowTicks` calls of `tick()` (one a second): the last complete
 * window's median, 99th percentile and maximum. A 10 ms timer records how late it ran. Not Node's
 * monitorEventLoopDelay: its reset forgets the next interval, so a block right after the window's tick (where
 * the console's maintenance runs) went unrecorded (checked: a 300 ms block read as 11.5 ms).
 */
export class EventLoopWindow {
  private readonly histogram: RecordableHistogram = createHistogram();
  private ticks = 0;
  private startedMs = Date.now();
  private timer: NodeJS.Timeout | null = null;
  last: EventLoopView = { p50Ms: 0, p99Ms: 0, maxMs: 0, windowSec: 0 };

  constructor(private readonly windowTicks: number) {
    let expected = performance.now() + LOOP_PROBE_MS;
    const probe = (): void => {
      const now = performance.now();
      // In µs (the histogram records integers ≥ 1).
      this.histogram.record(Math.max(1, Math.round((now - expected) * 1000)));
      expected = now + LOOP_PROBE_MS;
      this.timer = setTimeout(probe, LOOP_PROBE_MS).unref();
    };
    this.timer = setTimeout(probe, LOOP_PROBE_MS).unref();
  }

  tick(): void {
    if (++this.ticks < this.windowTicks) return;
    const h = this.histogram;
    const ms = (us: number): number => Math.round(us / 10) / 100;
    const now = Date.now();
    if (h.count > 0) this.last = { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), windowSec: Math.round((now - this.startedMs) / 100) / 10 };
    h.reset();
    this.ticks = 0;
    this.startedMs = now;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

const LOOP_PROBE_MS = 10;
