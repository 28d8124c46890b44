/**
 * Everything a benchmark starts (processes, temp dirs, timers) registers how to undo it here; `run()` undoes
 * it all in reverse order, from `finally` and from SIGINT/SIGTERM/SIGHUP, each step bounded in time.
 */
export type Undo = () => void | Promise<void>;

export class Cleanup {
  private readonly steps: Array<{ what: string; undo: Undo }> = [];
  private running: Promise<void> | null = null;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping everything the benchmark started\n`);
    void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  constructor() {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, this.onSignal);
  }

  add(what: string, undo: Undo): void {
    this.steps.push({ what, undo });
  }

  /** Undo every registered step, newest first; idempotent. */
  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const { what, undo } = this.steps.pop() as { what: string; undo: Undo };
        try {
          await Promise.race([Promise.resolve(undo()), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
        } catch (e) {
          process.stderr.write(`cleanup: ${what} failed: ${(e as Error).message}\n`);
        }
      }
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, this.onSignal);
    })();
    return this.running;
  }
}
