/** The UI's state, one tree: what the console sent, and what the operator chose to look at. */
import type { FleetView, Host, HostStatus, HostTable, IngestStatsView, SeriesInfo, TopologyView } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import type { ConnectionInfo } from '../transport/transport';

export type Route = { readonly name: 'fleet' } | { readonly name: 'topology' } | { readonly name: 'host'; readonly hostId: string };

export type SortDir = 'asc' | 'desc';

export type FleetSortKey = 'hostname' | 'status' | 'cpu' | 'mem' | 'disk' | 'net';
export type StatusFilter = HostStatus | 'all';

export type ProcessSortKey = 'pid' | 'name' | 'user' | 'cpuPct' | 'rssBytes' | 'threads';

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

export interface HostViewState {
  readonly hostId: string | null;
  readonly range: RangeKey;
  /** End of the shown range, ms; follows the newest sample. */
  readonly toMs: number;
  readonly series: readonly SeriesInfo[];
  readonly charts: Readonly<Record<string, ChartSeries>>;
  readonly chartsLoad: Load;
  readonly processes: HostTable<ProcessRow> | null;
  readonly processSort: { readonly key: ProcessSortKey; readonly dir: SortDir };
  readonly processSearch: string;
}

export interface AppState {
  readonly connection: ConnectionInfo;
  readonly hosts: Readonly<Record<string, Host>>;
  readonly hostsLoad: Load;
  readonly fleet: FleetView | null;
  readonly fleetLoad: Load;
  readonly fleetSort: { readonly key: FleetSortKey; readonly dir: SortDir };
  readonly fleetFilter: { readonly text: string; readonly status: StatusFilter };
  readonly stats: IngestStatsView | null;
  readonly route: Route;
  readonly theme: 'dark' | 'light';
  readonly hostView: HostViewState;
  readonly topology: TopologyView | null;
  readonly topologyLoad: Load;
  /** The command palette (Ctrl/Cmd+K) is open. */
  readonly paletteOpen: boolean;
}

/** A named change: a pure function of the state and a payload, returning the changed part. */
export type Action<P> = (state: AppState, payload: P) => Partial<AppState>;

export function initialHostView(hostId: string | null = null): HostViewState {
  return {
    hostId,
    range: '15m',
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
    fleetFilter: { text: '', status: 'all' },
    stats: null,
    route: { name: 'fleet' },
    theme: 'dark',
    hostView: initialHostView(),
    topology: null,
    topologyLoad: { status: 'loading' },
    paletteOpen: false,
  };
}
