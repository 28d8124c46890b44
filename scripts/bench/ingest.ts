/**
 * `ingest`: samples the console acks per second, per core of the console's CPU. The console runs as its own
 * process (`cerebro-console serve`) so /proc gives its CPU alone; simulated collectors run in this process
 * (the load generator, not counted; its own CPU is reported as `loadGeneratorCpuPctOfCore`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { numberOption, parseOptions } from './args';
import type { Bench } from './bench';
import { Cleanup } from './cleanup';
import { consoleApi, createToken, ensureBundles, REPO_ROOT, startConsole, type ConsoleInfo } from './console-process';
import { keepAndReport, type hotSpots } from './cpuprofile';
import { LoadCounters, SimCollector } from './ingest-load';
import { progress, type BenchResult } from './report';
import { sleep, tempDir } from './spawned';
import { percentile, round } from './stats';
import { measureWindow } from './window';

const NAME = 'ingest';
const log = (m: string): void => progress(NAME, m);
/** The goal of the ingest issue. */
export const INGEST_GOAL_SAMPLES_PER_SEC_PER_CORE = 1_000_000;

const options = {
  collectors: { type: 'string', help: 'simulated collectors (WebSocket connections)', default: '50' },
  samples: { type: 'string', help: 'metric samples per batch', default: '1000' },
  'logs-per-batch': { type: 'string', help: 'log records per batch (typical daemon lines; 0: none)', default: '0' },
  seconds: { type: 'string', help: 'measured window, seconds', default: '30' },
  warmup: { type: 'string', help: 'seconds of load before the window opens (excluded)', default: '5' },
  profile: { type: 'boolean', help: 'run the console under node --cpu-prof and print its hot spots (figures then include the profiler overhead); the profile is kept in build/bench/' },
  build: { type: 'boolean', help: 'rebuild the bundles first even if they look current' },
} as const;

/** Disk space allocated under `dir` (st_blocks, so sparse LMDB maps count only what is written), bytes. */
function allocatedBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).blocks * 512;
  }
  return total;
}

/**
 * GETs /stats every `everyMs` until stopped: how long the console's API keeps a client waiting under
 * this load (a console busy with ingest must still answer its UI). A request over consoleApi's 5-s
 * timeout, or any other failure, counts as a failure.
 */
function probeApi(info: ConsoleInfo, everyMs: number): { stop(): Promise<{ latencies: number[]; failures: number }> } {
  let running = true;
  const latencies: number[] = [];
  let failures = 0;
  const loop = (async (): Promise<void> => {
    while (running) {
      const start = performance.now();
      try {
        await consoleApi(info, 'stats');
        latencies.push(performance.now() - start);
      } catch {
        failures++;
      }
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { latencies, failures };
    },
  };
}

export const ingestBench: Bench = {
  name: NAME,
  summary: 'samples acked per second per core of console CPU, with N simulated collectors on loopback',
  options,
  async run(argv): Promise<BenchResult> {
    const values = parseOptions(NAME, argv, options);
    const collectors = numberOption(NAME, values, 'collectors', 50, 1, 2000);
    const samples = numberOption(NAME, values, 'samples', 1000, 1, 20_000);
    const logsPerBatch = numberOption(NAME, values, 'logs-per-batch', 0, 0, 5000);
    const seconds = numberOption(NAME, values, 'seconds', 30, 3, 3600);
    const warmup = numberOption(NAME, values, 'warmup', 5, 0, 600);
    const profile = values['profile'] === true;
    const cleanup = new Cleanup();
    const sims: SimCollector[] = [];
    try {
      ensureBundles(log, values['build'] === true);
      const home = tempDir(cleanup, 'ingest');
      const token = createToken(home);
      const profDir = profile ? tempDir(cleanup, 'prof') : '';
      const consoleProc = await startConsole(cleanup, home, profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
      log(`console pid ${consoleProc.proc.pid} at ${consoleProc.info.ingestUrl}${profile ? ' (under --cpu-prof)' : ''}`);
      const counters = new LoadCounters();
      for (let i = 0; i < collectors; i++) sims.push(new SimCollector({ url: consoleProc.info.ingestUrl, token, index: i, samples, logsPerBatch, counters }));
      cleanup.add('close the simulated collectors', () => Promise.all(sims.map((s) => s.close())).then(() => undefined));
      await Promise.all(sims.map((s) => s.connect()));
      log(`${collectors} simulated collectors connected; ${samples} samples per batch; warming up ${warmup} s`);
      for (const s of sims) s.start();
      let at0 = { batches: 0, samples: 0, logs: 0, t: 0 };
      let gen0 = process.cpuUsage();
      let stats0 = consoleApi(consoleProc.info, 'stats');
      let probe: ReturnType<typeof probeApi> | null = null;
      const w = await measureWindow({
        pid: consoleProc.proc.pid,
        warmupSec: warmup,
        seconds,
        onOpen: () => {
          at0 = { batches: counters.ackedBatches, samples: counters.ackedSamples, logs: counters.ackedLogs, t: performance.now() };
          gen0 = process.cpuUsage();
          counters.recording = true;
          stats0 = consoleApi(consoleProc.info, 'stats');
          probe = probeApi(consoleProc.info, 500);
        },
        onClose: () => {
          counters.recording = false;
        },
        onProgress: (t, cpu, u) => {
          const rate = (counters.ackedSamples - at0.samples) / t;
          log(`${t.toFixed(0)} s: ${Math.round(rate).toLocaleString('en')} samples/s acked, console ${cpu.toFixed(0)} % of one core, RSS ${(u.rssKb / 1024).toFixed(0)} MB${counters.errors ? `, ${counters.errors} errors (last: ${counters.lastError})` : ''}`);
        },
      });
      const api = await (probe as ReturnType<typeof probeApi> | null)?.stop();
      const ackedBatches = counters.ackedBatches - at0.batches;
      const ackedSamples = counters.ackedSamples - at0.samples;
      const ackedLogs = counters.ackedLogs - at0.logs;
      const gen = process.cpuUsage(gen0);
      const diskMB = allocatedBytes(home) / 1024 ** 2;
      const genPct = ((gen.user + gen.system) / 1e6 / w.wallSec) * 100;
      const [s0, s1, alerts] = await Promise.all([stats0, consoleApi(consoleProc.info, 'stats'), consoleApi(consoleProc.info, 'alerts')]);
      for (const s of sims) s.pause();
      const lat = counters.latencies.subarray(0, counters.latencyCount);
      const samplesPerSec = ackedSamples / w.wallSec;
      const perCore = w.cpuSec > 0 ? ackedSamples / w.cpuSec : null;
      if (counters.fatalErrors > 0) log(`warning: ${counters.fatalErrors} fatal errors from the console (last: ${counters.lastError})`);
      const rejectedSamples = s1.rejectedSamples - s0.rejectedSamples;
      const duplicateBatches = s1.duplicateBatches - s0.duplicateBatches;
      if (rejectedSamples > 0) log(`warning: the console rejected ${rejectedSamples} samples during the window`);

      await Promise.all(sims.map((s) => s.close()));
      let hot: ReturnType<typeof hotSpots> | null = null;
      if (profile) {
        log('stopping the console to write its CPU profile');
        await consoleProc.proc.stop(30_000);
        hot = keepAndReport(profDir, REPO_ROOT, 'ingest-console', log);
      }
      const figures = {
        samplesPerSecPerCore: round(perCore, 0),
        collectors,
        // Every acked sample is also scored by the anomaly detector (apps/desktop/src/core/alerts).
        scored: true,
        scoredSeries: alerts.scoring.series,
        learningSeries: alerts.scoring.learning,
        openAlerts: alerts.alerts.length,
        samplesPerSec: round(samplesPerSec, 0),
        consoleCpuPctOfCore: round(w.cpuPctOfCore, 1),
        consolePeakRssMB: round(w.peakRssMB, 1),
        consolePeakRssAnonMB: round(w.peakRssAnonMB, 1),
        consoleDiskMB: round(diskMB, 0),
        batchesPerSec: round(ackedBatches / w.wallSec, 1),
        ackLatencyMsP50: round(percentile(lat, 50), 2),
        ackLatencyMsP99: round(percentile(lat, 99), 2),
        // The console's API under this load: /stats every 0.5 s through the window (failures: no answer within 5 s).
        apiLatencyMsP50: round(percentile(api?.latencies ?? [], 50), 1),
        apiLatencyMsMax: round(percentile(api?.latencies ?? [], 100), 1),
        apiFailures: api?.failures ?? 0,
        samplesPerBatch: samples,
        logsPerBatch,
        // Log records stored (mined, counted, checked by the log alert rules, written) per core of console CPU, metrics included.
        logLinesPerSecPerCore: logsPerBatch > 0 && w.cpuSec > 0 ? round(ackedLogs / w.cpuSec, 0) : null,
        logLinesPerSec: logsPerBatch > 0 ? round(ackedLogs / w.wallSec, 0) : null,
        logTemplates: s1.logs?.templates ?? null,
        seconds,
        warmupSec: warmup,
        loadGeneratorCpuPctOfCore: round(genPct, 1),
        consoleStoredSamplesPerSec: round((s1.samples - s0.samples) / w.wallSec, 0),
        rejectedSamples,
        duplicateBatches,
        protocolErrors: counters.errors,
        goalSamplesPerSecPerCore: INGEST_GOAL_SAMPLES_PER_SEC_PER_CORE,
        profiled: profile,
        ...(hot ? { hotSpots: hot.byFunction.slice(0, 10).map((h) => ({ what: h.what, share: h.share })) } : {}),
      };
      const skipped: Record<string, string> = {};
      if (perCore === null) skipped['samplesPerSecPerCore'] = 'the console used no measurable CPU in the window';
      if (logsPerBatch === 0) {
        skipped['logLinesPerSecPerCore'] = 'no log records sent (--logs-per-batch 0)';
        skipped['logLinesPerSec'] = 'no log records sent (--logs-per-batch 0)';
      }
      return { bench: NAME, figures, skipped };
    } finally {
      await cleanup.run();
    }
  },
};
