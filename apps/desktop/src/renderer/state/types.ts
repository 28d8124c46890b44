/** The UI's state, one tree: what the console sent, and what the operator chose to look at. */
import type { Alert, FleetView, Host, HostStatus, HostTable, Incident, IngestStatsView, ResourceForecast, SeriesInfo, TopologyView } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import type { ConnectionInfo } from '../transport/transport';

/**
 * What the logs view shows (#/logs?host=…&template=…&level=…&q=…&from=…&to=…): every field optional;
 * with `to` the view shows that fixed window instead of a live tail.
 */
export interface LogsLink {
  readonly host?: string;
  readonly template?: string;
  readonly level?: string;
  readonly q?: string;
  /** ms since the epoch. */
  readonly from?: number;
  readonly to?: number;
}

export type Route =
  | { readonly name: 'logs'; readonly link: LogsLink }
  | { readonly name: 'fleet' }
  /** `incident`: highlight that incident's subgraph and dim the rest (#/topology?incident=ID). */
  | { readonly name: 'topology'; readonly incident?: string }
  | { readonly name: 'host'; readonly hostId: string }
  /** #/incidents, or #/incidents/ID with that incident's detail shown; `remediate`: the remediation drawer over it. */
  | { readonly name: 'incidents'; readonly incidentId: string | null; readonly remediate?: RemediateLink }
  /** #/actions: the remediation runs, newest first. */
  | { readonly name: 'actions' }
  /** Incident notification deliveries (`incident`: one incident's). */
  | { readonly name: 'notifications'; readonly incident?: string }
  /** #/audit: the audit log's tail and chain verification, and the remediation policy. */
  | { readonly name: 'audit' }
  /** #/ask, or #/ask?incident=ID: free questions to the local model agents. */
  | { readonly name: 'ask'; readonly incident?: string }
  /** #/terminal?host=ID: terminals on one host (`replay`: show that session's recording). */
  | { readonly name: 'terminal'; readonly hostId: string; readonly replay?: string };

/**
 * The remediation drawer of an incident: #/incidents/ID?remediate=RUNBOOK&host=HOST&cause=RANK&p.NAME=VALUE…
 * (`host` optional: the proposal's or the incident's first host; `cause`: the ranked cause whose proposal
 * fills the form; `p.*` prefill the parameter form, over the proposal).
 */
export interface RemediateLink {
  readonly runbookId: string;
  readonly hostId?: string;
  /** Rank of the cause (1 = top) the proposal is for. */
  readonly cause?: number;
  /** Parameter values as typed in a form (text), by param name. */
  readonly params?: Readonly<Record<string, string>>;
}

export type SortDir = 'asc' | 'desc';

export type FleetSortKey = 'hostname' | 'status' | 'alerts' | 'cpu' | 'mem' | 'disk' | 'net';
export type StatusFilter = HostStatus | 'all';

export type ProcessSortKey = 'pid' | 'name' | 'user' | 'cpuPct' | 'rssBytes' | 'readBps' | 'writeBps' | 'threads';

export const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
export type RangeKey = keyof typeof RANGES;

/** Loading state of something fetched: what to show instead of data. */
export type Load = { readonly status: 'loading' } | { readonly status: 'ready' } | { readonly status: 'error'; readonly message: string };

/**
 * One chart line's points. Raw ranges hold samples (lo/hi null); bucketed ranges hold one point per
 * bucket: `v` the average, `lo`/`hi` the min/max envelope, `n` the samples in it.
 */
export interface ChartSeries {
  readonly key: string;
  readonly t: readonly number[];
  readonly v: readonly number[];
  readonly lo: readonly number[] | null;
  readonly hi: readonly number[] | null;
  readonly n: readonly number[] | null;
  /** Bucket width, ms; null for raw samples. */
  readonly bucketMs: number | null;
}

/** A fixed window brushed on a host chart: shown instead of the live range until reset. */
export interface ZoomWindow {
  /** ms since the epoch, inclusive. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Points asked per line (about the plot's width in pixels; see charts/zoom.ts). */
  readonly points: number;
}

export interface HostViewState {
  readonly hostId: string | null;
  readonly range: RangeKey;
  /** When set, every chart of the host shows this window, not live; null: the live `range`. */
  readonly zoom: ZoomWindow | null;
  /** End of the shown range, ms; follows the newest sample. */
  readonly toMs: number;
  readonly series: readonly SeriesInfo[];
  readonly charts: Readonly<Record<string, ChartSeries>>;
  readonly chartsLoad: Load;
  readonly processes: HostTable<ProcessRow> | null;
  readonly processSort: { readonly key: ProcessSortKey; readonly dir: SortDir };
  readonly processSearch: string;
}

/** One host's warm-up, from GET /hosts/:host/alerts. */
export interface HostLearning {
  /** Series of the host scored so far. */
  readonly series: number;
  /** Per series still learning: samples it needs before it may alert. */
  readonly left: Readonly<Record<string, number>>;
  readonly warmupSamples: number;
  /** Keys the stronger detector scores (the host's headline series; the others, the cheap one). */
  readonly strong: readonly string[];
}

/** The alerts slice: fed by the initial query, host views' queries and the live `alerts` topic. */
export interface AlertsState {
  /** Every alert the UI knows, by id. */
  readonly byId: Readonly<Record<string, Alert>>;
  readonly load: Load;
  /** The alert picked in a host view or the palette (its evidence and chart are shown). */
  readonly selectedId: string | null;
  /** Per host id. */
  readonly learning: Readonly<Record<string, HostLearning>>;
  /** The series window around the selected alert, for its chart. */
  readonly window: { readonly alertId: string; readonly line: ChartSeries } | null;
  /** Alert ids with an operator action in flight. */
  readonly pending: Readonly<Record<string, true>>;
  /** Why the last operator action failed, until the next one. */
  readonly actionError: string | null;
}

/** The incidents slice: fed by the initial queries and the live `incidents` topic (state/incidents.ts). */
export interface IncidentsState {
  /** Every incident the UI knows, by id. */
  readonly byId: Readonly<Record<string, Incident>>;
  readonly load: Load;
}

/** Time-to-exhaustion forecasts (GET /forecasts), re-read when the console's next evaluation is due. */
export interface ForecastsState {
  /** Per host id, every resource with a forecast. */
  readonly byHost: Readonly<Record<string, readonly ResourceForecast[]>>;
  /** The console's last evaluation and the period between evaluations, ms (0 until loaded). */
  readonly evaluatedMs: number;
  readonly everyMs: number;
  readonly load: Load;
}

export interface AppState {
  readonly connection: ConnectionInfo;
  readonly hosts: Readonly<Record<string, Host>>;
  readonly hostsLoad: Load;
  readonly fleet: FleetView | null;
  readonly fleetLoad: Load;
  readonly fleetSort: { readonly key: FleetSortKey; readonly dir: SortDir };
  readonly fleetFilter: { readonly text: string; readonly status: StatusFilter; readonly alerting: boolean };
  readonly stats: IngestStatsView | null;
  readonly route: Route;
  readonly theme: 'dark' | 'light';
  readonly hostView: HostViewState;
  readonly topology: TopologyView | null;
  readonly topologyLoad: Load;
  /** The command palette (Ctrl/Cmd+K) is open. */
  readonly paletteOpen: boolean;
  readonly alerts: AlertsState;
  readonly incidents: IncidentsState;
  readonly forecasts: ForecastsState;
  /** Where collectors connect (GET /health), for the first-run instructions; null until known. */
  readonly ingestUrl: string | null;
}

/** A named change: a pure function of the state and a payload, returning the changed part. */
export type Action<P> = (state: AppState, payload: P) => Partial<AppState>;

export function initialHostView(hostId: string | null = null): HostViewState {
  return {
    hostId,
    range: '15m',
    zoom: null,
    toMs: 0,
    series: [],
    charts: {},
    chartsLoad: { status: 'loading' },
    processes: null,
    processSort: { key: 'cpuPct', dir: 'desc' },
    processSearch: '',
  };
}

export function initialState(): AppState {
  return {
    connection: { state: 'connecting', reason: null, retryAtMs: null },
    hosts: {},
    hostsLoad: { status: 'loading' },
    fleet: null,
    fleetLoad: { status: 'loading' },
    fleetSort: { key: 'hostname', dir: 'asc' },
    fleetFilter: { text: '', status: 'all', alerting: false },
    stats: null,
    route: { name: 'fleet' },
    theme: 'dark',
    hostView: initialHostView(),
    topology: null,
    topologyLoad: { status: 'loading' },
    paletteOpen: false,
    alerts: { byId: {}, load: { status: 'loading' }, selectedId: null, learning: {}, window: null, pending: {}, actionError: null },
    incidents: { byId: {}, load: { status: 'loading' } },
    forecasts: { byHost: {}, evaluatedMs: 0, everyMs: 0, load: { status: 'loading' } },
    ingestUrl: null,
  };
}
