/**
 * Log alerts, through the same alert documents as metric alerts (AlertEvent → AlertStore):
 *
 * - new template: a template never seen on a host, at warn level or above, after the host's learning
 *   period (LogStoreOptions.learningMs from its first record: everything a fresh console or a fresh host
 *   shows in its first hour is its baseline). Opens at once (critical for error/fatal, warning for warn);
 *   resolves once the template has been quiet on the host for newTemplateClearMs.
 * - rate: per (host, template) a streaming detector (the console's ensemble) over per-minute counts;
 *   only bursts count (a minute at or above rateMinCount and above the baseline), through hysteresis.
 *
 * Times are the records' timestamps (collector clock), so replayed or back-filled data behaves the same.
 */
import type { DetectorKind, StreamingDetector } from '@cerebro/shared/analytics/detectors/detector';
import { OOM_KILL_EVENT, type LogAlertEvidence } from '@cerebro/shared/api/contract';
import { seriesKey } from '@cerebro/shared/protocol/series';
import type { LogLevel } from '@cerebro/shared/protocol/messages';
import type { AlertEvent } from '../alerts/scorer';
import { consoleDetector } from '../alerts/detector-kind';
import { DEFAULT_HYSTERESIS, newHysteresis, stepHysteresis, type HysteresisParams, type HysteresisState } from '../alerts/hysteresis';
import { detachString } from '../detach';
import { parseOomKill, type OomKill } from './kernel-events';
import type { LogStoreOptions } from './options';
import { MINUTE_MS, type Bucket } from './template-counts';

/**
 * One burst minute opens (a minute is already 60 s of aggregated evidence, unlike a 1 s metric sample);
 * five calm minutes resolve. Enter/exit as for metrics.
 */
export const LOG_RATE_HYSTERESIS: HysteresisParams = { ...DEFAULT_HYSTERESIS, minSamples: 1, clearSamples: 5, sustainSamples: 0 };
/** Peak score of a new-template alert: error/fatal are critical (≥ 0.8), warn a warning. */
const NEW_SCORE: Partial<Record<LogLevel, number>> = { fatal: 1, error: 0.9, warn: 0.6 };
const SAMPLES = 5;
/** An OOM-kill alert resolves this long after the kill (it is an event: nothing clears it), ms. */
const OOM_CLEAR_MS = 10 * MINUTE_MS;
/** OOM-kill alerts open per host at most. */
const MAX_OOM_OPEN = 50;
/** A template silent this long on a host stops being fed zeros (its detector keeps its state). */
const IDLE_MS = 60 * MINUTE_MS;
/** Longest gap of a host's minutes filled with zeros. */
const MAX_GAP_MINUTES = 60;
const BASELINE_ALPHA = 0.05;
/** Most (host, template) rate series tracked. */
const MAX_RATE_SERIES = 200_000;

type Sample = LogAlertEvidence['samples'][number];

interface RateSeries {
  readonly detector: StreamingDetector;
  n: number;
  baseline: number;
  readonly hyst: HysteresisState;
  alertId: string | null;
  startMs: number;
  peak: number;
  points: Array<[number, number]>;
  /** Newest minute with records. */
  lastActive: number;
  /** Lines of the current minute (evidence for an alert that opens at its close). */
  minute: Sample[];
}

interface NewAlert {
  readonly alertId: string;
  readonly startMs: number;
  lastSeen: number;
  readonly level: LogLevel;
  readonly samples: Sample[];
}

/** Persisted state of one rate series (the detector's JSON and the alert bookkeeping). */
export interface SavedRate {
  readonly d: unknown;
  readonly n: number;
  readonly baseline: number;
  readonly alertId: string | null;
  readonly startMs: number;
  readonly lastActive: number;
}

export interface SavedRules {
  readonly rates: ReadonlyArray<[string, string, SavedRate]>;
  readonly open: ReadonlyArray<[string, string, { alertId: string; startMs: number; lastSeen: number; level: LogLevel }]>;
}

let seq = 0;
function alertId(kind: string, hostId: string, tid: string, tsMs: number): string {
  seq = (seq + 1) % 1e6;
  let h = 2166136261;
  for (const ch of hostId) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return `log${kind}-${Math.max(0, tsMs).toString(36)}-${seq.toString(36)}-${tid}-${(h >>> 0).toString(36)}`;
}

export class LogAlertRules {
  private readonly detector: DetectorKind;
  private readonly rates = new Map<string, Map<string, RateSeries>>();
  private readonly newOpen = new Map<string, Map<string, NewAlert>>();
  /** host → OOM-kill alerts open (by series key), resolved OOM_CLEAR_MS after the kill. */
  private readonly oomOpen = new Map<string, Map<string, { startMs: number; event: AlertEvent }>>();
  private rateSeries = 0;
  /** Counters for tests and stats; `untracked`: records of (host, template) pairs beyond maxRateSeries. */
  readonly counts = { newOpened: 0, rateOpened: 0, resolved: 0, untracked: 0, oomKills: 0 };

  constructor(
    private readonly onEvent: (e: AlertEvent) => void,
    private readonly options: LogStoreOptions,
    /** The template's text and most severe level seen (for evidence). */
    private readonly templateOf: (tid: string) => { text: string; level: LogLevel },
    detector?: DetectorKind,
  ) {
    this.detector = detector ?? consoleDetector(options.rateWarmupMinutes);
  }

  /** One record as it is ingested (not at replay). `hostFirstTs`: the host's first record, for learning. */
  onRecord(hostId: string, tid: string, level: LogLevel, ts: number, src: string, msg: string, newForHost: boolean, hostFirstTs: number, unit?: string, pid?: number): void {
    const oom = parseOomKill(msg);
    if (oom !== null) this.oomKilled(hostId, oom, ts);
    const s = this.rate(hostId, tid);
    if (s) {
      const minute = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
      if (minute > s.lastActive) {
        s.lastActive = minute;
        s.minute = [];
      }
      if (s.minute.length < SAMPLES) s.minute.push(sample(ts, src, msg, unit, pid));
    } else {
      this.counts.untracked++;
    }
    const open = this.newOpen.get(hostId)?.get(tid);
    if (open) {
      if (ts > open.lastSeen) open.lastSeen = ts;
      if (open.samples.length < SAMPLES) open.samples.push(sample(ts, src, msg, unit, pid));
      return;
    }
    const score = NEW_SCORE[level];
    if (!newForHost || score === undefined || ts - hostFirstTs < this.options.learningMs) return;
    const a: NewAlert = { alertId: alertId('new', hostId, tid, ts), startMs: ts, lastSeen: ts, level, samples: [sample(ts, src, msg, unit, pid)] };
    let m = this.newOpen.get(hostId);
    if (!m) this.newOpen.set(hostId, (m = new Map()));
    m.set(tid, a);
    this.counts.newOpened++;
    this.onEvent(this.newEvent('open', hostId, tid, a, ts, score));
  }

  /**
   * A host moved on from minute `first` to `end` (both minute starts, ms): feeds each of its active
   * templates the count of every closed minute (zeros in the gaps), and resolves quiet new-template alerts.
   */
  closeMinutes(hostId: string, first: number, end: number, bucket: (minute: number) => Bucket | undefined): void {
    const start = Math.max(first, end - MAX_GAP_MINUTES * MINUTE_MS);
    const series = this.rates.get(hostId);
    if (series) {
      for (let minute = start; minute < end; minute += MINUTE_MS) {
        const b = bucket(minute);
        for (const [tid, s] of series) {
          if (minute - s.lastActive > IDLE_MS) continue;
          this.feed(hostId, tid, s, minute, b?.[tid] ?? 0);
        }
      }
    }
    const killed = this.oomOpen.get(hostId);
    for (const [key, a] of killed ?? []) {
      if (end - a.startMs < OOM_CLEAR_MS) continue;
      killed!.delete(key);
      this.onEvent({ ...a.event, type: 'resolve', tsMs: end, lastScore: 0 });
    }
    const open = this.newOpen.get(hostId);
    if (!open) return;
    for (const [tid, a] of open) {
      if (end - a.lastSeen < this.options.newTemplateClearMs) continue;
      open.delete(tid);
      this.counts.resolved++;
      this.onEvent(this.newEvent('resolve', hostId, tid, a, end, 0));
    }
  }

  saved(): SavedRules {
    const rates: Array<[string, string, SavedRate]> = [];
    for (const [h, m] of this.rates) for (const [tid, s] of m) rates.push([h, tid, { d: s.detector.toJSON(), n: s.n, baseline: s.baseline, alertId: s.alertId, startMs: s.startMs, lastActive: s.lastActive }]);
    const open: SavedRules['open'][number][] = [];
    for (const [h, m] of this.newOpen) for (const [tid, a] of m) open.push([h, tid, { alertId: a.alertId, startMs: a.startMs, lastSeen: a.lastSeen, level: a.level }]);
    return { rates, open };
  }

  /** Restores saved state; returns how many entries could not be used (they start fresh). */
  restore(saved: SavedRules): number {
    let dropped = 0;
    for (const [h, tid, r] of saved.rates ?? []) {
      const d = this.detector.fromJSON(r.d);
      if (!d.ok) {
        dropped++;
        continue;
      }
      const s = this.rate(h, tid, d.value);
      if (!s) {
        dropped++;
        continue;
      }
      s.n = Math.min(r.n, this.detector.warmupSamples);
      s.baseline = r.baseline;
      s.lastActive = r.lastActive;
      if (r.alertId) {
        s.alertId = r.alertId;
        s.hyst.open = true;
        s.startMs = r.startMs;
      }
    }
    for (const [h, tid, a] of saved.open ?? []) {
      let m = this.newOpen.get(h);
      if (!m) this.newOpen.set(h, (m = new Map()));
      m.set(tid, { ...a, samples: [] });
    }
    return dropped;
  }

  /** The rate series of (host, template); null past MAX_RATE_SERIES (memory bound: ~0.5 KB each). */
  private rate(hostId: string, tid: string, detector?: StreamingDetector): RateSeries | null {
    let m = this.rates.get(hostId);
    if (!m) this.rates.set(hostId, (m = new Map()));
    let s = m.get(tid);
    if (!s) {
      if (this.rateSeries >= MAX_RATE_SERIES) return null;
      this.rateSeries++;
      s = { detector: detector ?? this.detector.create(), n: 0, baseline: 0, hyst: newHysteresis(), alertId: null, startMs: 0, peak: 0, points: [], lastActive: -Infinity, minute: [] };
      m.set(tid, s);
    }
    return s;
  }

  private feed(hostId: string, tid: string, s: RateSeries, minute: number, count: number): void {
    const raw = s.detector.update(minute, count);
    if (s.n < this.detector.warmupSamples) {
      s.n++;
      s.baseline += (count - s.baseline) / s.n;
      return;
    }
    // Bursts only: a template going quiet is not an incident, and a few lines never are a burst.
    const score = count >= this.options.rateMinCount && count > s.baseline ? raw : 0;
    const h = s.hyst;
    if (h.open) {
      if (score > s.peak) s.peak = score;
      if (score >= LOG_RATE_HYSTERESIS.exit && s.points.length < 20) s.points.push([minute, count]);
    } else if (score >= LOG_RATE_HYSTERESIS.enter) {
      if (h.above === 0) {
        s.points = [];
        s.startMs = minute;
        s.peak = 0;
      }
      s.points.push([minute, count]);
      if (score > s.peak) s.peak = score;
    } else {
      s.baseline += BASELINE_ALPHA * (count - s.baseline);
    }
    const t = stepHysteresis(h, score, LOG_RATE_HYSTERESIS);
    if (t === 'open') {
      s.alertId = alertId('rate', hostId, tid, minute);
      this.counts.rateOpened++;
      this.onEvent(this.rateEvent('open', hostId, tid, s, minute, score));
    } else if (t === 'resolve') {
      this.counts.resolved++;
      this.onEvent(this.rateEvent('resolve', hostId, tid, s, minute, score));
      s.alertId = null;
      s.points = [];
    }
  }

  private rateEvent(type: AlertEvent['type'], hostId: string, tid: string, s: RateSeries, minute: number, score: number): AlertEvent {
    return {
      type,
      hostId,
      seriesKey: `log.rate{template=${tid}}`,
      alertId: s.alertId as string,
      tsMs: minute,
      startMs: s.startMs,
      peakScore: s.peak,
      lastScore: score,
      baseline: s.baseline,
      points: s.points.slice(),
      log: { kind: 'rate', templateId: tid, ...this.templateOf(tid), samples: s.minute.slice() },
    };
  }

  /** An OOM kill: one `event.oom_kill{name,pid}` alert per killed pid (its two or three lines are one kill). */
  private oomKilled(hostId: string, oom: OomKill, ts: number): void {
    let m = this.oomOpen.get(hostId);
    if (!m) this.oomOpen.set(hostId, (m = new Map()));
    const key = seriesKey(OOM_KILL_EVENT, { name: oom.name, pid: String(oom.pid) });
    if (m.has(key)) return;
    if (m.size >= MAX_OOM_OPEN) return; // a host whose killer fires hundreds of times: the first ones say it
    const event: AlertEvent = { type: 'open', hostId, seriesKey: key, alertId: alertId('oom', hostId, String(oom.pid), ts), tsMs: ts, startMs: ts, peakScore: 0.95, lastScore: 1, baseline: 0, points: [[ts, 1]] };
    m.set(key, { startMs: ts, event });
    this.counts.oomKills++;
    this.onEvent(event);
  }

  private newEvent(type: AlertEvent['type'], hostId: string, tid: string, a: NewAlert, tsMs: number, score: number): AlertEvent {
    const peak = NEW_SCORE[a.level] ?? 0.6;
    return {
      type,
      hostId,
      seriesKey: `log.new{template=${tid}}`,
      alertId: a.alertId,
      tsMs,
      startMs: a.startMs,
      peakScore: peak,
      lastScore: score,
      baseline: 0,
      points: [[a.startMs, 1]],
      log: { kind: 'new', templateId: tid, text: this.templateOf(tid).text, level: a.level, samples: a.samples.slice() },
    };
  }
}

/** Sample lines are cut to 2,000 characters: evidence, not storage (the record itself is searchable). */
function sample(ts: number, src: string, msg: string, unit: string | undefined, pid: number | undefined): Sample {
  // Copies: evidence outlives the frame its lines came in (detach.ts).
  return { ts, src: detachString(src), msg: detachString(msg.length > 2000 ? msg.slice(0, 2000) + '…' : msg), ...(unit !== undefined ? { unit: detachString(unit) } : {}), ...(pid !== undefined ? { pid } : {}) };
}
