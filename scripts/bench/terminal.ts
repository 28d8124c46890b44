/**
 * `terminal`: how late a host's metrics arrive while one of its terminals prints a flood (100 MB by
 * default). A console core (in this process, TLS ingest) and a real enrolled collector process; the
 * flood runs in a terminal opened with a signed grant, with no viewer attached (the console records it
 * and acks as fast as it can). Metric delay = when a sample of `collector.rss_bytes` is seen in the store
 * minus its tick time (polled every 20 ms, so figures are late by up to 20 ms). Goal: ≤ 2 s.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ConsoleCore } from '../../apps/desktop/src/core/console';
import { numberOption, parseOptions } from './args';
import type { Bench } from './bench';
import { Cleanup } from './cleanup';
import { COLLECTOR_BIN, CONSOLE_BIN, ensureBundles } from './console-process';
import { progress, type BenchResult } from './report';
import { sleep, startProcess, tempDir, waitFor } from './spawned';
import { percentile, round } from './stats';

const NAME = 'terminal';
const log = (m: string): void => progress(NAME, m);

const options = {
  mb: { type: 'string', help: 'megabytes (10^6 bytes) the terminal prints', default: '100' },
  interval: { type: 'string', help: "the collector's tick, ms", default: '1000' },
  build: { type: 'boolean', help: 'rebuild the bundles first even if they look current' },
} as const;

/** Delays (ms) of the metric samples that arrive while `during()` runs. */
async function delaysWhile(core: ConsoleCore, hostId: string, during: Promise<unknown>): Promise<number[]> {
  const delays: number[] = [];
  let last = core.store.latest(hostId, 'collector.rss_bytes')?.t ?? 0;
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    const t = core.store.latest(hostId, 'collector.rss_bytes')?.t ?? 0;
    if (t > last) {
      delays.push(Date.now() - t);
      last = t;
    }
    await sleep(20);
  }
  return delays;
}

async function run(argv: readonly string[]): Promise<BenchResult> {
  const values = parseOptions(NAME, argv, options);
  const mb = numberOption(NAME, values, 'mb', 100, 1, 10_000);
  const intervalMs = numberOption(NAME, values, 'interval', 1000, 100, 10_000);
  ensureBundles(log, values['build'] === true);
  const cleanup = new Cleanup();
  try {
    const home = tempDir(cleanup, 'terminal');
    const core = await ConsoleCore.start({ home, log: () => undefined, ingest: { port: 0 }, api: { port: 0 }, maintenanceMs: 60_000 });
    cleanup.add('stop the console', () => core.stop());
    const broker = core.terminals;
    if (!broker) throw new Error('the console has no terminal broker');
    const hostId = `bench-terminal-${process.pid}`;
    const line = execFileSync(process.execPath, [CONSOLE_BIN, 'enroll-token', 'create'], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8' }).trim();
    const m = /^cerebro-collector enroll (wss:\/\/\S+) (cbe1\.\S+)$/.exec(line);
    if (!m) throw new Error(`unexpected enrolment line: ${line}`);
    const stateDir = path.join(home, 'collector');
    // Async: the console answering the enrolment runs in this process.
    const enrol = startProcess(cleanup, 'enrol', process.execPath, [COLLECTOR_BIN, 'enroll', m[1] as string, m[2] as string, '--state-dir', stateDir, '--host-id', hostId]);
    if ((await enrol.exited) !== 0) throw new Error(`enrolment failed: ${enrol.tail()}`);
    const collector = startProcess(cleanup, 'collector', process.execPath, [COLLECTOR_BIN, 'run', '--state-dir', stateDir, '--host-id', hostId, '--interval', String(intervalMs), '--no-logs']);
    await waitFor('the collector to connect and report', 30_000, () => (core.store.latest(hostId, 'collector.rss_bytes') ? true : null));
    log(`collector pid ${collector.pid} connected; measuring ${Math.max(5, (3 * intervalMs) / 1000)} s of quiet first`);
    const baseline = await delaysWhile(core, hostId, sleep(Math.max(5000, 3 * intervalMs)));

    const session = await broker.open({ hostId, cols: 200, rows: 50, by: 'bench' });
    const bytes = mb * 1_000_000;
    let received = 0;
    let tail = '';
    const flood = new Promise<void>((resolve) => {
      broker.attach(session.sid, {
        output: (d) => {
          received += d.byteLength;
          tail = (tail + Buffer.from(d).toString('latin1')).slice(-64);
          if (tail.includes('flood-done')) resolve();
        },
        exit: () => resolve(),
        backlog: () => 0,
      });
    });
    log(`printing ${mb} MB in the terminal`);
    const started = Date.now();
    broker.input(session.sid, Buffer.from(`head -c ${bytes} /dev/zero | tr '\\0' x; echo; echo 'flood''-done'\n`));
    const during = await delaysWhile(core, hostId, flood);
    const floodSec = (Date.now() - started) / 1000;
    broker.close(session.sid, 'benchmark over');
    log(`${(received / 1e6).toFixed(1)} MB through in ${floodSec.toFixed(1)} s; ${during.length} metric batches meanwhile`);
    const skipped: Record<string, string> = {};
    const max = during.length > 0 ? Math.max(...during) : null;
    if (max === null) skipped['metricDelayMsMax'] = 'no metric batch arrived during the flood';
    return {
      bench: NAME,
      figures: {
        floodMB: round(received / 1e6, 1),
        floodSec: round(floodSec, 2),
        floodMBPerSec: round(received / 1e6 / floodSec, 1),
        batchesDuringFlood: during.length,
        expectedBatches: Math.floor((floodSec * 1000) / intervalMs),
        metricDelayMsP50: round(percentile(during, 50), 0),
        metricDelayMsMax: max === null ? null : round(max, 0),
        baselineMetricDelayMsMax: baseline.length > 0 ? round(Math.max(...baseline), 0) : null,
        goalMetricDelayMs: 2000,
        goalMet: max !== null && max <= 2000,
      },
      skipped,
    };
  } finally {
    await cleanup.run();
  }
}

export const terminalBench: Bench = { name: NAME, summary: 'metric delay of a host while one of its terminals prints 100 MB (goal ≤ 2 s)', options, run };
