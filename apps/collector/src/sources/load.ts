/** Run-queue load averages from /proc/loadavg. */
import type { CollectOutput, Source, SourceContext } from './source';
import { KeptFile } from './read';

export interface LoadAvg {
  /** Average runnable + uninterruptible tasks over 1, 5 and 15 minutes. */
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

export function parseLoadavg(text: string): LoadAvg {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (a === undefined || b === undefined || c === undefined || [a, b, c].some(Number.isNaN)) {
    throw new Error(`unexpected /proc/loadavg: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { load1: a, load5: b, load15: c };
}

export class LoadSource implements Source {
  readonly name = 'load';
  private readonly file: KeptFile;

  constructor(ctx: SourceContext) {
    this.file = new KeptFile(`${ctx.procRoot}/loadavg`, 256);
  }

  collect(out: CollectOutput): void {
    const l = parseLoadavg(this.file.read());
    out.gauge('load.1', l.load1);
    out.gauge('load.5', l.load5);
    out.gauge('load.15', l.load15);
  }

  close(): void {
    this.file.close();
  }
}
