/**
 * Scores every ingested sample with one streaming detector per (host, series) and turns the scores into
 * alert transitions through hysteresis (hysteresis.ts). Pure and synchronous: it calls `onEvent` for
 * open / resolve; persistence (detector-store.ts) and documents (alert-store.ts) live elsewhere.
 *
 * Hot path: a collector sends the same key list every frame, so per host the scorer caches the key array
 * of the last batch with its resolved entries; a batch with the same keys (compared with ===, as the
 * store does) costs no Map lookup at all, a new key list one lookup per sample.
 *
 * Two tiers (issue 4): every series is scored by `detector` (the ensemble, ~0.9 KB), except those `strong`
 * selects (tiers.ts: a host's headline series), which `strong.detector` scores instead (contextual, ~8.6 KB,
 * stronger on NAB and with fewer false alarms), up to `strong.maxSeries` of them; beyond, a selected series
 * gets the cheap tier and is counted in `strongRefused`. A series keeps its tier while the console runs.
 *
 * Memory: one entry per series (its detector plus ~10 fields here); beyond `maxSeries` new series are not
 * scored and counted in `refusedSeries` (the error says which limit to raise).
 */
import type { DetectorKind, StreamingDetector } from '@cerebro/shared/analytics/detectors/detector';
import type { LogAlertEvidence } from '@cerebro/shared/api/contract';
import { consoleDetector, strongConsoleDetector } from './detector-kind';
import { isHeadlineSeries, STRONG_SERIES_DEFAULT } from './tiers';
import { DEFAULT_HYSTERESIS, newHysteresis, stepHysteresis, type HysteresisParams, type HysteresisState } from './hysteresis';
import { sameKeyList } from '../key-list';
import { levelFloorFactor, minSamplesFor, scaleFloor } from '../series-floors';

/** Most deviating [t, v] pairs kept as an alert's evidence. */
export const MAX_EVIDENCE_POINTS = 20;
/** Peak score from which an alert is critical rather than a warning. */
export const CRITICAL_SCORE = 0.8;
/** Weight of a new sample in the baseline shown as evidence (an EWMA of the series outside alerts, ~100 samples). */
const BASELINE_ALPHA = 0.01;

/** The stronger tier: its detector, the series it scores, and how many at most. */
export interface StrongTier {
  readonly detector: DetectorKind;
  /** Whether a series is scored by the stronger tier (decided at its first sample, or at its restore). */
  readonly select: (key: string) => boolean;
  readonly maxSeries: number;
}

export interface ScorerOptions {
  /** The cheap tier, which scores every series the stronger one does not. */
  readonly detector: DetectorKind;
  /** The stronger tier (null: none, every series on `detector`). */
  readonly strong: StrongTier | null;
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

/** The console's stronger tier: its detector on a host's headline series (tiers.ts), at most `maxSeries` of them (0: none). */
export function headlineTier(warmupSamples?: number, maxSeries: number = STRONG_SERIES_DEFAULT): StrongTier | null {
  return maxSeries > 0 ? { detector: strongConsoleDetector(warmupSamples), select: isHeadlineSeries, maxSeries } : null;
}

export const DEFAULT_STRONG_TIER = headlineTier() as StrongTier;

export const DEFAULT_SCORER_OPTIONS: ScorerOptions = { detector: consoleDetector(), strong: DEFAULT_STRONG_TIER, hysteresis: DEFAULT_HYSTERESIS, maxSeries: 100_000, minDeviation: scaleFloor, levelDeviation: levelFloorFactor, minSamples: minSamplesFor };

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
  /** Whether the stronger tier scores it. */
  readonly strong: boolean;
  /** Its detector's warm-up, in samples. */
  readonly warmup: number;
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
  /** Series the stronger tier scores. */
  readonly strongSeries: number;
  /** Series the stronger tier would score but its maxSeries was reached: the cheap tier scores them. */
  readonly strongRefused: number;
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
  private strongCount = 0;
  private strongRefused = 0;
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
    const warm = s.warmup;
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
    const host = this.hosts.get(hostId);
    const found = host?.get(key);
    if (found) return found;
    if (this.count >= this.options.maxSeries) {
      const id = hostId + '\0' + key;
      if (this.refused.has(id) || this.refused.size >= 10_000) return REFUSED_AGAIN;
      this.refused.add(id);
      return new ScorerLimitError(`anomaly scoring: series ${key} of host ${hostId} is not scored: ${this.options.maxSeries} series are scored already (the scorer's maxSeries); raise it or reduce the series collectors send`);
    }
    const tier = this.tierFor(key);
    const s = newSeries(hostId, key, tier, tier.kind.create(), this.options.hysteresis.enter, this.floors(key));
    this.add(s, tier);
    return s;
  }

  /** The tier a new series gets (see the class comment), and whether the stronger tier had no room for it. */
  private tierFor(key: string): Tier {
    const strong = this.options.strong;
    if (strong === null || !strong.select(key)) return { kind: this.options.detector, strong: false, refused: false };
    if (this.strongCount < strong.maxSeries) return { kind: strong.detector, strong: true, refused: false };
    return { kind: this.options.detector, strong: false, refused: true };
  }

  /** Adds a new or restored series, counted with its tier. */
  private add(s: ScoredSeries, tier: Tier): void {
    let host = this.hosts.get(s.hostId);
    if (!host) {
      host = new Map();
      this.hosts.set(s.hostId, host);
    }
    host.set(s.key, s);
    this.count++;
    if (tier.strong) this.strongCount++;
    if (tier.refused) this.strongRefused++;
  }

  private floors(key: string): SeriesFloors {
    const o = this.options;
    return { floor: o.minDeviation(key), levelFloor: o.levelDeviation(key), minSamples: o.minSamples(key) ?? o.hysteresis.minSamples };
  }

  /**
   * Restores a saved series (at start, before any batch); false (and a fresh start) when the state is
   * unusable. A state of the other tier's kind (the selection or the limit changed since it was saved)
   * keeps the series' alert, baseline and sensitivity, with a fresh detector of its tier now: it learns
   * again, and an open alert stays open until it has.
   */
  restore(hostId: string, key: string, saved: SavedSeries): boolean {
    if (this.count >= this.options.maxSeries || this.hosts.get(hostId)?.has(key)) return false;
    const tier = this.tierFor(key);
    const sameKind = (saved.d as { kind?: unknown } | null)?.kind === tier.kind.kind;
    const d = sameKind ? tier.kind.fromJSON(saved.d) : { ok: true as const, value: tier.kind.create() };
    if (!d.ok) return false;
    const s = newSeries(hostId, key, tier, d.value, clamp(saved.enter, this.options.hysteresis.enter, 1), this.floors(key));
    s.n = sameKind ? Math.min(Math.max(0, Math.floor(saved.n)), s.warmup) : 0;
    s.baseline = Number.isFinite(saved.baseline) ? saved.baseline : 0;
    s.stepMs = typeof saved.stepMs === 'number' && Number.isFinite(saved.stepMs) && saved.stepMs > 0 ? saved.stepMs : 0;
    if (saved.alertId !== null) {
      s.alertId = saved.alertId;
      s.hyst.open = true;
      s.startMs = saved.startMs;
      this.open++;
    }
    this.add(s, tier);
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
    return s === undefined ? undefined : s.n >= s.warmup;
  }

  /** The tier scoring a series ('strong' or 'cheap'; undefined: not scored). */
  tierOf(hostId: string, key: string): 'strong' | 'cheap' | undefined {
    const s = this.hosts.get(hostId)?.get(key);
    return s === undefined ? undefined : s.strong ? 'strong' : 'cheap';
  }

  /** Per host: series scored, the keys still learning and the samples each of them still needs, the keys the stronger tier scores. */
  hostLearning(hostId: string): { series: number; learning: string[]; left: Record<string, number>; strong: string[] } {
    const host = this.hosts.get(hostId);
    const learning: string[] = [];
    const left: Record<string, number> = {};
    const strong: string[] = [];
    if (host) {
      for (const [key, s] of host) {
        if (s.strong) strong.push(key);
        if (s.n >= s.warmup) continue;
        learning.push(key);
        left[key] = s.warmup - s.n;
      }
    }
    return { series: host?.size ?? 0, learning, left, strong };
  }

  /** Series scored so far (cheap, unlike stats()). */
  get seriesCount(): number {
    return this.count;
  }

  stats(): ScorerStats {
    let learning = 0;
    for (const host of this.hosts.values()) for (const s of host.values()) if (s.n < s.warmup) learning++;
    return { series: this.count, learning, openAlerts: this.open, samples: this.samples, refusedSamples: this.refusedSamples, refusedSeries: this.refused.size, strongSeries: this.strongCount, strongRefused: this.strongRefused };
  }
}

/** A series' tier: its detector kind, whether that is the stronger tier, whether the stronger tier had no room for it. */
interface Tier {
  readonly kind: DetectorKind;
  readonly strong: boolean;
  readonly refused: boolean;
}

interface SeriesFloors {
  readonly floor: number;
  readonly levelFloor: number;
  readonly minSamples: number;
}

function newSeries(hostId: string, key: string, tier: Tier, detector: StreamingDetector, enter: number, { floor, levelFloor, minSamples }: SeriesFloors): ScoredSeries {
  return { hostId, key, detector, strong: tier.strong, warmup: tier.kind.warmupSamples, n: 0, enter, floor, levelFloor, minSamples, baseline: 0, lastMs: 0, stepMs: 0, hyst: newHysteresis(), alertId: null, startMs: 0, peak: 0, last: 0, points: [], dirty: false };
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

