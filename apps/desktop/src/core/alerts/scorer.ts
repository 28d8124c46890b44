/**
 * Scores every ingested sample with one streaming detector per (host, series) and turns the scores into
 * alert transitions through hysteresis (hysteresis.ts). Pure and synchronous: it calls `onEvent` for
 * open / resolve; persistence (detector-store.ts) and documents (alert-store.ts) live elsewhere.
 *
 * Hot path: a collector sends the same key list every frame, so per host the scorer caches the key array
 * of the last batch with its resolved entries; a batch with the same keys (compared with ===, as the
 * store does) costs no Map lookup at all, a new key list one lookup per sample.
 *
 * Memory: one entry per series (a detector of ~50 numbers, ~0.9 KB, plus ~10 fields here); beyond `maxSeries`
 * new series are not scored and counted in `refusedSeries` (the error says which limit to raise).
 */
import type { DetectorKind, StreamingDetector } from '@cerebro/shared/analytics/detectors/detector';
import type { LogAlertEvidence } from '@cerebro/shared/api/contract';
import { consoleDetector } from './detector-kind';
import { DEFAULT_HYSTERESIS, newHysteresis, stepHysteresis, type HysteresisParams, type HysteresisState } from './hysteresis';
import { sameKeyList } from '../key-list';
import { levelFloorFactor, minSamplesFor, scaleFloor } from '../series-floors';

/** Most deviating [t, v] pairs kept as an alert's evidence. */
export const MAX_EVIDENCE_POINTS = 20;
/** Peak score from which an alert is critical rather than a warning. */
export const CRITICAL_SCORE = 0.8;
/** Weight of a new sample in the baseline shown as evidence (an EWMA of the series outside alerts, ~100 samples). */
const BASELINE_ALPHA = 0.01;

export interface ScorerOptions {
  readonly detector: DetectorKind;
  readonly hysteresis: HysteresisParams;
  /** Series scored at most, over all hosts. */
  readonly maxSeries: number;
  /**
   * The smallest deviation from the series' baseline that may hold an alert open or open one, in the
   * series' unit (series-floors.ts; 0: any). A sample closer to the baseline scores 0 for the hysteresis,
   * whatever the detector says.
   */
  readonly minDeviation: (key: string) => number;
  /**
   * The floor also grows to this factor times the square root of the series' level (series-floors.ts:
   * counts move by about the root of their level on their own; 0: a fixed floor).
   */
  readonly levelDeviation: (key: string) => number;
  /** Samples in a row ≥ enter that open an alert on this series, or null for the hysteresis' minSamples (series-floors.ts: disk I/O rates need 3). */
  readonly minSamples: (key: string) => number | null;
}

export const DEFAULT_SCORER_OPTIONS: ScorerOptions = { detector: consoleDetector(), hysteresis: DEFAULT_HYSTERESIS, maxSeries: 100_000, minDeviation: scaleFloor, levelDeviation: levelFloorFactor, minSamples: minSamplesFor };

/** What an alert knows when it opens or resolves. */
export interface AlertEvent {
  readonly type: 'open' | 'resolve';
  readonly hostId: string;
  readonly seriesKey: string;
  /** The open alert's id (assigned at open, carried to resolve). */
  readonly alertId: string;
  /** Sample time of the transition, ms since the epoch. */
  readonly tsMs: number;
  readonly startMs: number;
  readonly peakScore: number;
  readonly lastScore: number;
  /** The series' level before the deviation (EWMA of samples outside alerts), in the series' unit. */
  readonly baseline: number;
  /** Deviating samples, [ms since the epoch, value], the first MAX_EVIDENCE_POINTS. */
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Log alerts (core/logs/log-rules.ts): the template and sample lines. */
  readonly log?: LogAlertEvidence;
}

/** One scored series. Exported for the detector store. */
export interface ScoredSeries {
  readonly hostId: string;
  readonly key: string;
  detector: StreamingDetector;
  /** Samples fed, saturating at the detector's warm-up (only the comparison matters). */
  n: number;
  /** This series' enter threshold (raised by noise feedback). */
  enter: number;
  /** Deviations from the baseline smaller than this do not count (ScorerOptions.minDeviation). */
  readonly floor: number;
  /** ... nor smaller than this times the root of the baseline (ScorerOptions.levelDeviation). */
  readonly levelFloor: number;
  /** Samples in a row ≥ enter that open (ScorerOptions.minSamples, else the hysteresis'). */
  readonly minSamples: number;
  baseline: number;
  /** Time of the last sample (ms; 0: none yet since start). */
  lastMs: number;
  /** The series' sampling interval (ms; 0: not known yet): hysteresis counts each sample for this long. */
  stepMs: number;
  readonly hyst: HysteresisState;
  /** Set while an alert is open. */
  alertId: string | null;
  startMs: number;
  peak: number;
  last: number;
  points: Array<[number, number]>;
  /** Changed since the last `takeDirtyOpen` (peak, last or points of an open alert). */
  dirty: boolean;
}

/** The persisted part of a series (detector-store.ts). */
export interface SavedSeries {
  readonly d: unknown;
  readonly n: number;
  readonly enter: number;
  readonly baseline: number;
  readonly alertId: string | null;
  readonly startMs: number;
  /** The sampling interval (absent in states saved before it was kept: learnt again). */
  readonly stepMs?: number;
}

export interface ScorerStats {
  readonly series: number;
  /** Series still in warm-up (never alerting). */
  readonly learning: number;
  readonly openAlerts: number;
  readonly samples: number;
  /** Samples of series refused for the maxSeries limit. */
  readonly refusedSamples: number;
  /** Distinct series refused for the maxSeries limit (counted once each while the process runs, up to 10 k). */
  readonly refusedSeries: number;
}

export class ScorerLimitError extends Error {
  override readonly name = 'ScorerLimitError';
}

/** Returned for a series already refused: counted, not reported again. */
const REFUSED_AGAIN = new ScorerLimitError('series already refused');

let alertSeq = 0;
function newAlertId(hostId: string, key: string, tsMs: number): string {
  alertSeq = (alertSeq + 1) % 1e6;
  return `${tsMs.toString(36)}-${alertSeq.toString(36)}-${hash(hostId + '\0' + key)}`;
}
function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

export class AlertScorer {
  readonly options: ScorerOptions;
  private readonly hosts = new Map<string, Map<string, ScoredSeries>>();
  private readonly keyCache = new Map<string, { keys: readonly string[]; entries: Array<ScoredSeries | null> }>();
  private count = 0;
  private samples = 0;
  private refusedSamples = 0;
  private readonly refused = new Set<string>();
  private open = 0;

  constructor(
    private readonly onEvent: (e: AlertEvent) => void,
    options: Partial<ScorerOptions> = {},
  ) {
    this.options = { ...DEFAULT_SCORER_OPTIONS, ...options };
  }

  /** Scores one batch of a host (the same arrays the store appended). Returns a limit error when a series is refused for the first time. */
  scoreBatch(hostId: string, tsMs: number, keys: readonly string[], values: readonly number[]): ScorerLimitError | null {
    const n = Math.min(keys.length, values.length);
    let cache = this.keyCache.get(hostId);
    if (cache === undefined || !sameKeyList(cache.keys, keys, n)) {
      cache = { keys, entries: new Array<ScoredSeries | null>(n).fill(null) };
      this.keyCache.set(hostId, cache);
    }
    const entries = cache.entries;
    let error: ScorerLimitError | null = null;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      let s = entries[i];
      if (s === null || s === undefined) {
        const r = this.resolve(hostId, keys[i]!);
        if (r instanceof ScorerLimitError) {
          this.refusedSamples++;
          if (r !== REFUSED_AGAIN) error ??= r;
          continue;
        }
        s = entries[i] = r;
      }
      this.feed(s, tsMs, v);
    }
    this.samples += n;
    return error;
  }

  private feed(s: ScoredSeries, tsMs: number, v: number): void {
    const raw = s.detector.update(tsMs, v);
    if (s.lastMs > 0 && tsMs > s.lastMs) s.stepMs = nextStep(s.stepMs, tsMs - s.lastMs);
    s.lastMs = tsMs;
    const warm = this.options.detector.warmupSamples;
    if (s.n < warm) {
      s.n++;
      s.baseline = s.n === 1 ? v : s.baseline + (v - s.baseline) / s.n;
      return;
    }
    // Too small a move to matter (series-floors.ts): it neither opens an alert nor holds one open.
    const floor = s.levelFloor > 0 ? Math.max(s.floor, s.levelFloor * Math.sqrt(Math.abs(s.baseline))) : s.floor;
    const score = Math.abs(v - s.baseline) >= floor ? raw : 0;
    const p = this.options.hysteresis;
    const h = s.hyst;
    if (h.open) {
      s.last = score;
      if (score > s.peak) s.peak = score;
      if (score >= p.exit && s.points.length < MAX_EVIDENCE_POINTS) s.points.push([tsMs, v]);
      s.dirty = true;
    } else if (score >= (p.sustainSamples > 0 ? p.sustainRatio * s.enter : s.enter)) {
      // A possible episode (hysteresis.ts: two samples ≥ enter, or a sustained run at the lower level).
      if (p.sustainSamples > 0 ? h.sustained === 0 : h.above === 0) {
        s.points = [];
        s.startMs = tsMs;
        s.peak = 0;
      }
      if (s.points.length < MAX_EVIDENCE_POINTS) s.points.push([tsMs, v]);
      if (score > s.peak) s.peak = score;
      s.last = score;
    } else {
      s.baseline += BASELINE_ALPHA * (v - s.baseline);
    }
    const t = stepHysteresis(h, score, p, s.enter, s.stepMs, s.minSamples);
    if (t === 'open') {
      s.alertId = newAlertId(s.hostId, s.key, tsMs);
      this.open++;
      s.dirty = false;
      this.onEvent(this.event('open', s, tsMs));
    } else if (t === 'resolve') {
      this.open--;
      this.onEvent(this.event('resolve', s, tsMs));
      s.alertId = null;
      s.points = [];
      s.dirty = false;
    }
  }

  private event(type: AlertEvent['type'], s: ScoredSeries, tsMs: number): AlertEvent {
    return { type, hostId: s.hostId, seriesKey: s.key, alertId: s.alertId as string, tsMs, startMs: s.startMs, peakScore: s.peak, lastScore: s.last, baseline: s.baseline, points: s.points.slice() };
  }

  private resolve(hostId: string, key: string): ScoredSeries | ScorerLimitError {
    let host = this.hosts.get(hostId);
    const found = host?.get(key);
    if (found) return found;
    if (this.count >= this.options.maxSeries) {
      const id = hostId + '\0' + key;
      if (this.refused.has(id) || this.refused.size >= 10_000) return REFUSED_AGAIN;
      this.refused.add(id);
      return new ScorerLimitError(`anomaly scoring: series ${key} of host ${hostId} is not scored: ${this.options.maxSeries} series are scored already (the scorer's maxSeries); raise it or reduce the series collectors send`);
    }
    if (!host) {
      host = new Map();
      this.hosts.set(hostId, host);
    }
    const s = newSeries(hostId, key, this.options.detector.create(), this.options.hysteresis.enter, this.floors(key));
    host.set(key, s);
    this.count++;
    return s;
  }

  private floors(key: string): SeriesFloors {
    const o = this.options;
    return { floor: o.minDeviation(key), levelFloor: o.levelDeviation(key), minSamples: o.minSamples(key) ?? o.hysteresis.minSamples };
  }

  /** Restores a saved series (at start, before any batch); false (and a fresh start) when the state is unusable. */
  restore(hostId: string, key: string, saved: SavedSeries): boolean {
    const d = this.options.detector.fromJSON(saved.d);
    if (!d.ok || this.count >= this.options.maxSeries || this.hosts.get(hostId)?.has(key)) return false;
    const s = newSeries(hostId, key, d.value, clamp(saved.enter, this.options.hysteresis.enter, 1), this.floors(key));
    s.n = Math.min(Math.max(0, Math.floor(saved.n)), this.options.detector.warmupSamples);
    s.baseline = Number.isFinite(saved.baseline) ? saved.baseline : 0;
    s.stepMs = typeof saved.stepMs === 'number' && Number.isFinite(saved.stepMs) && saved.stepMs > 0 ? saved.stepMs : 0;
    if (saved.alertId !== null) {
      s.alertId = saved.alertId;
      s.hyst.open = true;
      s.startMs = saved.startMs;
      this.open++;
    }
    let host = this.hosts.get(hostId);
    if (!host) {
      host = new Map();
      this.hosts.set(hostId, host);
    }
    host.set(key, s);
    this.count++;
    return true;
  }

  /** Every series with its persisted part, for the detector store. */
  *saved(): Generator<[hostId: string, key: string, saved: SavedSeries]> {
    for (const [hostId, host] of this.hosts) {
      for (const [key, s] of host) yield [hostId, key, { d: s.detector.toJSON(), n: s.n, enter: s.enter, baseline: s.baseline, alertId: s.alertId, startMs: s.startMs, stepMs: s.stepMs }];
    }
  }

  /** Open alerts whose peak, last score or evidence changed since the last call. */
  takeDirtyOpen(): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const host of this.hosts.values()) {
      for (const s of host.values()) {
        if (!s.dirty || s.alertId === null) continue;
        s.dirty = false;
        out.push(this.event('open', s, s.startMs));
      }
    }
    return out;
  }

  /**
   * Noise feedback: halves the series' sensitivity by moving its enter threshold halfway to 1 (0.5 → 0.75
   * → 0.875 …). Returns the new threshold, or null for an unknown series.
   */
  /** A series' enter threshold now (raised by noise feedback), or null when it is not scored. */
  enterThreshold(hostId: string, key: string): number | null {
    return this.hosts.get(hostId)?.get(key)?.enter ?? null;
  }

  desensitize(hostId: string, key: string): number | null {
    const s = this.hosts.get(hostId)?.get(key);
    if (!s) return null;
    s.enter = Math.min(1, 1 - (1 - s.enter) / 2);
    return s.enter;
  }

  /** Undoes one `desensitize` (a noise mark taken back): the margin to 1 doubles, down to the default enter threshold. */
  resensitize(hostId: string, key: string): number | null {
    const s = this.hosts.get(hostId)?.get(key);
    if (!s) return null;
    s.enter = Math.max(this.options.hysteresis.enter, 1 - 2 * (1 - s.enter));
    return s.enter;
  }

  /** Whether a series has finished warm-up (undefined: not scored). */
  warmedUp(hostId: string, key: string): boolean | undefined {
    const s = this.hosts.get(hostId)?.get(key);
    return s === undefined ? undefined : s.n >= this.options.detector.warmupSamples;
  }

  /** Per host: series scored, the keys still learning, and the samples each of them still needs. */
  hostLearning(hostId: string): { series: number; learning: string[]; left: Record<string, number> } {
    const host = this.hosts.get(hostId);
    const warm = this.options.detector.warmupSamples;
    const learning: string[] = [];
    const left: Record<string, number> = {};
    if (host) {
      for (const [key, s] of host) {
        if (s.n >= warm) continue;
        learning.push(key);
        left[key] = warm - s.n;
      }
    }
    return { series: host?.size ?? 0, learning, left };
  }

  /** Series scored so far (cheap, unlike stats()). */
  get seriesCount(): number {
    return this.count;
  }

  stats(): ScorerStats {
    const warm = this.options.detector.warmupSamples;
    let learning = 0;
    for (const host of this.hosts.values()) for (const s of host.values()) if (s.n < warm) learning++;
    return { series: this.count, learning, openAlerts: this.open, samples: this.samples, refusedSamples: this.refusedSamples, refusedSeries: this.refused.size };
  }
}

interface SeriesFloors {
  readonly floor: number;
  readonly levelFloor: number;
  readonly minSamples: number;
}

function newSeries(hostId: string, key: string, detector: StreamingDetector, enter: number, { floor, levelFloor, minSamples }: SeriesFloors): ScoredSeries {
  return { hostId, key, detector, n: 0, enter, floor, levelFloor, minSamples, baseline: 0, lastMs: 0, stepMs: 0, hyst: newHysteresis(), alertId: null, startMs: 0, peak: 0, last: 0, points: [], dirty: false };
}

/** Weight of a longer interval in the sampling interval (a shorter one is taken at once). */
const STEP_ALPHA = 0.1;

/**
 * The sampling interval after a new gap between two samples. It follows a shorter gap at once and a longer
 * one slowly, counting at most twice the current interval: an outage or a restart is not the interval,
 * and a too-long interval would let one sample open an alert (hysteresis.ts, minDurationMs).
 */
export function nextStep(stepMs: number, gapMs: number): number {
  if (stepMs <= 0 || gapMs <= stepMs) return gapMs;
  return stepMs + STEP_ALPHA * (Math.min(gapMs, 2 * stepMs) - stepMs);
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo;
}

