/**
 * `collector`: CPU and peak RSS of the real collector process at 1 Hz, streaming to a real console, and of
 * Debian's prometheus-node-exporter scraped at 1 Hz for the same duration on this machine.
 * Only the measured process (and any children it has) is counted: not the console, not the scraper.
 */
import fs from 'node:fs';
import path from 'node:path';
import { numberOption, parseOptions } from './args';
import type { Bench } from './bench';
import { Cleanup } from './cleanup';
import { COLLECTOR_BIN, consoleApi, createToken, ensureBundles, REPO_ROOT, startConsole } from './console-process';
import { nodeExporterBinary } from './node-exporter';
import { keepAndReport } from './cpuprofile';
import { countProcesses } from './proc-usage';
import { progress, type BenchResult } from './report';
import { freePort, startProcess, tempDir, waitFor } from './spawned';
import { round } from './stats';
import { measureWindow } from './window';

const NAME = 'collector';
const log = (m: string): void => progress(NAME, m);

const options = {
  seconds: { type: 'string', help: 'measured window, seconds, for each of the collector and node_exporter', default: '60' },
  warmup: { type: 'string', help: 'seconds run before the window opens (excluded)', default: '5' },
  'no-node-exporter': { type: 'boolean', help: 'do not run the node_exporter comparison' },
  profile: { type: 'boolean', help: 'run the collector under node --cpu-prof and print its hot spots (its figures then include the profiler overhead); the profile is kept in build/bench/' },
  build: { type: 'boolean', help: 'rebuild the bundles first even if they look current' },
  'log-files': { type: 'string', help: 'also follow this many quiet log files (a few lines each, never appended to): the log sources\' idle cost', default: '0' },
  'no-disk-io': { type: 'boolean', help: 'run the collector with sources.processes.diskIo false (no /proc/<pid>/io reads): the cost of per-process disk I/O is the difference between runs with and without' },
  processes: { type: 'string', help: 'top the machine up to this many processes with idle `sleep` processes while measuring (the goal is stated at ~100); 0 = as it is', default: '100' },
} as const;

/**
 * Idle processes so the collector (and node_exporter) scan a process table of the size the goal names:
 * the process table is the collector's main per-process cost (~12 µs a process per scan).
 */
function topUpProcesses(cleanup: Cleanup, target: number): number {
  const missing = Math.max(0, target - countProcesses());
  for (let i = 0; i < missing; i++) startProcess(cleanup, `idle-${i}`, 'sleep', ['3600']);
  if (missing > 0) log(`started ${missing} idle processes to reach ~${target} processes on the machine`);
  return missing;
}

/** Quiet files for the collector to follow, and the flags that make it follow them (none for 0). */
function quietLogFiles(cleanup: Cleanup, count: number): string[] {
  if (count === 0) return [];
  const dir = tempDir(cleanup, 'logs');
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `quiet-${i}.log`), 'INFO started\nINFO ready\n');
  return ['--log-file', path.join(dir, '*.log'), '--journal', 'off'];
}

/** A config file switching per-process disk I/O off, and the flags that load it (none when it stays on). */
function diskIoConfig(cleanup: Cleanup, diskIo: boolean): string[] {
  if (diskIo) return [];
  const file = path.join(tempDir(cleanup, 'config'), 'collector.json');
  fs.writeFileSync(file, JSON.stringify({ sources: { processes: { diskIo: false } } }));
  return ['--config', file];
}

async function measureCollector(cleanup: Cleanup, seconds: number, warmup: number, profile: boolean, logFiles = 0, diskIo = true): Promise<{ cpuPct: number; peakRssMB: number; peakRssAnonMB: number; processes: number; batches: number; samplesPerBatch: number | null }> {
  const home = tempDir(cleanup, 'console');
  const token = createToken(home);
  const consoleProc = await startConsole(cleanup, home);
  log(`console pid ${consoleProc.proc.pid} at ${consoleProc.info.ingestUrl}`);
  const stateDir = tempDir(cleanup, 'collector');
  const tokenFile = path.join(stateDir, 'token');
  fs.writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  const profDir = profile ? tempDir(cleanup, 'prof') : '';
  const collector = startProcess(cleanup, 'collector', process.execPath, [...(profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), COLLECTOR_BIN, 'run', '--console', consoleProc.info.ingestUrl, '--token-file', tokenFile, '--state-dir', path.join(stateDir, 'state'), '--interval', '1000', ...(consoleProc.info.ingestUrl.startsWith('ws://') ? ['--plaintext'] : []), ...quietLogFiles(cleanup, logFiles), ...diskIoConfig(cleanup, diskIo)], { cwd: REPO_ROOT });
  log(`collector pid ${collector.pid}: waiting for it to connect`);
  let collectorExited = false;
  void collector.exited.then(() => (collectorExited = true));
  await waitFor('the collector to connect to the console', 30_000, async () => {
    if (collectorExited) throw new Error(`the collector exited:\n${collector.tail()}`);
    const s = await consoleApi(consoleProc.info, 'stats').catch(() => null);
    // The inventory comes from a one-off child process at start: wait until it has been delivered (so the
    // child is gone) before measuring, so only the daemon itself is measured.
    const hosts = s && s.connectedCollectors >= 1 && s.batches >= 1 ? await consoleApi(consoleProc.info, 'hosts').catch(() => null) : null;
    return hosts?.[0]?.inventory ? s : null;
  }, 250);
  let before = { batches: 0, samples: 0 };
  let processes = countProcesses();
  const w = await measureWindow({
    pid: collector.pid,
    warmupSec: warmup,
    seconds,
    onOpen: () => void consoleApi(consoleProc.info, 'stats').then((s) => (before = { batches: s.batches, samples: s.samples }), () => undefined),
    onProgress: (t, cpu, u) => {
      processes = countProcesses();
      log(`${t.toFixed(0)} s: collector ${cpu.toFixed(2)} % of one core, RSS ${(u.rssKb / 1024).toFixed(1)} MB, ${processes} processes on the machine`);
    },
  });
  processes = countProcesses();
  const after = await consoleApi(consoleProc.info, 'stats');
  const batches = after.batches - before.batches;
  if (batches < seconds * 0.8) log(`warning: the console received only ${batches} batches in ${seconds} s (expected ~${seconds}); the collector may not be streaming:\n${collector.tail()}`);
  await collector.stop();
  if (profile) keepAndReport(profDir, REPO_ROOT, 'collector', log);
  await consoleProc.proc.stop();
  // The daemon's own high-water mark (start-up included). Of it, ~40 MB are the node executable's pages,
  // shared with every other node process; the anonymous part is the collector's own memory.
  return { cpuPct: w.cpuPctOfCore, peakRssMB: w.end.rootHwmKb / 1024, peakRssAnonMB: w.peakRssAnonMB, processes, batches, samplesPerBatch: batches > 0 ? Math.round((after.samples - before.samples) / batches) : null };
}

async function measureNodeExporter(cleanup: Cleanup, binary: string, seconds: number, warmup: number): Promise<{ cpuPct: number; peakRssMB: number; scrapes: number; failedScrapes: number }> {
  const port = await freePort();
  const exporter = startProcess(cleanup, 'node_exporter', binary, [`--web.listen-address=127.0.0.1:${port}`]);
  const url = `http://127.0.0.1:${port}/metrics`;
  let exited = false;
  void exporter.exited.then(() => (exited = true));
  await waitFor('node_exporter to answer', 15_000, async () => {
    if (exited) throw new Error(`node_exporter exited:\n${exporter.tail()}`);
    return fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.text().then((body) => (r.ok && body.includes('node_') ? true : null)), () => null);
  }, 250);
  log(`node_exporter pid ${exporter.pid} on 127.0.0.1:${port}, scraped at 1 Hz`);
  let scrapes = 0;
  let failedScrapes = 0;
  let scraping = false;
  // The scraper is the load generator: it runs in this process and is not counted.
  const scraper = setInterval(() => {
    if (scraping) return;
    scraping = true;
    fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.arrayBuffer().then(() => (r.ok ? scrapes++ : failedScrapes++)))
      .catch(() => failedScrapes++)
      .finally(() => (scraping = false));
  }, 1000);
  cleanup.add('stop the scraper', () => clearInterval(scraper));
  try {
    const w = await measureWindow({
      pid: exporter.pid,
      warmupSec: warmup,
      seconds,
      onProgress: (t, cpu, u) => log(`${t.toFixed(0)} s: node_exporter ${cpu.toFixed(2)} % of one core, RSS ${(u.rssKb / 1024).toFixed(1)} MB, ${scrapes} scrapes`),
    });
    return { cpuPct: w.cpuPctOfCore, peakRssMB: w.peakRssMB, scrapes, failedScrapes };
  } finally {
    clearInterval(scraper);
    await exporter.stop();
  }
}

export const collectorBench: Bench = {
  name: NAME,
  summary: 'CPU (% of one core) and peak RSS of the real collector at 1 Hz vs Debian prometheus-node-exporter scraped at 1 Hz',
  options,
  async run(argv): Promise<BenchResult> {
    const values = parseOptions(NAME, argv, options);
    const seconds = numberOption(NAME, values, 'seconds', 60, 5, 3600);
    const warmup = numberOption(NAME, values, 'warmup', 5, 0, 600);
    const target = numberOption(NAME, values, 'processes', 100, 0, 100_000);
    const cleanup = new Cleanup();
    const skipped: Record<string, string> = {};
    try {
      ensureBundles(log, values['build'] === true);
      topUpProcesses(cleanup, target);
      const diskIo = values['no-disk-io'] !== true;
      const c = await measureCollector(cleanup, seconds, warmup, values['profile'] === true, numberOption(NAME, values, 'log-files', 0, 0, 10_000), diskIo);
      log(`collector: ${c.cpuPct.toFixed(3)} % of one core, peak RSS ${c.peakRssMB.toFixed(1)} MB, ${c.batches} batches of ~${c.samplesPerBatch} samples received by the console, ${c.processes} processes`);
      let ne: Awaited<ReturnType<typeof measureNodeExporter>> | null = null;
      if (values['no-node-exporter'] === true) {
        skipped['nodeExporterCpuPctOfCore'] = '--no-node-exporter given';
      } else {
        const bin = nodeExporterBinary(log);
        if ('skipped' in bin) skipped['nodeExporterCpuPctOfCore'] = bin.skipped;
        else ne = await measureNodeExporter(cleanup, bin.path, seconds, warmup);
      }
      if (!ne) {
        skipped['nodeExporterPeakRssMB'] = skipped['nodeExporterCpuPctOfCore'] as string;
        skipped['ratioToNodeExporter'] = 'no node_exporter figure';
      } else {
        log(`node_exporter: ${ne.cpuPct.toFixed(3)} % of one core, peak RSS ${ne.peakRssMB.toFixed(1)} MB, ${ne.scrapes} scrapes (${ne.failedScrapes} failed)`);
      }
      return {
        bench: NAME,
        figures: {
          cpuPctOfCore: round(c.cpuPct, 3),
          peakRssMB: round(c.peakRssMB, 1),
          peakRssAnonMB: round(c.peakRssAnonMB, 1),
          nodeExporterCpuPctOfCore: ne ? round(ne.cpuPct, 3) : null,
          processes: c.processes,
          ratioToNodeExporter: ne && ne.cpuPct > 0 ? round(c.cpuPct / ne.cpuPct, 2) : null,
          nodeExporterPeakRssMB: ne ? round(ne.peakRssMB, 1) : null,
          seconds,
          warmupSec: warmup,
          profiled: values['profile'] === true,
          diskIo,
          batchesReceived: c.batches,
          samplesPerBatch: c.samplesPerBatch,
        },
        skipped,
      };
    } finally {
      await cleanup.run();
    }
  },
};
