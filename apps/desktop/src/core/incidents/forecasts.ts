/**
 * Time to exhaustion of every host's filesystems, memory and swap, from the stored series
 * (shared/src/analytics/forecast/exhaustion.ts), and the predictive alerts it raises: an alert (series
 * `forecast.fs{mount=M}`, `forecast.memory`, `forecast.swap`) opens when the forecast is confident and its
 * lower bound is under the resource's horizon, and closes when that no longer holds.
 *
 * Bounded work: evaluated every `everyMs` (60 s), each resource from one bucketed query of the last
 * `windowMs`; nothing is kept between evaluations but the results and the open alerts' ids, so a restart
 * loses nothing (open predictive alerts are found again in the alerts collection).
 *
 * Memory also has a short-window forecast (`forecast.memory{window=short}`), evaluated every `fastEveryMs`
 * (10 s) on 10-s points of the last 3 minutes with a 15-minute horizon: a process leaking hundreds of MB a
 * minute exhausts memory long before the hour-scale forecast has its six one-minute points. It needs 90 s
 * of points and a confident trend (the lower slope bound above zero) just like the long one, and its
 * horizon is short, so only a fast, steady rise raises it.
 */
import { EXHAUSTION_DEFAULTS, ExhaustionForecaster, type ExhaustionParams } from '@cerebro/shared/analytics/forecast/exhaustion';
import { FORECAST_KEY_PREFIX, type Alert, type ForecastResource, type ResourceForecast } from '@cerebro/shared/api/contract';
import { parseSeriesKey, seriesKey } from '@cerebro/shared/protocol/series';
import type { AlertEvent } from '../alerts/scorer';

export interface ForecastOptions {
  readonly everyMs: number;
  /** History each forecast reads, ms (the forecaster keeps `maxPoints` samples `spacingMs` apart). */
  readonly windowMs: number;
  readonly filesystemHorizonMs: number;
  readonly memoryHorizonMs: number;
  readonly swapHorizonMs: number;
  readonly params: ExhaustionParams;
  /** The short-window memory forecast: how often, its points, its horizon. */
  readonly fastEveryMs: number;
  readonly fastParams: ExhaustionParams;
  readonly fastHorizonMs: number;
}

export const DEFAULT_FORECAST_OPTIONS: ForecastOptions = {
  everyMs: 60_000,
  windowMs: EXHAUSTION_DEFAULTS.maxPoints * EXHAUSTION_DEFAULTS.spacingMs,
  filesystemHorizonMs: 24 * 3600_000,
  memoryHorizonMs: 3600_000,
  swapHorizonMs: 3600_000,
  params: EXHAUSTION_DEFAULTS,
  fastEveryMs: 10_000,
  fastParams: { ...EXHAUSTION_DEFAULTS, maxPoints: 18, spacingMs: 10_000, minPoints: 9 },
  fastHorizonMs: 15 * 60_000,
};

/** What the forecasts read: the store's series and the hosts. */
export interface ForecastSources {
  hostIds(): readonly string[];
  seriesKeys(hostId: string): readonly string[];
  /** Samples in [from, to] (bucketed to about `points`), ascending. */
  series(hostId: string, key: string, from: number, to: number, points: number): { t: readonly number[]; v: readonly number[] };
  latest(hostId: string, key: string): number | null;
}

interface Resource {
  readonly resource: ForecastResource;
  readonly name: string;
  readonly usedKey: string;
  readonly capacityKey: string;
  readonly alertKey: string;
  readonly horizonMs: number;
  /** The short-window forecast (its own params and cadence). */
  readonly fast?: true;
}

export class ForecastService {
  readonly options: ForecastOptions;
  private results: ResourceForecast[] = [];
  private evaluatedMs = 0;
  private fastEvaluatedMs = 0;
  private fastResults: ResourceForecast[] = [];
  /** host \0 alert key → open alert id. */
  private readonly openAlerts = new Map<string, string>();
  private seq = 0;

  constructor(
    private readonly src: ForecastSources,
    private readonly raise: (e: AlertEvent) => void,
    options: Partial<ForecastOptions> = {},
  ) {
    this.options = { ...DEFAULT_FORECAST_OPTIONS, ...options };
  }

  /** Open predictive alerts from the database (after a restart), so they are closed when they stop holding. */
  adopt(alerts: readonly Alert[]): void {
    for (const a of alerts) if (a.state === 'open' && a.seriesKey.startsWith(FORECAST_KEY_PREFIX)) this.openAlerts.set(`${a.hostId}\0${a.seriesKey}`, a.id);
  }

  /**
   * Evaluates the forecasts that are due: all every `everyMs` (returns true then), the short-window ones
   * alone every `fastEveryMs` in between (returns false).
   */
  maybeEvaluate(nowMs: number): boolean {
    if (nowMs - this.evaluatedMs >= this.options.everyMs) {
      this.evaluate(nowMs);
      return true;
    }
    if (nowMs - this.fastEvaluatedMs >= this.options.fastEveryMs) this.evaluateSet(nowMs, true);
    return false;
  }

  evaluate(nowMs: number): ResourceForecast[] {
    this.evaluateSet(nowMs, false);
    this.evaluateSet(nowMs, true);
    return [...this.results, ...this.fastResults];
  }

  view(hostId?: string): { forecasts: ResourceForecast[]; evaluatedMs: number; everyMs: number } {
    const all = [...this.results, ...this.fastResults];
    return { forecasts: hostId === undefined ? all : all.filter((f) => f.hostId === hostId), evaluatedMs: this.evaluatedMs, everyMs: this.options.everyMs };
  }

  private evaluateSet(nowMs: number, fast: boolean): void {
    const out: ResourceForecast[] = [];
    const seen = new Set<string>();
    for (const hostId of this.src.hostIds()) {
      for (const r of this.resources(hostId)) {
        if ((r.fast === true) !== fast) continue;
        const f = this.forecast(hostId, r, nowMs);
        if (f === null) continue;
        seen.add(`${hostId}\0${r.alertKey}`);
        out.push(f);
      }
    }
    // A resource that vanished (unmounted, host gone from the store) no longer holds its alert.
    for (const [k, id] of this.openAlerts) {
      const [hostId, key] = k.split('\0') as [string, string];
      if (seen.has(k) || isFastKey(key) !== fast) continue;
      this.close(hostId, key, id, nowMs);
    }
    if (fast) {
      this.fastResults = out;
      this.fastEvaluatedMs = nowMs;
    } else {
      this.results = out;
      this.evaluatedMs = nowMs;
    }
  }

  private resources(hostId: string): Resource[] {
    const o = this.options;
    const out: Resource[] = [];
    for (const key of this.src.seriesKeys(hostId)) {
      const p = parseSeriesKey(key);
      if (p?.name !== 'fs.used_bytes' || p.labels['mount'] === undefined) continue;
      const mount = p.labels['mount'];
      out.push({ resource: 'filesystem', name: mount, usedKey: key, capacityKey: seriesKey('fs.size_bytes', p.labels), alertKey: seriesKey(`${FORECAST_KEY_PREFIX}fs`, { mount }), horizonMs: o.filesystemHorizonMs });
    }
    out.push({ resource: 'memory', name: 'memory', usedKey: 'mem.used_bytes', capacityKey: 'mem.total_bytes', alertKey: `${FORECAST_KEY_PREFIX}memory`, horizonMs: o.memoryHorizonMs });
    out.push({ resource: 'swap', name: 'swap', usedKey: 'mem.swap_used_bytes', capacityKey: 'mem.swap_total_bytes', alertKey: `${FORECAST_KEY_PREFIX}swap`, horizonMs: o.swapHorizonMs });
    out.push({ resource: 'memory', name: 'memory (last 3 min)', usedKey: 'mem.used_bytes', capacityKey: 'mem.total_bytes', alertKey: FAST_MEMORY_KEY, horizonMs: o.fastHorizonMs, fast: true });
    return out;
  }

  private forecast(hostId: string, r: Resource, nowMs: number): ResourceForecast | null {
    const capacity = this.src.latest(hostId, r.capacityKey);
    if (capacity === null || !(capacity > 0)) return null;
    const params = r.fast === true ? this.options.fastParams : this.options.params;
    const windowMs = r.fast === true ? params.maxPoints * params.spacingMs : this.options.windowMs;
    const points = Math.max(1, Math.ceil(windowMs / params.spacingMs));
    const { t, v } = this.src.series(hostId, r.usedKey, nowMs - windowMs, nowMs, points);
    if (t.length === 0) return null;
    const f = new ExhaustionForecaster(params);
    for (let i = 0; i < t.length; i++) f.add(t[i]!, v[i]!, capacity);
    const fc = f.forecast();
    if (fc === null) return null;
    const key = `${hostId}\0${r.alertKey}`;
    const holds = fc.confident && fc.etaLowerBoundMs !== null && fc.etaLowerBoundMs < r.horizonMs;
    let alertId = this.openAlerts.get(key) ?? null;
    if (holds) alertId = this.open(hostId, r, fc.etaLowerBoundMs!, t, v, nowMs);
    else if (alertId !== null) {
      this.close(hostId, r.alertKey, alertId, nowMs);
      alertId = null;
    }
    return {
      hostId,
      resource: r.resource,
      name: r.name,
      seriesKey: r.usedKey,
      atMs: fc.at,
      used: fc.used,
      capacity: fc.capacity,
      slopePerSec: fc.slopePerSec,
      etaMs: fc.etaMs,
      etaLowerBoundMs: fc.etaLowerBoundMs,
      confident: fc.confident,
      horizonMs: r.horizonMs,
      alertId,
    };
  }

  /** Opens (or refreshes) the predictive alert. Score: how far inside the horizon the lower bound is (≥ 0.8 is critical). */
  private open(hostId: string, r: Resource, lowerMs: number, t: readonly number[], v: readonly number[], nowMs: number): string {
    const key = `${hostId}\0${r.alertKey}`;
    let id = this.openAlerts.get(key);
    if (id === undefined) {
      id = `fc-${nowMs.toString(36)}-${(this.seq++).toString(36)}-${hash(key)}`;
      this.openAlerts.set(key, id);
    }
    const score = Math.min(1, Math.max(0.5, 1 - lowerMs / r.horizonMs));
    const n = t.length;
    const points = t.slice(-20).map((ti, i) => [ti, v[n - Math.min(20, n) + i]!] as const);
    this.raise({ type: 'open', hostId, seriesKey: r.alertKey, alertId: id, tsMs: t[n - 1]!, startMs: t[n - 1]!, peakScore: score, lastScore: score, baseline: v[0]!, points });
    return id;
  }

  private close(hostId: string, alertKey: string, id: string, nowMs: number): void {
    this.openAlerts.delete(`${hostId}\0${alertKey}`);
    this.raise({ type: 'resolve', hostId, seriesKey: alertKey, alertId: id, tsMs: nowMs, startMs: nowMs, peakScore: 0, lastScore: 0, baseline: 0, points: [] });
  }
}

/** The short-window memory forecast's alert series. */
export const FAST_MEMORY_KEY = seriesKey(`${FORECAST_KEY_PREFIX}memory`, { window: 'short' });

function isFastKey(alertKey: string): boolean {
  return alertKey === FAST_MEMORY_KEY;
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
