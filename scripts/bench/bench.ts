/** What a benchmark module exports for the dispatcher (run.ts). */
import type { OptionSpec } from './args';
import type { BenchResult } from './report';

export interface Bench {
  readonly name: string;
  /** One line: what it measures. */
  readonly summary: string;
  readonly options: Record<string, OptionSpec>;
  /** Runs it; everything it starts is stopped before it resolves or rejects. */
  run(argv: readonly string[]): Promise<BenchResult>;
}
