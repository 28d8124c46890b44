/**
 * The `fleet` benchmark's hosts: simulated collectors that send what a real collector sends at its default
 * cadence (apps/collector/src/sources/index.ts DEFAULT_SOURCES_CONFIG, a 1 s tick):
 * - every tick, this machine's own metric series (read once with the collector's sources), each host's
 *   values its own draw around them with 2 % noise (none on filesystems and capacities), plus the
 *   collector's self-metrics;
 * - every 2nd tick, a process table (process-history.ts's server-shaped generator: 200 processes, 30 of them
 *   kernel threads, busy ones moving, a short-lived job every 30 s), as the collector sends it: changes
 *   against the last table where the console offers them, whole every 15th time (`wholeTables`: always whole);
 * - every 10th tick, its socket table (ui-load.ts's topology: a service connected to two other hosts);
 * - log records every tick (`logsPerSec`, typical daemon lines).
 * The inventory goes with the first batch. Like a collector, a host keeps at most the console's window of
 * batches unacked (`maxInFlight` in its welcome); a tick that finds the window full is held back (counted:
 * a collector would spool it and send it later).
 */
import { collectTick, createSources, DEFAULT_SOURCES_CONFIG } from '../../apps/collector/src/sources/index';
import type { CollectOutput } from '../../apps/collector/src/sources/source';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import type { ProcessRow, SocketRow, TelemetryBatch } from '@cerebro/shared/protocol/messages';
import { ProcessTableEncoder } from '@cerebro/shared/protocol/table-delta';
import { seriesKey, type Labels } from '@cerebro/shared/protocol/series';
import { mulberry32 } from '../../shared/src/mulberry32';
import { logRecords } from './ingest-load';
import { simHost } from './process-history';
import { sleep } from './spawned';
import { hostAddress, inventory, SERVICE_PID, SERVICE_PORT, socketTable, UiSimHost } from './ui-load';

export const PROCESS_EVERY_TICKS = DEFAULT_SOURCES_CONFIG.processes.intervalTicks;
export const SOCKET_EVERY_TICKS = DEFAULT_SOURCES_CONFIG.sockets.intervalTicks;

/** This machine's series as its collector would send them (two ticks 1 s apart, so rates are there). */
export async function machineSeries(): Promise<{ keys: string[]; values: number[] }> {
  const sources = createSources({ ...DEFAULT_SOURCES_CONFIG, processes: { ...DEFAULT_SOURCES_CONFIG.processes, enabled: false }, sockets: { ...DEFAULT_SOURCES_CONFIG.sockets, enabled: false } }, { procRoot: '/proc', sysRoot: '/sys', now: Date.now, log: () => undefined });
  let keys: string[] = [];
  let values: number[] = [];
  const out = (): CollectOutput => {
    keys = [];
    values = [];
    return {
      gauge: (name: string, value: number, labels?: Labels) => {
        keys.push(labels ? seriesKey(name, labels) : name);
        values.push(value);
      },
      procs: undefined,
      sockets: undefined,
      notice: () => undefined,
    } as unknown as CollectOutput;
  };
  collectTick(sources, out());
  await sleep(1000);
  collectTick(sources, out());
  for (const s of sources) s.close?.();
  // The collector's self-metrics (agent.ts selfMetrics).
  keys.push('collector.cpu_pct', 'collector.rss_bytes', 'collector.tick_ms', 'collector.spool.pending_batches', 'collector.spool.dropped_batches');
  values.push(0.4, 60 * 2 ** 20, 4, 0, 0);
  return { keys, values };
}

/** Counters shared by the fleet's hosts. */
export class FleetCounters {
  batches = 0;
  samples = 0;
  tables = 0;
  /** Of those, tables sent as changes. */
  tableDeltas = 0;
  /** Bytes of the frames sent. */
  bytes = 0;
  logs = 0;
  /** Time spent building and encoding frames (the load generator's own work), ms. */
  encodeMs = 0;
  /** Ticks skipped because the host's connection was not open. */
  notSent = 0;
  /** Ticks not sent because the host had the console's window of unacked batches out (a collector spools them). */
  heldBack = 0;
  acks = 0;
}

export interface FleetHostOptions {
  readonly url: string;
  readonly token: string;
  readonly index: number;
  readonly hosts: number;
  readonly series: { readonly keys: readonly string[]; readonly values: readonly number[] };
  readonly processes: number;
  readonly logsPerSec: number;
  /** Send every process table whole, as collectors before table deltas did. */
  readonly wholeTables: boolean;
  readonly counters: FleetCounters;
}

/** One simulated host of the fleet (connects with UiSimHost's hello; sends collector-shaped batches). */
export class FleetHost extends UiSimHost {
  private tick = 0;
  private paused = false;
  /** Batches sent and not acked yet (at most the welcome's `maxInFlight`). */
  private inFlight = 0;
  private readonly levels: Float64Array;
  private readonly noise: Float64Array;
  private readonly random: () => number;
  private readonly table: (i: number) => ProcessRow[];
  private readonly tables = new ProcessTableEncoder();
  private readonly sockets: SocketRow[];
  private readonly t0 = Date.now();
  /** The service the socket table's connections belong to. */
  private readonly service: ProcessRow = { pid: SERVICE_PID, ppid: 1, name: 'svc', cmd: `/usr/bin/svc --listen :${SERVICE_PORT}`, user: 'svc', state: 'S', cpuPct: 1, rssBytes: 200 * 2 ** 20, threads: 8, fds: 64, startMs: this.t0 - 86_400_000 };

  constructor(private readonly o: FleetHostOptions) {
    super(o.url, o.token, o.index, o.hosts);
    this.random = mulberry32(o.index + 1);
    // Each host its own level of every series: 0.5-1.5 times this machine's (percentages kept under 100).
    this.levels = Float64Array.from(o.series.values, (v, i) => (o.series.keys[i]!.includes('_pct') ? Math.min(100, v * (0.5 + this.random())) : v * (0.5 + this.random())));
    // 2 % noise a second, except on what does not move second to second on a real host: filesystems
    // (sizes, use, inodes) and capacities. With noise there, 139 of the 149 alerts of a 500-host run were on
    // filesystems (101 of them forecasts): the simulation's, not the console's.
    this.noise = Float64Array.from(o.series.keys, (k) => (/^fs\.|total_bytes|size_bytes/.test(k) ? 0 : 0.02));
    this.table = simHost(o.index + 1, o.processes, this.t0);
    this.sockets = socketTable(o.index, o.hosts);
  }

  private normal(): number {
    return Math.sqrt(-2 * Math.log(Math.max(1e-12, this.random()))) * Math.cos(2 * Math.PI * this.random());
  }

  /** Connects, then counts the console's acks: like a collector, a host keeps at most `maxInFlight` batches unacked. */
  override async connect(): Promise<void> {
    await super.connect();
    this.ws!.on('message', (data: Buffer) => {
      const m = decodeConsoleFrame(data);
      if (!m.ok) return;
      if (m.value.type !== 'ack') return;
      this.inFlight = Math.max(0, this.inFlight - 1);
      this.o.counters.acks++;
    });
  }

  private send(): void {
    if (this.ws?.readyState !== 1) return void this.o.counters.notSent++;
    if (this.inFlight >= this.maxInFlight) return void this.o.counters.heldBack++;
    const started = performance.now();
    const ts = Date.now();
    const { keys } = this.o.series;
    const v = new Array<number>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const b = this.levels[i]!;
      const x = this.noise[i] === 0 ? b : b * (1 + this.noise[i]! * this.normal());
      v[i] = keys[i]!.includes('_pct') ? Math.min(100, Math.max(0, x)) : Math.max(0, x);
    }
    const extra: Partial<TelemetryBatch> = {};
    if (this.tick === 0) (extra as { inventory?: unknown }).inventory = inventory(this.hostname, hostAddress(this.index));
    const seq = this.seq++;
    if (this.tick % PROCESS_EVERY_TICKS === 0) Object.assign(extra, this.tables.encode(seq, [...this.table(this.tick / PROCESS_EVERY_TICKS), this.service], this.tableDeltas && !this.o.wholeTables));
    if (this.tick % SOCKET_EVERY_TICKS === 0) (extra as { sockets?: SocketRow[] }).sockets = this.sockets;
    if (this.o.logsPerSec > 0) (extra as { logs?: unknown }).logs = logRecords(this.o.logsPerSec, this.o.index * 100_003 + this.tick, ts);
    const msg: TelemetryBatch = { type: 'batch', seq, ts, metrics: { k: keys, v }, ...extra };
    const frame = encodeMessage(msg);
    const c = this.o.counters;
    c.encodeMs += performance.now() - started;
    this.ws.send(frame);
    this.inFlight++;
    c.batches++;
    c.samples += keys.length;
    c.bytes += frame.length;
    if (extra.procs || extra.procsDelta) c.tables++;
    if (extra.procsDelta) c.tableDeltas++;
    c.logs += this.o.logsPerSec;
    this.tick++;
  }

  /** Stops sending (the connection stays open). */
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.paused = true;
  }

  /** A batch every second from a random phase, the first with the inventory. */
  override start(): void {
    setTimeout(() => {
      if (this.paused) return;
      this.send();
      this.timer = setInterval(() => this.send(), 1000);
    }, this.random() * 1000).unref();
  }
}
