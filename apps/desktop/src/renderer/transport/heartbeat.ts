/**
 * When is a live socket dead? Browsers neither send nor show WebSocket ping frames, so the transport pings
 * in the protocol (`{op: 'ping'}` → `{type: 'pong'}`) and calls the socket dead when a ping stays
 * unanswered. Any message counts as a sign of life, so a busy socket is never pinged. Pure and clocked
 * from outside: tested without a socket or timers (heartbeat.test.ts).
 *
 * The deadline runs from the ping, not from the last message: a background tab whose timers the browser
 * slows to once a minute then pings late instead of declaring a healthy socket dead.
 */
export interface HeartbeatTiming {
  /** Quiet time after which a ping is sent, ms. */
  readonly idleMs: number;
  /** Time a ping may stay unanswered before the socket counts as dead, ms. */
  readonly deadAfterMs: number;
}

/** With a 1 s tick, a dead socket is noticed 5–6 s after its last message. */
export const HEARTBEAT_TIMING: HeartbeatTiming = { idleMs: 2_000, deadAfterMs: 3_000 };

export type HeartbeatStep = 'ping' | 'dead' | 'wait';

export class Heartbeat {
  private lastRxMs: number;
  private pingSentMs: number | null = null;

  constructor(
    nowMs: number,
    private readonly timing: HeartbeatTiming = HEARTBEAT_TIMING,
  ) {
    this.lastRxMs = nowMs;
  }

  /** A message arrived (any message: a pong or data). */
  received(nowMs: number): void {
    this.lastRxMs = nowMs;
    this.pingSentMs = null;
  }

  /** Called on every tick: whether to send a ping now, give the socket up, or wait. */
  tick(nowMs: number): HeartbeatStep {
    if (this.pingSentMs !== null) return nowMs - this.pingSentMs >= this.timing.deadAfterMs ? 'dead' : 'wait';
    if (nowMs - this.lastRxMs < this.timing.idleMs) return 'wait';
    this.pingSentMs = nowMs;
    return 'ping';
  }
}
