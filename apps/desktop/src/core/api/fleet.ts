/**
 * The fleet route (GET /api/v1/fleet): every host's headline figures and a short history of each,
 * computed on request from the telemetry store. Kept cheap for ~1,000 hosts: the series keys a host's
 * figures need are derived from listSeries() once and re-derived only when its series count changes,
 * each history is one downsampled store query per series, and a result is reused for a second.
 */
import type { FleetHistory, FleetHost, FleetView, HostStatus } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import type { TelemetryStore } from '../tsdb/store';

export const FLEET_WINDOW_MS = 10 * 60_000;
export const FLEET_STEPS = 60;
/** A second: several UI tabs or a burst of requests share one computation. */
const REUSE_MS = 1_000;

export interface FleetHostSource {
  readonly id: string;
  readonly hostname: string;
  readonly status: HostStatus;
  readonly connected: boolean;
  readonly lastSeenMs: number;
}

/** The series behind a host's figures. */
interface FigureKeys {
  readonly seriesCount: number;
  readonly fs: readonly string[];
  /** rx and tx keys of every non-loopback interface. */
  readonly net: readonly string[];
}

const CPU_KEY = 'cpu.util_pct';
const MEM_KEY = 'mem.used_pct';

export class FleetFigures {
  private readonly keys = new Map<string, FigureKeys>();
  private cached: { atMs: number; view: FleetView } | null = null;

  constructor(private readonly store: TelemetryStore) {}

  view(hosts: readonly FleetHostSource[], nowMs: number = Date.now()): FleetView {
    if (this.cached && nowMs - this.cached.atMs < REUSE_MS && this.cached.view.hosts.length === hosts.length) return this.cached.view;
    const stepMs = FLEET_WINDOW_MS / FLEET_STEPS;
    // Steps align to multiples of stepMs so that successive requests draw the same buckets.
    const t0 = Math.floor(nowMs / stepMs) * stepMs - (FLEET_STEPS - 1) * stepMs;
    const window = { t0, stepMs, steps: FLEET_STEPS, to: nowMs };
    const live = new Set<string>();
    const out: FleetHost[] = [];
    for (const h of hosts) {
      live.add(h.id);
      out.push(this.host(h, window));
    }
    for (const id of this.keys.keys()) if (!live.has(id)) this.keys.delete(id);
    const view: FleetView = { t0, stepMs, steps: FLEET_STEPS, hosts: out };
    this.cached = { atMs: nowMs, view };
    return view;
  }

  private host(h: FleetHostSource, w: Window): FleetHost {
    const keys = this.figureKeys(h.id);
    const cpu = this.steps(h.id, CPU_KEY, w);
    const mem = this.steps(h.id, MEM_KEY, w);
    const disk = combine(keys.fs.map((k) => this.steps(h.id, k, w)), Math.max);
    const net = combine(keys.net.map((k) => this.steps(h.id, k, w)), (a, b) => a + b);
    const latestOf = (k: string): number | null => this.store.latest(h.id, k)?.v ?? null;
    const latestFs = keys.fs.map(latestOf).filter((v): v is number => v !== null);
    const latestNet = keys.net.map(latestOf).filter((v): v is number => v !== null);
    return {
      id: h.id,
      hostname: h.hostname,
      status: h.status,
      connected: h.connected,
      lastSeenMs: h.lastSeenMs,
      cpuPct: round(latestOf(CPU_KEY), 10),
      memPct: round(latestOf(MEM_KEY), 10),
      diskPct: latestFs.length > 0 ? round(Math.max(...latestFs), 10) : null,
      netBps: latestNet.length > 0 ? round(latestNet.reduce((a, b) => a + b, 0), 1) : null,
      history: { cpu: roundAll(cpu, 10), mem: roundAll(mem, 10), disk: roundAll(disk, 10), net: roundAll(net, 1) },
    };
  }

  private figureKeys(hostId: string): FigureKeys {
    const count = this.store.seriesCount(hostId);
    const known = this.keys.get(hostId);
    if (known && known.seriesCount === count) return known;
    const fs: string[] = [];
    const net: string[] = [];
    for (const s of this.store.listSeries(hostId)) {
      const parsed = parseSeriesKey(s.key);
      if (!parsed) continue;
      if (parsed.name === 'fs.used_pct') fs.push(s.key);
      else if ((parsed.name === 'net.rx_bps' || parsed.name === 'net.tx_bps') && !isLoopback(parsed.labels['if'])) net.push(s.key);
    }
    const keys = { seriesCount: count, fs, net };
    this.keys.set(hostId, keys);
    return keys;
  }

  /** Step averages of one series over the window (null where a step has no sample). */
  private steps(hostId: string, key: string, w: Window): (number | null)[] {
    const sum = new Float64Array(w.steps);
    const n = new Float64Array(w.steps);
    const r = this.store.query(hostId, key, { from: w.t0, to: w.to, maxPoints: w.steps });
    const add = (t: number, v: number, weight: number): void => {
      const i = Math.floor((t - w.t0) / w.stepMs);
      if (i < 0 || i >= w.steps || !Number.isFinite(v)) return;
      sum[i] = (sum[i] as number) + v * weight;
      n[i] = (n[i] as number) + weight;
    };
    if (r.kind === 'raw') for (let i = 0; i < r.t.length; i++) add(r.t[i] as number, r.v[i] as number, 1);
    else for (let i = 0; i < r.t.length; i++) add(r.t[i] as number, r.avg[i] as number, r.n[i] as number);
    const out: (number | null)[] = new Array(w.steps);
    for (let i = 0; i < w.steps; i++) out[i] = (n[i] as number) > 0 ? (sum[i] as number) / (n[i] as number) : null;
    return out;
  }
}

interface Window {
  readonly t0: number;
  readonly stepMs: number;
  readonly steps: number;
  readonly to: number;
}

/** Combine per-series steps with `op`; a step is null only where every series is. */
export function combine(series: readonly (readonly (number | null)[])[], op: (a: number, b: number) => number): (number | null)[] {
  if (series.length === 0) return new Array<number | null>(FLEET_STEPS).fill(null);
  const out = [...(series[0] as (number | null)[])];
  for (let s = 1; s < series.length; s++) {
    const cur = series[s] as (number | null)[];
    for (let i = 0; i < out.length; i++) {
      const a = out[i] ?? null;
      const b = cur[i] ?? null;
      out[i] = a === null ? b : b === null ? a : op(a, b);
    }
  }
  return out;
}

function isLoopback(iface: string | undefined): boolean {
  return iface === undefined || iface === 'lo' || iface.startsWith('lo:');
}

/** Round to 1/`per` (per = 10: one decimal), keeping JSON small. */
function round(v: number | null, per: number): number | null {
  return v === null ? null : Math.round(v * per) / per;
}

function roundAll(values: readonly (number | null)[], per: number): FleetHistory {
  return values.map((v) => round(v, per));
}
