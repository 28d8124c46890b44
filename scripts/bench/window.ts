/**
 * One measurement window over a process tree: `warmupSec` excluded, then `seconds` measured, with a
 * progress callback every `progressEverySec`. Bounded by time; stops early (with an error) if the process dies.
 */
import { cpuPctOfCore, TreeSampler, type TreeUsage } from './proc-usage';
import { sleep } from './spawned';

export interface WindowResult {
  /** CPU of the tree over the measured window, percent of one core. */
  readonly cpuPctOfCore: number;
  /** CPU seconds of the tree over the window. */
  readonly cpuSec: number;
  /** Wall seconds of the window. */
  readonly wallSec: number;
  /** Peak RSS, MiB, from start (warm-up included: start-up allocations count). */
  readonly peakRssMB: number;
  /** Largest anonymous RSS sampled (no file-backed pages), MiB. */
  readonly peakRssAnonMB: number;
  readonly start: TreeUsage;
  readonly end: TreeUsage;
}

export interface WindowOptions {
  readonly pid: number;
  readonly warmupSec: number;
  readonly seconds: number;
  readonly progressEverySec?: number;
  /** Called when the window opens (after warm-up) and closes. */
  readonly onOpen?: () => void;
  readonly onClose?: () => void;
  readonly onProgress?: (elapsedSec: number, cpuPctSoFar: number, usage: TreeUsage) => void | Promise<void>;
  /** Sampling interval for the RSS peak, ms. */
  readonly sampleEveryMs?: number;
}

export async function measureWindow(o: WindowOptions): Promise<WindowResult> {
  const sampler = new TreeSampler(o.pid, o.sampleEveryMs ?? 1000);
  sampler.start();
  try {
    await sleep(o.warmupSec * 1000);
    const start = sampler.sample();
    if (!start) throw new Error(`process ${o.pid} exited during the warm-up`);
    o.onOpen?.();
    const every = (o.progressEverySec ?? 10) * 1000;
    const endAt = start.atMs + o.seconds * 1000;
    let nextProgress = start.atMs + every;
    // Bounded: at most seconds / 0.25 s iterations.
    for (let now = performance.now(); now < endAt; now = performance.now()) {
      await sleep(Math.max(1, Math.min(250, endAt - now)));
      if (performance.now() >= nextProgress && performance.now() < endAt) {
        nextProgress += every;
        const u = sampler.sample();
        if (!u) throw new Error(`process ${o.pid} exited during the measurement`);
        await o.onProgress?.((u.atMs - start.atMs) / 1000, cpuPctOfCore(start, u), u);
      }
    }
    const end = sampler.sample();
    o.onClose?.();
    if (!end) throw new Error(`process ${o.pid} exited during the measurement`);
    return { cpuPctOfCore: cpuPctOfCore(start, end), cpuSec: end.cpuSec - start.cpuSec, wallSec: (end.atMs - start.atMs) / 1000, peakRssMB: sampler.peakRssMB(), peakRssAnonMB: sampler.peakRssAnonKb / 1024, start, end };
  } finally {
    sampler.stop();
  }
}
