/**
 * `process-history`: what the console's per-host process history (apps/desktop/src/core/incidents/
 * process-history.ts) costs at fleet size. Each simulated host sends a process table every 2 s for the
 * history's whole span (15 min: 451 tables), decoded from msgpack as the ingest path decodes it (fresh
 * strings in every table); then the heap the history holds is measured (GC'd heap plus ArrayBuffer memory,
 * by difference) and the time of `add` per table and of `tracks` over a 10-minute window (what the cause
 * ranker reads per host of an incident). Then the same for the other per-host state built from every table,
 * the lifecycle tracker (process-events.ts: exits and restart loops), fed the same tables afresh.
 *
 * The tables are synthetic but shaped like a server's (a deterministic generator, not a recording): 200
 * processes of which 30 are kernel threads; 85 % idle, 10 % at 0–2 % CPU, 5 % busy (5–60 %); resident
 * memory log-normal around 8 MiB with a few of 0.5–2 GiB, busy processes' memory moving by ±1 % a scan; 4 %
 * of the processes reading or writing a few MB/s in half of the scans; a short-lived job (a new pid,
 * 10 s of CPU) every 30 s.
 */
import { pack, unpack } from 'msgpackr';
import { settledHeapBytes } from '../../apps/desktop/src/core/heap';
import { ProcessEvents } from '../../apps/desktop/src/core/incidents/process-events';
import { ProcessHistory } from '../../apps/desktop/src/core/incidents/process-history';
import { mulberry32 } from '../../shared/src/mulberry32';
import type { ProcessRow } from '../../shared/src/protocol/messages';
import { numberOption, parseOptions } from './args';
import type { Bench } from './bench';
import { progress, type BenchResult } from './report';
import { median, round } from './stats';

const NAME = 'process-history';
const log = (m: string): void => progress(NAME, m);

const options = {
  hosts: { type: 'string', help: 'simulated hosts', default: '200' },
  processes: { type: 'string', help: 'processes per table', default: '200' },
} as const;

const SPACING_MS = 2_000;
const SPAN_MS = 15 * 60_000;
const WINDOW_MS = 10 * 60_000;
const FLEET = 1_000;

const NAMES = ['sshd', 'systemd', 'postgres', 'nginx', 'java', 'node', 'python3', 'redis-server', 'containerd', 'dockerd', 'rsyslogd', 'cron', 'chronyd', 'haproxy', 'envoy', 'kubelet'];

interface SimProcess {
  readonly pid: number;
  readonly name: string;
  readonly cmd: string;
  readonly ppid: number;
  readonly kind: 'idle' | 'low' | 'busy';
  readonly io: boolean;
  readonly startMs: number;
  rss: number;
}

/** One host's processes and a function giving its table at scan `i`. */
export function simHost(seed: number, count: number, t0: number): (i: number) => ProcessRow[] {
  const r = mulberry32(seed);
  const procs: SimProcess[] = [];
  for (let p = 0; p < count; p++) {
    const kernel = p < 30;
    const name = kernel ? `kworker/${p}:1` : `${NAMES[p % NAMES.length]!}${p >= NAMES.length ? `-${p}` : ''}`;
    const u = r();
    const normal = Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
    const rss = kernel ? 0 : r() < 0.03 ? Math.round((0.5 + 1.5 * r()) * 2 ** 30) : Math.round(8 * 2 ** 20 * Math.exp(normal));
    procs.push({ pid: 100 + p * 7, name, cmd: kernel ? '' : `/usr/bin/${name} --config /etc/${name}.conf`, ppid: kernel ? 2 : 1, kind: u < 0.85 ? 'idle' : u < 0.95 ? 'low' : 'busy', io: !kernel && r() < 0.04, startMs: t0 - 86_400_000, rss });
  }
  return (i: number) => {
    const rows: ProcessRow[] = procs.map((p) => {
      const cpuPct = p.kind === 'idle' ? 0 : p.kind === 'low' ? 2 * r() : 5 + 55 * r();
      if (p.kind === 'busy') p.rss = Math.round(p.rss * (0.99 + 0.02 * r()));
      const io = p.io && r() < 0.5;
      return { pid: p.pid, ppid: p.ppid, name: p.name, cmd: p.cmd, user: 'root', state: cpuPct > 0 ? 'R' : 'S', cpuPct, rssBytes: p.rss, threads: 4, fds: 12, startMs: p.startMs, readBps: io ? 5e6 * r() : 0, writeBps: io ? 3e6 * r() : 0 };
    });
    // A short-lived job every 30 s (15 scans), running for 10 s (5 scans) with a new pid each time.
    const job = Math.floor(i / 15);
    if (i % 15 < 5) rows.push({ pid: 50_000 + job, ppid: 1, name: 'backup-job', cmd: '/usr/local/bin/backup-job --incremental', user: 'root', state: 'R', cpuPct: 40 + 40 * r(), rssBytes: 64 * 2 ** 20, threads: 1, fds: 8, startMs: t0 + job * 15 * SPACING_MS, readBps: 2e7 * r(), writeBps: 0 });
    return rows;
  };
}

/** Feeds every host its tables (decoded from msgpack, as ingest decodes a frame); returns the add time, ns. */
function feed(hosts: number, scans: number, sims: ReadonlyArray<(i: number) => ProcessRow[]>, t0: number, add: (hostId: string, ts: number, table: ProcessRow[]) => void, what: string): bigint {
  let ns = 0n;
  for (let i = 0; i < scans; i++) {
    for (let h = 0; h < hosts; h++) {
      // Decoded from the wire format, as ingest does: every table brings its own strings.
      const table = unpack(pack(sims[h]!(i))) as ProcessRow[];
      const a = process.hrtime.bigint();
      add(`host-${h}`, t0 + i * SPACING_MS, table);
      ns += process.hrtime.bigint() - a;
    }
    if ((i + 1) % 150 === 0) log(`${what}: ${i + 1} of ${scans} tables per host (${Math.round(((i + 1) * SPACING_MS) / 60_000)} min)`);
  }
  return ns;
}

async function run(argv: readonly string[]): Promise<BenchResult> {
  const values = parseOptions(NAME, argv, options);
  const hosts = numberOption(NAME, values, 'hosts', 200, 1, 5_000);
  const count = numberOption(NAME, values, 'processes', 200, 1, 5_000);
  const t0 = Date.UTC(2026, 10, 27);
  const scans = SPAN_MS / SPACING_MS + 1;
  const end = t0 + (scans - 1) * SPACING_MS;

  // The history.
  let sims = Array.from({ length: hosts }, (_, h) => simHost(h + 1, count, t0));
  let before = await settledHeapBytes();
  const history = new ProcessHistory({ maxHosts: Math.max(hosts, 2_000) });
  const addNs = feed(hosts, scans, sims, t0, (h, ts, table) => history.add(h, ts, table), 'history');
  const bytesPerHost = ((await settledHeapBytes()) - before) / hosts;
  const tracksMs: number[] = [];
  let tracked = 0;
  for (let h = 0; h < Math.min(hosts, 50); h++) {
    const a = process.hrtime.bigint();
    tracked += history.tracks(`host-${h}`, end - WINDOW_MS, end).length;
    tracksMs.push(Number(process.hrtime.bigint() - a) / 1e6);
  }
  if (history.since('host-0') === null) throw new Error('the history lost its hosts');

  // The lifecycle tracker (process-events.ts), the other per-host state built from every table.
  sims = Array.from({ length: hosts }, (_, h) => simHost(h + 1, count, t0));
  before = await settledHeapBytes();
  const events = new ProcessEvents({ maxHosts: Math.max(hosts, 2_000) });
  let raised = 0;
  const observeNs = feed(hosts, scans, sims, t0, (h, ts, table) => (raised += events.observe(h, ts, table).length), 'events');
  const eventsBytesPerHost = ((await settledHeapBytes()) - before) / hosts;
  if (events.processOfProgram('host-0', 'x') !== 'x') throw new Error('unreachable');

  const figures = {
    hosts,
    processesPerTable: count,
    snapshotsPerHost: scans,
    bytesPerHost: Math.round(bytesPerHost),
    fleetMB: round((bytesPerHost * FLEET) / 2 ** 20, 1),
    addUsPerTable: round(Number(addNs) / 1e3 / (scans * hosts), 2),
    tracksMsPerHost: round(median(tracksMs), 3),
    tracksPerHost: round(tracked / tracksMs.length, 1),
    eventsBytesPerHost: Math.round(eventsBytesPerHost),
    eventsFleetMB: round((eventsBytesPerHost * FLEET) / 2 ** 20, 1),
    observeUsPerTable: round(Number(observeNs) / 1e3 / (scans * hosts), 2),
    eventsRaised: raised,
  };
  log(`${hosts} hosts × ${scans} tables of ${count} processes`);
  log(`history: ${(bytesPerHost / 1024).toFixed(0)} KiB per host (${figures.fleetMB} MiB at ${FLEET.toLocaleString('en')} hosts), add ${figures.addUsPerTable} µs per table, tracks over 10 min ${figures.tracksMsPerHost} ms per host (${figures.tracksPerHost} processes)`);
  log(`events: ${(eventsBytesPerHost / 1024).toFixed(0)} KiB per host (${figures.eventsFleetMB} MiB at ${FLEET.toLocaleString('en')} hosts), observe ${figures.observeUsPerTable} µs per table, ${raised} alert transitions`);
  return { bench: NAME, figures, skipped: {} };
}

export const processHistoryBench: Bench = { name: NAME, summary: "memory and time of the console's per-host process state: the history and the lifecycle tracker (15 min of 2-second tables per host)", options, run };
