/**
 * Incidents and forecasts in the console's local API (re-exported by contract.ts). An incident groups
 * related alerts (by time and by distance in the topology) and carries its ranked causes; a UI draws the
 * alerts as a timeline in onset order, the causes with their explanations, and `subgraph` highlighted in
 * the topology view. Stored as RxDB documents (collection `incidents`).
 */
import type { AlertSeverity } from './contract';

export type IncidentState = 'open' | 'resolved';

/**
 * Which kind of alert: from the series name (`log.*`, `forecast.*`, `host.lost`, `event.*` — a process
 * lifecycle event such as `event.proc_exit{name=…,pid=…}` or `event.restart_loop{name=…}` — and anything
 * else a metric).
 */
export type AlertKind = 'metric' | 'log' | 'forecast' | 'host' | 'event';

/** Series key of the alert raised when a host stops reporting (registry status `lost`). */
export const HOST_LOST_KEY = 'host.lost';
/** Prefix of predictive alerts' series keys: `forecast.fs{mount=/data}`, `forecast.memory`, `forecast.swap`. */
export const FORECAST_KEY_PREFIX = 'forecast.';

/** Prefix of process lifecycle events' series keys (raised by the console from process tables and kernel logs). */
export const EVENT_KEY_PREFIX = 'event.';
/** Series name of a process the kernel killed for lack of memory: `event.oom_kill{name=…,pid=…}` (from the kernel's log line). */
export const OOM_KILL_EVENT = 'event.oom_kill';

export function alertKind(seriesKey: string): AlertKind {
  if (seriesKey === HOST_LOST_KEY) return 'host';
  if (seriesKey.startsWith(FORECAST_KEY_PREFIX)) return 'forecast';
  if (seriesKey.startsWith('log.')) return 'log';
  if (seriesKey.startsWith(EVENT_KEY_PREFIX)) return 'event';
  return 'metric';
}

/** One alert on an incident's timeline. */
export interface IncidentAlertRef {
  readonly id: string;
  readonly hostId: string;
  readonly seriesKey: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  readonly state: 'open' | 'resolved';
  /** First deviating sample, ms since the epoch. The list is sorted by it (onset order). */
  readonly startMs: number;
  /** When it closed, ms since the epoch; absent while open. */
  readonly endMs?: number;
}

/**
 * Alerts folded into an incident instead of listed, for any of these reasons (the count does not say
 * which): an expected effect of the console's own remediation run (its severity not counted either), an
 * alert of a lost host (its `host.lost` alert stands for them), or one past the incident's listing limit.
 */
export interface IncidentSuppressed {
  readonly count: number;
  /** The first 100 folded alert ids. */
  readonly alertIds: readonly string[];
}

export type CauseKind = 'host' | 'service' | 'process' | 'resource';

/** One deviating series behind a cause, in the series' own unit. */
export interface CauseEvidence {
  /** e.g. "cpu.util_pct", "cpu % of a core", "rss bytes". */
  readonly metric: string;
  /** Median before the incident. */
  readonly baseline: number;
  /** Most deviating value after it. */
  readonly peak: number;
  /** First sample clearly off its baseline, ms since the epoch; null when none was. */
  readonly onsetMs: number | null;
}

/** A ranked candidate cause. */
export interface IncidentCause {
  readonly kind: CauseKind;
  readonly hostId: string;
  /** The host's name. */
  readonly host: string;
  /** host: the hostname; service/process: the process name; resource: e.g. "filesystem /data". */
  readonly name: string;
  /** Process id (service / process causes). */
  readonly pid?: number;
  /** The topology node it stands for (`host:<id>` or `proc:<id>:<pid>`), for highlighting. */
  readonly node: string;
  /** Relative rank score in [0, 1] (share of the random walk); comparable within one incident only. */
  readonly score: number;
  /** One sentence built from the evidence. */
  readonly explanation: string;
  readonly evidence: readonly CauseEvidence[];
  /** Process causes: the followed log files it wrote the incident's log alerts' lines to (absolute paths). */
  readonly logFiles?: readonly string[];
}

/** The part of the topology an incident touches: node ids of TopologyGraph and the edges among them. */
export interface IncidentSubgraph {
  readonly nodes: readonly string[];
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

export interface Incident {
  /** Unique, opaque. */
  readonly id: string;
  readonly state: IncidentState;
  /** Highest severity of its alerts (folded ones included). */
  readonly severity: AlertSeverity;
  /** e.g. "cpu.util_pct on web-01 (+3 alerts)". */
  readonly title: string;
  /** Onset of its first alert, ms since the epoch. */
  readonly openedMs: number;
  /** Last change (an alert joined, changed or closed; causes ranked), ms since the epoch. */
  readonly updatedMs: number;
  /** When its last alert closed; it resolves after the quiet period unless a related alert opens. */
  readonly quietSinceMs?: number;
  readonly resolvedMs?: number;
  /** Onset order. */
  readonly alerts: readonly IncidentAlertRef[];
  readonly suppressed: IncidentSuppressed;
  /** Affected hosts (ids) and services (process names seen in causes). */
  readonly hostIds: readonly string[];
  readonly services: readonly string[];
  /** Best first; empty until first ranked. */
  readonly causes: readonly IncidentCause[];
  /** When the causes were last ranked, ms since the epoch; 0 when never. */
  readonly causesMs: number;
  readonly subgraph: IncidentSubgraph;
}

/** GET /incidents?state=open|all: newest first, at most 500. */
export interface IncidentsView {
  readonly incidents: readonly Incident[];
}

export type IncidentChange = 'opened' | 'updated' | 'resolved';

export interface IncidentChangeEvent {
  readonly change: IncidentChange;
  /** The whole document after the change. */
  readonly incident: Incident;
}

export type ForecastResource = 'filesystem' | 'memory' | 'swap';

/** Time to exhaustion of one resource of one host (Theil–Sen trend with a lower bound). */
export interface ResourceForecast {
  readonly hostId: string;
  readonly resource: ForecastResource;
  /** The mount point for filesystems; "memory" / "swap" otherwise. */
  readonly name: string;
  /** The series forecast, e.g. "fs.used_bytes{mount=/}". */
  readonly seriesKey: string;
  /** Latest sample, ms since the epoch; used and capacity in bytes. */
  readonly atMs: number;
  readonly used: number;
  readonly capacity: number;
  /** Trend, bytes per second (median pairwise slope). */
  readonly slopePerSec: number;
  /** Estimated ms until full; null when not filling. */
  readonly etaMs: number | null;
  /** Ms until full at the pessimistic end of the slope interval; null when not filling. */
  readonly etaLowerBoundMs: number | null;
  /** Even the slope interval's low end is positive. */
  readonly confident: boolean;
  /** Alert when the lower bound is under this, ms. */
  readonly horizonMs: number;
  /** Id of the open predictive alert, or null. */
  readonly alertId: string | null;
}

/** GET /forecasts?host=: every host's (or one host's) resources with enough history to forecast. */
export interface ForecastsView {
  readonly forecasts: readonly ResourceForecast[];
  /** Last evaluation, ms since the epoch (0 before the first), and the period between evaluations. */
  readonly evaluatedMs: number;
  readonly everyMs: number;
}
