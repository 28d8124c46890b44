/**
 * Every change to the UI state, by name. Each is a pure `(state, payload) → partial state` function, so
 * it is tested without React or a store (actions.test.ts); state/store.ts applies them.
 */
import type { FleetView, Host, HostTable, IngestStatsView, SeriesData, SeriesInfo, TopologyView } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { appendSample, chartSeriesFrom } from '../charts/chart-series';
import { sameZoom } from '../charts/zoom';
import type { ConnectionInfo } from '../transport/transport';
import { RANGES, initialHostView, type Action, type FleetSortKey, type ProcessSortKey, type RangeKey, type Route, type StatusFilter, type ZoomWindow } from './types';

export const connectionChanged: Action<ConnectionInfo> = (_s, connection) => ({ connection });

export const hostsLoaded: Action<readonly Host[]> = (_s, list) => {
  const hosts: Record<string, Host> = {};
  for (const h of list) hosts[h.id] = h;
  return { hosts, hostsLoad: { status: 'ready' } };
};

export const hostsFailed: Action<string> = (_s, message) => ({ hostsLoad: { status: 'error', message } });

/** A host document pushed by the live channel: the fleet row's status follows at once, figures at the next fetch. */
export const hostUpdated: Action<Host> = (s, host) => {
  const hosts = { ...s.hosts, [host.id]: host };
  const i = s.fleet ? s.fleet.hosts.findIndex((h) => h.id === host.id) : -1;
  if (!s.fleet || i < 0) return { hosts, hostsLoad: { status: 'ready' } };
  const rows = [...s.fleet.hosts];
  rows[i] = { ...(rows[i] as FleetView['hosts'][number]), status: host.status, connected: host.connected, lastSeenMs: host.lastSeenMs, hostname: host.hostname };
  return { hosts, hostsLoad: { status: 'ready' }, fleet: { ...s.fleet, hosts: rows } };
};

export const fleetLoaded: Action<FleetView> = (_s, fleet) => ({ fleet, fleetLoad: { status: 'ready' } });

/** A failed re-fetch keeps the figures already shown and says why. */
export const fleetFailed: Action<string> = (_s, message) => ({ fleetLoad: { status: 'error', message } });

/** Sorting by the current column flips its direction; a new column starts descending for figures, ascending for names. */
export const fleetSortChanged: Action<FleetSortKey> = (s, key) => ({
  fleetSort: { key, dir: s.fleetSort.key === key ? (s.fleetSort.dir === 'asc' ? 'desc' : 'asc') : key === 'hostname' || key === 'status' ? 'asc' : 'desc' },
});

export const fleetTextFilterChanged: Action<string> = (s, text) => ({ fleetFilter: { ...s.fleetFilter, text } });
export const fleetStatusFilterChanged: Action<StatusFilter> = (s, status) => ({ fleetFilter: { ...s.fleetFilter, status } });

export const statsLoaded: Action<IngestStatsView> = (_s, stats) => ({ stats });

/** Opening another host resets the host view (its charts and table belong to the previous one). */
export const routeChanged: Action<Route> = (s, route) => {
  if (route.name === 'host' && s.hostView.hostId !== route.hostId) return { route, hostView: { ...initialHostView(route.hostId), range: s.hostView.range } };
  return { route };
};

export const themeToggled: Action<void> = (s) => ({ theme: s.theme === 'dark' ? 'light' : 'dark' });

/** Picking a live range also leaves any zoomed window. */
export const rangeChanged: Action<RangeKey> = (s, range) => ({ hostView: { ...s.hostView, range, zoom: null, charts: {}, chartsLoad: { status: 'loading' } } });

/**
 * A window brushed on a chart: every chart shows it, fixed, until reset. The lines already loaded stay
 * drawn (clipped to the window) until the finer query for it answers, so the charts do not blink.
 */
export const chartsZoomed: Action<ZoomWindow> = (s, zoom) => {
  if (s.hostView.hostId === null || !(zoom.toMs > zoom.fromMs) || sameZoom(s.hostView.zoom, zoom)) return {};
  return { hostView: { ...s.hostView, zoom, toMs: zoom.toMs } };
};

/** Back to the live range (double-click, Escape or Reset); its query runs again since samples went by. */
export const zoomReset: Action<void> = (s) => (s.hostView.zoom === null ? {} : { hostView: { ...s.hostView, zoom: null, charts: {}, chartsLoad: { status: 'loading' } } });

export const seriesListed: Action<{ hostId: string; series: readonly SeriesInfo[] }> = (s, p) =>
  p.hostId === s.hostView.hostId ? { hostView: { ...s.hostView, series: p.series } } : {};

/** The range query of every chart line answered (stale answers for another host, range or window are dropped). */
export const chartsLoaded: Action<{ hostId: string; range: RangeKey; zoom: ZoomWindow | null; toMs: number; data: Readonly<Record<string, SeriesData>> }> = (s, p) => {
  if (p.hostId !== s.hostView.hostId || p.range !== s.hostView.range || !sameZoom(p.zoom, s.hostView.zoom)) return {};
  const charts: Record<string, ReturnType<typeof chartSeriesFrom>> = {};
  for (const [key, d] of Object.entries(p.data)) charts[key] = chartSeriesFrom(key, d);
  return { hostView: { ...s.hostView, charts, toMs: p.toMs, chartsLoad: { status: 'ready' } } };
};

export const chartsFailed: Action<{ hostId: string; message: string }> = (s, p) =>
  p.hostId === s.hostView.hostId ? { hostView: { ...s.hostView, chartsLoad: { status: 'error', message: p.message } } } : {};

/** Live samples of the shown host: appended to the lines that show those keys; the range slides with them. A zoomed window stays fixed. */
export const samplesArrived: Action<{ hostId: string; ts: number; keys: readonly string[]; values: readonly number[] }> = (s, p) => {
  const hv = s.hostView;
  if (p.hostId !== hv.hostId || hv.chartsLoad.status !== 'ready' || hv.zoom !== null) return {};
  const toMs = Math.max(hv.toMs, p.ts);
  const fromMs = toMs - RANGES[hv.range];
  let charts: Record<string, ReturnType<typeof chartSeriesFrom>> | null = null;
  for (let i = 0; i < p.keys.length; i++) {
    const key = p.keys[i] as string;
    const line = hv.charts[key];
    if (!line) continue;
    const next = appendSample(line, p.ts, p.values[i] as number, fromMs);
    if (next === line) continue;
    charts ??= { ...hv.charts };
    charts[key] = next;
  }
  return charts ? { hostView: { ...hv, charts, toMs } } : {};
};

export const processesLoaded: Action<{ hostId: string; table: HostTable<ProcessRow> }> = (s, p) =>
  p.hostId === s.hostView.hostId ? { hostView: { ...s.hostView, processes: p.table } } : {};

export const processSortChanged: Action<ProcessSortKey> = (s, key) => {
  const cur = s.hostView.processSort;
  const dir = cur.key === key ? (cur.dir === 'asc' ? 'desc' : 'asc') : key === 'name' || key === 'user' || key === 'pid' ? 'asc' : 'desc';
  return { hostView: { ...s.hostView, processSort: { key, dir } } };
};

export const processSearchChanged: Action<string> = (s, processSearch) => ({ hostView: { ...s.hostView, processSearch } });

export const topologyLoaded: Action<TopologyView> = (_s, topology) => ({ topology, topologyLoad: { status: 'ready' } });

/** A failed re-fetch keeps the graph already drawn and says why. */
export const topologyFailed: Action<string> = (_s, message) => ({ topologyLoad: { status: 'error', message } });

export const paletteOpened: Action<void> = () => ({ paletteOpen: true });
export const paletteClosed: Action<void> = () => ({ paletteOpen: false });
