/**
 * The per-host log rate limit: a token bucket refilled at `perSec` records a second up to `burst`.
 * Records over it are dropped and counted (per source, so the notice can name the noisy one).
 */

export interface RateLimitOptions {
  /** Records per second allowed on average. */
  readonly perSec: number;
  /** Records allowed at once after a quiet spell. */
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;
  /** Records dropped since start. */
  dropped = 0;
  /** Drops since the last report, by source. */
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly options: RateLimitOptions,
    now: number,
  ) {
    this.tokens = options.burst;
    this.at = now;
  }

  /** Whether one record from `src` may pass at `now` (ms); counts it as dropped if not. */
  take(src: string, now: number): boolean {
    if (now > this.at) {
      this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.at) * this.options.perSec) / 1000);
      this.at = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.dropped++;
    this.recent.set(src, (this.recent.get(src) ?? 0) + 1);
    return false;
  }

  /** Drops since the last call, total and the sources that dropped most; resets the window. */
  takeRecent(): { total: number; top: Array<[string, number]> } | null {
    if (this.recent.size === 0) return null;
    let total = 0;
    for (const n of this.recent.values()) total += n;
    const top = [...this.recent.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    this.recent.clear();
    return { total, top };
  }
}
