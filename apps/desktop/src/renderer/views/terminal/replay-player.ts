/**
 * Timed replay of a terminal recording: writes each output event after the delay it had in the session,
 * idle gaps capped (a session left alone for an hour replays its next output after MAX_GAP_S), at a
 * chosen speed, with pause. Events arrive page by page (the API's recording pages); the player asks for
 * more (`onLow`) before it runs out. No DOM: timers come from `clock`, so it is tested with a fake one.
 */

/** One output event: seconds since the start of the recording, and the text it printed. */
export interface ReplayEvent {
  readonly t: number;
  readonly data: string;
}

export interface ReplayClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReplayState {
  readonly playing: boolean;
  /** Every event is written and no page is left. */
  readonly done: boolean;
  readonly speed: number;
  /** Replay time written so far and known in all (gaps capped), seconds. */
  readonly position: number;
  readonly duration: number;
  /** Playing but out of events until the next page arrives. */
  readonly waiting: boolean;
}

export interface ReplayOptions {
  write(data: string): void;
  onState?(state: ReplayState): void;
  /** Fewer than LOW_WATER events are left and more pages exist. */
  onLow?(): void;
  /** Longest pause between two events, seconds of recording (default 2). */
  readonly maxGapS?: number;
  readonly clock?: ReplayClock;
}

export const REPLAY_SPEEDS = [0.5, 1, 2, 4, 8, 16] as const;
const MAX_GAP_S = 2;
const LOW_WATER = 2000;
/** Events due within this long of each other are written together, ms (one timer per burst, not per event). */
const BATCH_MS = 8;

const realClock: ReplayClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The output events of one page of an asciicast v2 recording (the header, input and resize lines skipped; a cut last line ignored). */
export function castEvents(cast: string): ReplayEvent[] {
  const out: ReplayEvent[] = [];
  const lines = cast.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('[')) continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (Array.isArray(e) && typeof e[0] === 'number' && e[1] === 'o' && typeof e[2] === 'string') out.push({ t: e[0], data: e[2] });
    } catch {
      // a line cut short by a crash: the replay ends there
    }
  }
  return out;
}

export class ReplayPlayer {
  private readonly events: ReplayEvent[] = [];
  /** Replay time of each event: recording time with every gap capped at maxGap, seconds. */
  private readonly at: number[] = [];
  /** Index of the next event to write. */
  private next = 0;
  private last = false;
  private playing = false;
  private skipping = false;
  private speed = 1;
  private timer: unknown = null;
  /** Where the play head is (replay seconds) at clock time `anchorMs`; while paused, where it stopped. */
  private anchorS = 0;
  private anchorMs = 0;
  private readonly clock: ReplayClock;
  private readonly maxGap: number;

  constructor(private readonly o: ReplayOptions) {
    this.clock = o.clock ?? realClock;
    this.maxGap = o.maxGapS ?? MAX_GAP_S;
  }

  get state(): ReplayState {
    return {
      playing: this.playing,
      done: this.last && this.next >= this.events.length,
      speed: this.speed,
      position: this.next > 0 ? (this.at[this.next - 1] as number) : 0,
      duration: this.at.at(-1) ?? 0,
      waiting: this.playing && this.next >= this.events.length && !this.last,
    };
  }

  /** A page of events; `last`: no page follows. */
  append(events: readonly ReplayEvent[], last: boolean): void {
    for (const e of events) {
      const prev = this.events.at(-1);
      this.at.push(prev ? (this.at.at(-1) as number) + Math.min(Math.max(0, e.t - prev.t), this.maxGap) : 0);
      this.events.push(e);
    }
    this.last = this.last || last;
    if (this.skipping) this.writeUpTo(this.events.length);
    else if (this.playing && this.timer === null) {
      // Waiting for this page: the play head stood still meanwhile.
      this.anchorS = Math.max(this.anchorS, this.state.position);
      this.anchorMs = this.clock.now();
      this.schedule();
    }
    this.checkLow();
    this.emit();
  }

  play(): void {
    if (this.playing || this.skipping) return;
    this.playing = true;
    this.anchorMs = this.clock.now();
    this.schedule();
    this.emit();
  }

  pause(): void {
    if (!this.playing) return;
    this.anchorS = this.head();
    this.playing = false;
    this.cancel();
    this.emit();
  }

  setSpeed(speed: number): void {
    if (!(speed > 0) || speed === this.speed) return;
    if (this.playing) {
      this.anchorS = this.head();
      this.anchorMs = this.clock.now();
      this.cancel();
      this.speed = speed;
      this.schedule();
    } else {
      this.speed = speed;
    }
    this.emit();
  }

  /** Write everything at once, and each page that still comes as it arrives. */
  skipToEnd(): void {
    this.cancel();
    this.skipping = true;
    this.playing = false;
    this.writeUpTo(this.events.length);
    this.emit();
  }

  stop(): void {
    this.playing = false;
    this.cancel();
  }

  /** The play head now, replay seconds (never past the next unwritten event). */
  private head(): number {
    const moved = this.playing ? ((this.clock.now() - this.anchorMs) / 1000) * this.speed : 0;
    const next = this.at[this.next];
    return next === undefined ? this.anchorS + moved : Math.min(next, this.anchorS + moved);
  }

  private cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (!this.playing || this.timer !== null) return;
    const due = this.at[this.next];
    if (due === undefined) {
      if (this.last) this.playing = false;
      this.emit();
      return;
    }
    const ms = ((due - this.anchorS) / this.speed) * 1000 - (this.clock.now() - this.anchorMs);
    if (ms <= 0) this.tick();
    else this.timer = this.clock.setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = null;
    // Every event due by now, and those due within BATCH_MS after it (one write per burst).
    const until = this.head() + (BATCH_MS / 1000) * this.speed;
    let end = this.next + 1;
    while (end < this.events.length && (this.at[end] as number) <= until) end++;
    this.writeUpTo(end);
    this.schedule();
    this.emit();
  }

  private writeUpTo(end: number): void {
    let text = '';
    for (; this.next < end; this.next++) text += (this.events[this.next] as ReplayEvent).data;
    if (text) this.o.write(text);
    this.checkLow();
  }

  private checkLow(): void {
    if (!this.last && this.events.length - this.next < LOW_WATER) this.o.onLow?.();
  }

  private emit(): void {
    this.o.onState?.(this.state);
  }
}
