/**
 * `fleet`: the whole console at fleet size. The real console core (`cerebro-console serve`, its own process)
 * takes N simulated hosts (fleet-load.ts: collector-shaped batches at the collector's default cadence:
 * ~100 metric series a second, a 200-process table every 2 s, a socket table every 10 s, log lines) for
 * `--seconds`, and the bench follows its memory and CPU: /stats' memory (V8 heap used against its limit,
 * ArrayBuffers) and /proc's RSS every 10 s. The state that grows with time (the process history's 15
 * minutes, the detectors' warm-up of 300 samples) is full only after 15 minutes, hence the default of 16 minutes.
 *
 * The heap figure is the least reading of the last minute: V8's heap in use includes garbage not yet
 * collected, so the low points of its saw-tooth are the closest to what the console keeps.
 */
import type { ConsoleMemoryView, RouteResponses } from '@cerebro/shared/api/contract';
import { numberOption, parseOptions } from './args';
import type { Bench } from './bench';
import { Cleanup } from './cleanup';
import { consoleApi, createToken, ensureBundles, REPO_ROOT, startConsole, type ConsoleInfo } from './console-process';
import { keepAndReport, type hotSpots } from './cpuprofile';
import { FleetCounters, FleetHost, machineSeries } from './fleet-load';
import { progress, type BenchResult } from './report';
import { tempDir } from './spawned';
import { median, round } from './stats';
import { measureWindow } from './window';

const NAME = 'fleet';
const log = (m: string): void => progress(NAME, m);
const MB = 2 ** 20;

const options = {
  hosts: { type: 'string', help: 'simulated hosts', default: '1000' },
  seconds: { type: 'string', help: 'seconds of load (the process history fills in 900)', default: '960' },
  processes: { type: 'string', help: 'processes per table', default: '200' },
  'logs-per-sec': { type: 'string', help: 'log records per host per second', default: '2' },
  'whole-tables': { type: 'boolean', help: 'send every process table whole, as collectors before table deltas (2026-11-27) did, to compare' },
  profile: { type: 'boolean', help: "run the console under node --cpu-prof and print its hot spots (figures then include the profiler's overhead); the profile is kept in build/bench/" },
  build: { type: 'boolean', help: 'rebuild the bundles first even if they look current' },
} as const;

interface Reading {
  readonly sec: number;
  readonly heapUsedMB: number;
  readonly arrayBuffersMB: number;
  readonly rssMB: number;
  readonly cpuPctOfCore: number;
  /** The console's event loop over its last complete 10 s window (null before one completed). */
  readonly loopMaxMs: number | null;
  readonly loopP99Ms: number | null;
}

/** GET /stats with a long timeout (a busy console is measured, not given up on after 5 s). */
function stats(info: ConsoleInfo): Promise<RouteResponses['stats']> {
  return consoleApi(info, 'stats', { timeoutMs: 30_000 });
}

/** Every alert the console raised (open, resolved, snoozed): how many, and how many per series name. */
async function allAlerts(info: ConsoleInfo): Promise<{ count: number; byName: Record<string, number> }> {
  const { alerts } = await consoleApi(info, 'alerts', { query: '?all=1', timeoutMs: 10_000 });
  const byName: Record<string, number> = {};
  for (const a of alerts) {
    const name = a.seriesKey.split('{')[0]!;
    byName[name] = (byName[name] ?? 0) + 1;
  }
  return { count: alerts.length, byName: Object.fromEntries(Object.entries(byName).sort((x, y) => y[1] - x[1]).slice(0, 10)) };
}

function memoryOf(stats: { memory?: ConsoleMemoryView }): ConsoleMemoryView {
  if (!stats.memory) throw new Error('the console reports no memory in /stats (an older console?)');
  return stats.memory;
}

async function run(argv: readonly string[]): Promise<BenchResult> {
  const values = parseOptions(NAME, argv, options);
  const hosts = numberOption(NAME, values, 'hosts', 1000, 1, 5000);
  const seconds = numberOption(NAME, values, 'seconds', 960, 20, 7200);
  const processes = numberOption(NAME, values, 'processes', 200, 1, 2000);
  const logsPerSec = numberOption(NAME, values, 'logs-per-sec', 2, 0, 1000);
  const wholeTables = values['whole-tables'] === true;
  const cleanup = new Cleanup();
  const fleet: FleetHost[] = [];
  try {
    ensureBundles(log, values['build'] === true);
    const series = await machineSeries();
    log(`${series.keys.length} series per host (this machine's, as its collector reads them)`);
    const home = tempDir(cleanup, 'fleet');
    const token = createToken(home);
    const profile = values['profile'] === true;
    const profDir = profile ? tempDir(cleanup, 'prof') : '';
    const con = await startConsole(cleanup, home, profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
    const idle = memoryOf(await consoleApi(con.info, 'stats'));
    log(`console pid ${con.proc.pid}: heap ${(idle.heapUsedBytes / MB).toFixed(0)} MB of ${(idle.heapLimitBytes / MB).toFixed(0)} MB before any host`);
    const counters = new FleetCounters();
    for (let i = 0; i < hosts; i++) fleet.push(new FleetHost({ url: con.info.ingestUrl, token, index: i, hosts, series, processes, logsPerSec, wholeTables, counters }));
    cleanup.add('close the simulated hosts', () => fleet.forEach((h) => h.close()));
    // Connected in groups, as a fleet reconnects after a console restart.
    for (let i = 0; i < fleet.length; i += 100) await Promise.all(fleet.slice(i, i + 100).map((h) => h.connect()));
    log(`${hosts} hosts connected; ${seconds} s of load`);
    const s0 = await consoleApi(con.info, 'stats');
    for (const h of fleet) h.start();
    const readings: Reading[] = [];
    const statsLatencies: number[] = [];
    let statsFailures = 0;
    const gen0 = process.cpuUsage();
    const w = await measureWindow({
      pid: con.proc.pid,
      warmupSec: 0,
      seconds,
      progressEverySec: 10,
      onProgress: async (sec, cpuPct, u) => {
        // A console too busy to answer within 30 s is a finding, not the end of the run.
        const asked = performance.now();
        let st: Awaited<ReturnType<typeof stats>>;
        try {
          st = await stats(con.info);
        } catch (e) {
          statsFailures++;
          log(`${(sec / 60).toFixed(1)} min: /stats did not answer within 30 s (${(e as Error).message})`);
          return;
        }
        const statsMs = performance.now() - asked;
        statsLatencies.push(statsMs);
        const m = memoryOf(st);
        const loop = st.eventLoop && st.eventLoop.windowSec > 0 ? st.eventLoop : null;
        readings.push({ sec, heapUsedMB: m.heapUsedBytes / MB, arrayBuffersMB: m.arrayBuffersBytes / MB, rssMB: u.rssKb / 1024, cpuPctOfCore: cpuPct, loopMaxMs: loop?.maxMs ?? null, loopP99Ms: loop?.p99Ms ?? null });
        log(`${(sec / 60).toFixed(1)} min: heap ${(m.heapUsedBytes / MB).toFixed(0)} MB of ${(m.heapLimitBytes / MB).toFixed(0)}, array buffers ${(m.arrayBuffersBytes / MB).toFixed(0)} MB, RSS ${(u.rssKb / 1024).toFixed(0)} MB, console ${cpuPct.toFixed(0)} % of a core so far, event loop late by ≤ ${loop ? loop.maxMs.toFixed(0) : '?'} ms (p99 ${loop ? loop.p99Ms.toFixed(0) : '?'}) in its last 10 s, /stats answered in ${statsMs.toFixed(0)} ms; sent ${counters.batches.toLocaleString('en')} batches, ${counters.tables.toLocaleString('en')} process tables`);
      },
    });
    const gen = process.cpuUsage(gen0);
    // Retried: a console still working off a stall may not answer at once.
    let s1: Awaited<ReturnType<typeof stats>> | null = null;
    for (let attempt = 1; s1 === null; attempt++) {
      try {
        s1 = await stats(con.info);
      } catch (e) {
        if (attempt >= 4) throw new Error(`the console did not answer /stats after the run, 4 times in a row: ${(e as Error).message}; its log ends:\n${con.proc.tail()}`);
        statsFailures++;
      }
    }
    // The hosts stop sending first: the reads below are of a console at rest.
    for (const h of fleet) h.pause();
    const [alerts, raised, rowsOfFirst] = await Promise.all([consoleApi(con.info, 'alerts'), allAlerts(con.info), consoleApi(con.info, 'processes', { hostId: fleet[0]!.hostId, timeoutMs: 10_000 })]);
    const last = memoryOf(s1);
    const lastMinute = readings.filter((r) => r.sec >= w.wallSec - 60);
    const heapMB = Math.min(...(lastMinute.length > 0 ? lastMinute : readings).map((r) => r.heapUsedMB), last.heapUsedBytes / MB);
    // Growth over the second half: least reading of its first minute to least of its last.
    const half = seconds >= 240 ? readings.filter((r) => r.sec >= w.wallSec / 2 && r.sec < w.wallSec / 2 + 60) : [];
    const halfMB = half.length > 0 ? Math.min(...half.map((r) => r.heapUsedMB)) : null;
    const loops = readings.filter((r) => r.loopMaxMs !== null);
    const errors = fleet.reduce((n, h) => n + h.errors, 0);
    const lastError = fleet.find((h) => h.lastError !== null)?.lastError ?? null;
    if (errors > 0) log(`warning: ${errors} errors from the console (one: ${lastError})`);
    const figures = {
      hosts,
      seconds,
      seriesPerHost: series.keys.length,
      processesPerTable: processes + 1,
      logsPerSecPerHost: logsPerSec,
      wholeTables,
      consoleCpuPctOfCore: round(w.cpuPctOfCore, 1),
      heapUsedMB: round(heapMB, 0),
      heapLimitMB: round(last.heapLimitBytes / MB, 0),
      heapShareOfLimit: round(heapMB / (last.heapLimitBytes / MB), 3),
      heapIdleMB: round(idle.heapUsedBytes / MB, 0),
      heapPerHostKB: round(((heapMB - idle.heapUsedBytes / MB) * 1024) / hosts, 1),
      heapGrowthMBPerMin: halfMB === null ? null : round((heapMB - halfMB) / ((w.wallSec - w.wallSec / 2 - 30) / 60), 1),
      arrayBuffersMB: round(last.arrayBuffersBytes / MB, 0),
      // The console's event loop (how late a 10 ms timer ran): the worst of all 10-s windows, and the median window's.
      eventLoopMaxMs: loops.length > 0 ? round(Math.max(...loops.map((r) => r.loopMaxMs!)), 0) : null,
      eventLoopMaxMsMedian: round(median(loops.map((r) => r.loopMaxMs!)), 0),
      eventLoopP99MsMedian: round(median(loops.map((r) => r.loopP99Ms!)), 1),
      // GET /stats every 10 s, as the UI asks: how long it waited, and how often it got no answer within 30 s.
      statsLatencyMsMedian: round(median(statsLatencies), 0),
      statsLatencyMsMax: statsLatencies.length > 0 ? round(Math.max(...statsLatencies), 0) : null,
      statsFailures,
      consolePeakRssMB: round(w.peakRssMB, 0),
      consolePeakRssAnonMB: round(w.peakRssAnonMB, 0),
      batchesSent: counters.batches,
      samplesSent: counters.samples,
      samplesStored: s1.samples - s0.samples,
      processTablesSent: counters.tables,
      // Of them sent as changes against the host's previous table (table-delta.ts), and what the console could not apply.
      processTableDeltasSent: counters.tableDeltas,
      tableDeltasMissed: s1.tableDeltasMissed - s0.tableDeltasMissed,
      // What the hosts sent, all frames: the process tables are most of it when sent whole.
      sentMBPerSec: round(counters.bytes / MB / w.wallSec, 2),
      // The first host's latest table as the console serves it (a check that tables arrive whole).
      processRowsOfFirstHost: rowsOfFirst.rows.length,
      logRecordsSent: counters.logs,
      rejectedSamples: s1.rejectedSamples - s0.rejectedSamples,
      protocolErrors: errors,
      ticksNotSent: counters.notSent,
      // Ticks a host could not send because the console had not acked its window of batches: behind.
      ticksHeldBack: counters.heldBack,
      acks: counters.acks,
      // Times the console paused a host's reads for sending beyond its ack window: 0 while hosts keep the window.
      readPauses: s1.readPauses - s0.readPauses,
      scoredSeries: alerts.scoring.series,
      learningSeries: alerts.scoring.learning,
      openAlerts: alerts.alerts.length,
      // Every one a false positive: the hosts' series are stationary (2 % noise; none on filesystems and capacities).
      alertsRaised: raised.count,
      alertsBySeriesName: raised.byName,
      loadGeneratorCpuPctOfCore: round(((gen.user + gen.system) / 1e6 / w.wallSec) * 100, 1),
      timeline: readings.map((r) => ({ sec: round(r.sec, 0), heapUsedMB: round(r.heapUsedMB, 0), arrayBuffersMB: round(r.arrayBuffersMB, 0), rssMB: round(r.rssMB, 0), loopMaxMs: round(r.loopMaxMs, 0) })),
    };
    let hot: ReturnType<typeof hotSpots> | null = null;
    if (profile) {
      fleet.forEach((h) => h.close());
      log('stopping the console to write its CPU profile');
      await con.proc.stop(30_000);
      hot = keepAndReport(profDir, REPO_ROOT, 'fleet-console', log);
    }
    const skipped: Record<string, string> = {};
    if (loops.length === 0) for (const k of ['eventLoopMaxMs', 'eventLoopMaxMsMedian', 'eventLoopP99MsMedian']) skipped[k] = 'no 10-s window of the event loop completed during the run';
    if (figures.heapGrowthMBPerMin === null) skipped['heapGrowthMBPerMin'] = 'runs under 240 s measure no growth (the least of a minute at half time against the least of the last minute)';
    log(`heap ${figures.heapUsedMB} MB of ${figures.heapLimitMB} MB (${((figures.heapShareOfLimit ?? 0) * 100).toFixed(0)} %), ${figures.heapPerHostKB} KB per host; console ${figures.consoleCpuPctOfCore} % of a core; event loop late by up to ${figures.eventLoopMaxMs} ms (median window ${figures.eventLoopMaxMsMedian} ms); ${figures.alertsRaised} alerts raised on noise (${JSON.stringify(raised.byName)})`);
    return { bench: NAME, figures: { ...figures, profiled: profile, ...(hot ? { hotSpots: hot.byFunction.slice(0, 10).map((h) => ({ what: h.what, share: h.share })) } : {}) }, skipped };
  } finally {
    await cleanup.run();
  }
}

export const fleetBench: Bench = { name: NAME, summary: "the whole console at fleet size: memory and CPU with N collector-shaped hosts (metrics, process and socket tables, logs) over the process history's 15 minutes", options, run };
