/**
 * Retained memory, for benchmarks and leak tests: the V8 heap in use plus ArrayBuffer memory (typed arrays
 * over 64 bytes keep their data outside the heap), after full GCs. ArrayBuffer memory of earlier garbage is
 * released after a GC, off the main path, so the GC is run a few times with a pause between.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

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
