/**
 * Turns monotonic kernel counters into per-second rates between two ticks. A counter seen for the first
 * time, or one that went backwards (reboot, driver reset, 32-bit wrap), gives no rate for that tick.
 */
export class Rates {
  private prev = new Map<string, number>();
  private next = new Map<string, number>();
  private prevMs: number | null = null;
  private curMs = 0;
  private elapsedS = 0;

  /** Start a tick at `nowMs` (ms since the epoch). A tick that never reaches end() is forgotten. */
  begin(nowMs: number): void {
    this.next.clear();
    this.curMs = nowMs;
    this.elapsedS = this.prevMs === null ? 0 : (nowMs - this.prevMs) / 1000;
  }

  /** Seconds since the previous tick (0 on the first). */
  get elapsedSeconds(): number {
    return this.elapsedS;
  }

  /** Increase of counter `key` since the previous tick, or null (first sight, reset). */
  delta(key: string, value: number): number | null {
    this.next.set(key, value);
    const before = this.prev.get(key);
    if (before === undefined || value < before) return null;
    return value - before;
  }

  /** Per-second rate of counter `key`, or null (first sight, reset, no time elapsed). */
  rate(key: string, value: number): number | null {
    const d = this.delta(key, value);
    if (d === null || this.elapsedS <= 0) return null;
    return d / this.elapsedS;
  }

  /** Finish the tick: counters not seen in it (a removed interface) are forgotten. */
  end(): void {
    this.prevMs = this.curMs;
    const old = this.prev;
    this.prev = this.next;
    old.clear();
    this.next = old;
  }
}
