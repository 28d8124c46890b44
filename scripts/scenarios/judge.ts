/**
 * How a fault scenario is judged, as pure functions (no processes, no clock), so the rules can be read
 * and tested on their own:
 * - An alert is EXPLAINED by a scenario when it is on the scenario's host, its series matches one of the
 *   scenario's series patterns (what that fault moves, listed per scenario in faults.ts), or it is a log
 *   alert whose sample lines come from one of the scenario's log files, AND its onset (`startMs`) lies in
 *   the scenario's window [inject − 5 s, stopped + settle], AND the harness had not already seen it before
 *   the injection. Every other alert with an onset after the warm-up is a false positive (the quiet
 *   period and the wait after the warm-up have no window, so everything in them is one).
 * - A cause is RIGHT when the scenario's `rightCause` accepts it (e.g. kind process or service with the
 *   hog's pid or name); the top cause of an incident is its `causes[0]`.
 * - An incident is RELATED to a scenario when it lists at least one alert the scenario explains.
 */
import type { Alert, Incident, IncidentCause } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';

/** Onsets this long before the injection still count (a sample taken a moment before the fault's first effect is measured). */
export const EARLY_MS = 5_000;

/** What decides whether an alert belongs to a fault. */
export interface Attribution {
  readonly hostId: string;
  /** Series names (`cpu.util_pct`) or prefixes ending in `.` or `*` (`cpu.*`), optionally with one label that must match (`fs.*{mount=/x}`). */
  readonly series: readonly string[];
  /** Log files whose lines make a log alert explained (absolute paths). */
  readonly logFiles: readonly string[];
  /** Onset window, ms since the epoch. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Alerts already raised before the fault was injected (their onset may fall in the early margin): never explained by it. */
  readonly before?: ReadonlySet<string>;
}

/** True when `key` (e.g. `fs.used_bytes{mount=/data}`) matches `pattern` (e.g. `fs.*{mount=/data}`, `cpu.*`, `load.1`). */
export function seriesMatches(pattern: string, key: string): boolean {
  const p = /^([^{]+)(?:\{([^=]+)=([^}]*)\})?$/.exec(pattern);
  if (!p) return false;
  const parsed = parseSeriesKey(key);
  const name = parsed?.name ?? key;
  const stem = p[1]!;
  const nameOk = stem.endsWith('*') ? name.startsWith(stem.slice(0, -1)) : name === stem;
  if (!nameOk) return false;
  if (p[2] === undefined) return true;
  return (parsed?.labels ?? {})[p[2]] === p[3];
}

export function isExplained(a: Alert, by: Attribution): boolean {
  if (a.hostId !== by.hostId || a.startMs < by.fromMs || a.startMs > by.toMs || by.before?.has(a.id) === true) return false;
  const samples = a.evidence.log?.samples ?? [];
  // The collector names a followed file's records `file:<path>`.
  if (samples.length > 0 && samples.some((s) => by.logFiles.some((f) => s.src === `file:${f}` || s.src === f))) return true;
  return by.series.some((p) => seriesMatches(p, a.seriesKey));
}

/** The first scenario (by index) that explains `a`, or -1: a false positive. */
export function explainedBy(a: Alert, attributions: readonly Attribution[]): number {
  return attributions.findIndex((by) => isExplained(a, by));
}

export interface FalsePositiveCount {
  readonly alerts: number;
  readonly unexplained: number;
  /** unexplained ÷ alerts; null without any alert. */
  readonly rate: number | null;
}

/** Over every alert whose onset is at or after `sinceMs` (the end of the warm-up). */
export function falsePositives(alerts: readonly Alert[], attributions: readonly Attribution[], sinceMs: number): FalsePositiveCount {
  const counted = alerts.filter((a) => a.startMs >= sinceMs);
  const unexplained = counted.filter((a) => explainedBy(a, attributions) < 0).length;
  return { alerts: counted.length, unexplained, rate: counted.length === 0 ? null : unexplained / counted.length };
}

/** Incidents that list at least one of `alertIds`. */
export function relatedIncidents(incidents: readonly Incident[], alertIds: ReadonlySet<string>): Incident[] {
  return incidents.filter((i) => i.alerts.some((r) => alertIds.has(r.id)));
}

/** One line for a cause: "process cerebro-hog (pid 12) 0.61". */
export function describeCause(c: IncidentCause | undefined): string {
  if (c === undefined) return '(no cause ranked)';
  return `${c.kind} ${c.name}${c.pid !== undefined ? ` (pid ${c.pid})` : ''} ${c.score}`;
}
