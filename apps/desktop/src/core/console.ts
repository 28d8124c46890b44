/**
 * The console engine, headless: storage (one LMDB environment holding the telemetry store, the WAL and
 * the RxDB state), the ingest server, the local API, and the maintenance loop that turns heads into
 * persisted blocks and trims the WAL. Electron's main process and the `serve` command both start this.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { decodeCollectorFrame } from '@cerebro/shared/protocol/codec';
import type { RouteResponses } from '@cerebro/shared/api/contract';
import { AlertStore } from './alerts/alert-store';
import { consoleMemory, EventLoopWindow } from './heap';
import { consoleDetector } from './alerts/detector-kind';
import { DetectorStore } from './alerts/detector-store';
import { AlertScorer, headlineTier } from './alerts/scorer';
import { ApiServer } from './api/server';
import { consoleAgents } from './agents/wiring';
import type { DiagnosisService } from './agents/diagnosis-service';
import { ModelHost } from './models/model-host';
import { ingestSender, RemediationService } from './remediation/service';
import { HostRegistry } from './hosts/registry';
import { IncidentService, type IncidentOptions } from './incidents/service';
import { ProcessTableDecoder, withWholeTable } from '@cerebro/shared/protocol/table-delta';
import { IngestServer, type IngestOptions } from './ingest/server';
import { LogService } from './logs/log-service';
import { loadNotifyConfig } from './notify/config';
import { NotificationHistory } from './notify/history';
import { Notifier } from './notify/notifier';
import type { LogStoreOptions } from './logs/options';
import { TokenStore } from './ingest/tokens';
import { ingestTrust } from './trust/ingest-trust';
import { WriteAheadLog } from './ingest/wal';
import { removeConsoleInfo, writeConsoleInfo, type ConsoleInfo } from './paths';
import { closeStateDatabase, openStateDatabase, type StateDatabase } from './state/database';
import { TelemetryStore } from './tsdb/store';
import { TerminalBroker } from './terminals/broker';
import type { StoreOptions } from './tsdb/types';

export const CONSOLE_VERSION = '0.1.0';
/** Detector states are saved in slices, every second, so that a pass over every series takes about this long. */
const DETECTOR_SAVE_PASS_SEC = 60;
/** A slice saves at least this many series (a small console saves all of them every second or two). */
const DETECTOR_SAVE_MIN_SLICE = 500;

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface ConsoleOptions {
  /** $CEREBRO_HOME. */
  readonly home: string;
  readonly ingest?: Partial<IngestOptions>;
  readonly api?: { readonly host?: string; readonly port?: number };
  readonly store?: Partial<StoreOptions>;
  /** How often heads are flushed to blocks and the WAL trimmed, ms (detector states are saved in slices every second). */
  readonly maintenanceMs?: number;
  /** Test and benchmark aid: samples a series needs before it may alert (default: the detector's 300). */
  readonly detectorWarmup?: number;
  /** Most series scored for anomalies (default 100 k). */
  readonly maxScoredSeries?: number;
  /**
   * Most series the stronger tier scores (alerts/tiers.ts: a host's headline series; default 10 k, ~86 MB;
   * 0: none, the cheap tier scores every series).
   */
  readonly strongSeries?: number;
  /** The log store: retention (default 7 days, 2 GiB), learning period and rate-alert settings (core/logs/options.ts). */
  readonly logs?: Partial<LogStoreOptions>;
  /** Correlation windows, quiet period, ranking and forecast settings (core/incidents/service.ts). */
  readonly incidents?: IncidentOptions;
  /**
   * Local models: the folder of GGUF files (default $CEREBRO_HOME/models; null: none), inference threads
   * (default: one per core) and a file of that folder to load at start.
   */
  readonly models?: { readonly dir?: string | null; readonly threads?: number; readonly load?: string };
  /** Incident notifications; default: `$CEREBRO_HOME/notifications.json` (absent: none). A bad file stops the start. */
  readonly notifications?: ReturnType<typeof loadNotifyConfig>;
  /** Terminal sessions: closed after `idleMs` without input or output (default 15 min, or $CEREBRO_TERMINAL_IDLE_MS). */
  readonly terminals?: { readonly idleMs?: number };
  readonly log: Log;
}

export class ConsoleStartError extends Error {
  override readonly name = 'ConsoleStartError';
}

export class ConsoleCore {
  private maintenance: NodeJS.Timeout | null = null;
  private maintaining: Promise<void> = Promise.resolve();
  /** A detector-state slice is queued behind `maintaining`, or running. */
  private slicePending = false;
  private readonly rate: Array<{ at: number; samples: number }> = [];
  private readonly loop = new EventLoopWindow(10);
  private stopped = false;
  /** Runbooks, policy, action runs and the audit log; null when its policy file could not be loaded (logged). */
  remediation: RemediationService | null = null;
  /** Incident notifications (an idle notifier when none are configured). */
  notifier: Notifier | null = null;
  /** Terminal sessions on hosts (signed grants, relay, recordings under $CEREBRO_HOME/recordings). */
  terminals: TerminalBroker | null = null;

  private constructor(
    readonly info: ConsoleInfo,
    private readonly home: string,
    private readonly env: RootDatabase,
    private readonly db: StateDatabase,
    readonly store: TelemetryStore,
    readonly registry: HostRegistry,
    private readonly wal: WriteAheadLog,
    readonly ingest: IngestServer,
    private readonly api: ApiServer,
    readonly scorer: AlertScorer,
    private readonly detectors: DetectorStore,
    readonly alerts: AlertStore,
    readonly logs: LogService,
    readonly incidents: IncidentService,
    private readonly log: Log,
    readonly models: ModelHost,
    readonly diagnoses: DiagnosisService,
  ) {}

  static async start(options: ConsoleOptions): Promise<ConsoleCore> {
    const { home, log } = options;
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    takeLock(home);
    const startedMs = Date.now();
    let env: RootDatabase;
    try {
      env = open({ path: path.join(home, "db"), mapSize: 2 * 1024 ** 3, maxDbs: 64 });
    } catch (e) {
      releaseLock(home);
      throw new ConsoleStartError(`cannot open the console database in ${path.join(home, 'db')}: ${(e as Error).message}`);
    }
    let notifyConfig: ReturnType<typeof loadNotifyConfig>;
    try {
      notifyConfig = options.notifications !== undefined ? options.notifications : loadNotifyConfig(home);
    } catch (e) {
      await env.close();
      releaseLock(home);
      throw new ConsoleStartError((e as Error).message);
    }
    // A fleet connects at once after a console start: spread its heads' closes (types.ts, firstBlockJitter).
    const store = await TelemetryStore.open(env, { firstBlockJitter: 0.5, ...options.store });
    const db = await openStateDatabase({ env });
    const registry = await HostRegistry.open(db, log);
    const wal = new WriteAheadLog(env);
    let alertStore: AlertStore | null = null;
    let logs: LogService;
    try {
      logs = LogService.open({ home, log, onAlert: (e) => alertStore?.apply(e) }, options.logs);
    } catch (e) {
      await closeStateDatabase(db);
      await store.close();
      await env.close();
      releaseLock(home);
      throw new ConsoleStartError(`cannot open the log store in ${path.join(home, 'logs')}: ${(e as Error).message}`);
    }
    // Rebuilds process tables sent as changes: the replay first, then live ingest, in the WAL's order.
    const tables = new ProcessTableDecoder((m) =>
      log('info', `process table of ${m.hostId}: batch ${m.seq} changes the table of batch ${m.base}, but the console holds ${m.held === null ? 'none' : `batch ${m.held}'s`}; none until the collector's next whole table`),
    );
    const replayed = replayWal(wal, store, registry, logs, tables, log);
    const tokens = TokenStore.inHome(home);
    const alerts = new AlertStore(db, log);
    alertStore = alerts;
    const scorer = new AlertScorer((e) => alerts.apply(e), {
      detector: consoleDetector(options.detectorWarmup),
      strong: headlineTier(options.detectorWarmup, options.strongSeries),
      ...(options.maxScoredSeries !== undefined ? { maxSeries: options.maxScoredSeries } : {}),
    });
    const detectors = new DetectorStore(env);
    const loaded = detectors.load(scorer);
    if (loaded.dropped > 0) log('warn', `${loaded.dropped} saved detector states could not be used (changed detector or damaged record); those series warm up again`);
    const incidents = await IncidentService.open({ db, alerts, hosts: registry, store, log }, options.incidents);
    let core: ConsoleCore | null = null;
    const onBatch = (hostId: string, batch: Parameters<ApiServer['publishBatch']>[1]): void => {
      core?.api.publishBatch(hostId, batch);
      incidents.observeBatch(hostId, batch);
    };
    let trust: ReturnType<typeof ingestTrust>;
    try {
      trust = ingestTrust(home, options.ingest?.host ?? '127.0.0.1');
    } catch (e) {
      await incidents.close().catch(() => undefined);
      await logs.close().catch(() => undefined);
      await closeStateDatabase(db);
      await store.close();
      await env.close();
      releaseLock(home);
      throw new ConsoleStartError((e as Error).message);
    }
    const ingest = new IngestServer({ wal, store, registry, tokens, trust, log, scorer, logs, tables, onBatch }, options.ingest);
    let remediation: RemediationService | null = null;
    try {
      remediation = RemediationService.open({ home, env, log, sender: ingestSender(ingest), incidents: { get: (id) => incidents.get(id) }, view: { host: (id) => registry.get(id), latest: (id, key) => store.latest(id, key), processes: (id) => registry.processes(id), supervisorOf: (id, name) => incidents.processEvents.supervisorOf(id, name) } });
    } catch (e) {
      log('error', `remediation is off: ${(e as Error).message}`);
    }
    const idleEnv = Number(process.env['CEREBRO_TERMINAL_IDLE_MS']);
    const terminals = new TerminalBroker({
      dir: path.join(home, 'recordings'),
      ingest,
      // The remediation audit log, the one hash-chained record of what the console did on hosts.
      audit: remediation?.audit ?? null,
      hostName: (id) => registry.get(id)?.hostname,
      log,
      ...(options.terminals?.idleMs !== undefined ? { idleMs: options.terminals.idleMs } : Number.isFinite(idleEnv) && idleEnv > 0 ? { idleMs: idleEnv } : {}),
    });
    ingest.terminalSink = terminals;
    if (remediation) {
      const r = remediation;
      incidents.onChange((_change, incident) => r.observeIncident(incident));
      // What its runs set off (a supervisor's "stopped" line, the exit of the process it stopped) is the remedy working, not a new fault.
      r.engine.onChange((run) => incidents.expectedEffects.observeRun(run, (hostId, pid) => registry.processes(hostId)?.procs?.find((p) => p.pid === pid)?.name));
    }
    const notifier = new Notifier({ config: notifyConfig, history: new NotificationHistory(path.join(home, 'notifications.jsonl'), 1000, log), hostName: (id) => registry.get(id)?.hostname ?? id, log });
    incidents.onChange((change, incident) => notifier.observe(change, incident));
    if (notifyConfig) log('info', `notifications: ${notifyConfig.channels.length} channels, ${notifyConfig.routes.length} routes`);
    // The default folder exists from the first start, so the operator sees where to copy a model.
    if (options.models?.dir === undefined) fs.mkdirSync(path.join(home, 'models'), { recursive: true, mode: 0o700 });
    const models = new ModelHost({ dir: options.models?.dir === undefined ? path.join(home, 'models') : options.models.dir, ...(options.models?.threads !== undefined ? { threads: options.models.threads } : {}), log });
    const agents = consoleAgents({ env, registry, store, logs, incidents, alerts, models, remediation, log });
    const diagnoses = agents.diagnoses;
    const apiToken = randomBytes(24).toString('base64url');
    const api = new ApiServer(
      { registry, store, alerts, scorer, logs, incidents, agents, ...(remediation ? { remediation } : {}), notifications: notifier, terminals, stats: () => (core as ConsoleCore).stats(), ingestUrl: () => core?.info.ingestUrl ?? '', version: CONSOLE_VERSION, startedMs, log },
      { host: options.api?.host ?? '127.0.0.1', port: options.api?.port ?? 7071, token: apiToken },
    );
    let ingestPort: number;
    let apiPort: number;
    try {
      ingestPort = await ingest.listen();
      apiPort = await api.listen();
    } catch (e) {
      terminals.stop();
      await ingest.close().catch(() => undefined);
      await remediation?.close().catch(() => undefined);
      await notifier.close();
      await incidents.close().catch(() => undefined);
      await logs.close().catch(() => undefined);
      await closeStateDatabase(db);
      await store.close();
      await env.close();
      releaseLock(home);
      const err = e as NodeJS.ErrnoException;
      throw new ConsoleStartError(err.code === 'EADDRINUSE' ? `port in use (${err.message}): stop the other process or choose another port (--ingest-port, --api-port)` : `cannot listen: ${err.message}`);
    }
    const ingestHost = options.ingest?.host ?? '127.0.0.1';
    const info: ConsoleInfo = {
      pid: process.pid,
      startedMs,
      version: CONSOLE_VERSION,
      apiUrl: `http://${options.api?.host ?? '127.0.0.1'}:${apiPort}`,
      apiToken,
      ingestUrl: `${options.ingest?.plaintext ? 'ws' : 'wss'}://${ingestHost === '0.0.0.0' ? '127.0.0.1' : ingestHost}:${ingestPort}/ingest`,
      ...(options.ingest?.plaintext ? {} : { ingestFingerprint: trust.fingerprint }),
      uiUrl: `http://${options.api?.host ?? '127.0.0.1'}:${apiPort}/#token=${apiToken}`,
    };
    core = new ConsoleCore(info, home, env, db, store, registry, wal, ingest, api, scorer, detectors, alerts, logs, incidents, log, models, diagnoses);
    core.remediation = remediation;
    core.notifier = notifier;
    core.terminals = terminals;
    writeConsoleInfo(home, info);
    core.startMaintenance(options.maintenanceMs ?? 10_000);
    const loadAtStart = options.models?.load;
    // In the background: the API answers while a large model loads (progress on the live `models` topic).
    if (loadAtStart !== undefined) models.load(loadAtStart).catch((e: unknown) => log('error', `models: ${(e as Error).message}`));
    log('info', `console ${CONSOLE_VERSION} ready: ingest ${info.ingestUrl}, API ${info.apiUrl}; ${replayed} WAL batches replayed; ${loaded.restored} detector states restored; data in ${home}`);
    return core;
  }

  stats(): RouteResponses['stats'] {
    const s = this.ingest.stats;
    const st = this.store.stats();
    const first = this.rate[0];
    const last = this.rate.at(-1);
    const samplesPerSec = first && last && last.at > first.at ? ((last.samples - first.samples) * 1000) / (last.at - first.at) : 0;
    return {
      connectedCollectors: this.ingest.connectedHosts().length,
      batches: s.batches,
      samples: s.samples,
      duplicateBatches: s.duplicateBatches,
      rejectedFrames: { ...s.rejected },
      rejectedSamples: s.rejectedSamples,
      readPauses: s.readPauses,
      ...this.ingest.tableDeltas(),
      samplesPerSec: Math.round(samplesPerSec),
      walEntries: this.wal.size(),
      store: { series: st.series, headSamples: st.headSamples, headBytes: st.headBytes, blocks: st.blocks },
      logs: this.logs.stats(),
      memory: consoleMemory(),
      eventLoop: this.loop.last,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.maintenance) clearInterval(this.maintenance);
    this.loop.stop();
    this.terminals?.stop();
    await this.ingest.close();
    await this.api.close();
    await this.remediation?.close();
    await this.notifier?.close();
    await this.models.close();
    await this.maintaining;
    // No batch arrives any more: the states saved now are the ones the next start resumes from.
    await this.saveDetectors();
    for (const e of this.scorer.takeDirtyOpen()) this.alerts.apply(e);
    await this.alerts.settle();
    // After the alerts: their last changes reach the incidents before those are stored for the last time.
    await this.incidents.close();
    // Every head goes to blocks, so the WAL can be emptied and the next start replays nothing.
    await this.store.close();
    await this.logs.close();
    await this.wal.truncateBefore(Math.min(this.store.minUnflushedWalPos() ?? Number.MAX_SAFE_INTEGER, this.logs.minWalPosNeeded()));
    await this.registry.close();
    await closeStateDatabase(this.db);
    await this.env.close();
    removeConsoleInfo(this.home, process.pid);
    releaseLock(this.home);
    this.log('info', 'console stopped');
  }

  /** Every second: sample the ingest rate; every `everyMs`: flush heads and trim the WAL. */
  private startMaintenance(everyMs: number): void {
    let lastMaintenance = Date.now();
    this.maintenance = setInterval(() => {
      const now = Date.now();
      this.rate.push({ at: now, samples: this.ingest.stats.samples });
      this.loop.tick();
      for (const e of this.scorer.takeDirtyOpen()) this.alerts.apply(e);
      while (this.rate.length > 11) this.rate.shift();
      // Behind any maintenance still running; skipped while the last second's slice still waits its turn.
      if (!this.slicePending) {
        this.slicePending = true;
        this.maintaining = this.maintaining.then(() => this.saveDetectorSlice()).finally(() => (this.slicePending = false));
      }
      if (now - lastMaintenance < everyMs) return;
      lastMaintenance = now;
      this.maintaining = this.maintaining.then(() => this.maintain()).catch((e: unknown) => this.log('error', `maintenance failed: ${(e as Error).message}`));
    }, 1000);
    this.maintenance.unref();
  }

  private async maintain(): Promise<void> {
    await this.store.flush();
    await this.maintainLogs();
    const before = Math.min(this.store.minUnflushedWalPos() ?? Number.MAX_SAFE_INTEGER, this.logs.minWalPosNeeded());
    const removed = await this.wal.truncateBefore(before);
    if (removed > 0) this.log('debug', `WAL: ${removed} entries trimmed (all their samples are in blocks)`);
  }

  /** Log store: quiet hosts' minutes closed, retention enforced, miner and rate detectors saved. */
  private async maintainLogs(): Promise<void> {
    try {
      this.logs.tick();
      await this.logs.enforceRetention();
      await this.logs.save();
    } catch (e) {
      this.log('error', `logs: maintenance failed (the WAL is kept until it succeeds): ${(e as Error).message}`);
    }
  }

  /** One second's slice of the detector states: a pass over every series in about DETECTOR_SAVE_PASS_SEC. */
  private async saveDetectorSlice(): Promise<void> {
    try {
      const { saved, passEnded } = await this.detectors.saveSlice(this.scorer, Math.max(DETECTOR_SAVE_MIN_SLICE, Math.ceil(this.scorer.seriesCount / DETECTOR_SAVE_PASS_SEC)));
      if (passEnded) this.log('debug', `alerts: a pass of detector states saved (${saved} in its last slice)`);
    } catch (e) {
      this.log('error', `alerts: cannot save detector states (a restart would warm those series up again): ${(e as Error).message}`);
    }
  }

  private async saveDetectors(): Promise<void> {
    try {
      const n = await this.detectors.save(this.scorer);
      this.log('debug', `alerts: ${n} detector states saved`);
    } catch (e) {
      this.log('error', `alerts: cannot save detector states (a restart would warm those series up again): ${(e as Error).message}`);
    }
  }
}

/**
 * Re-apply WAL entries to the store (which skips samples already in blocks) and the latest tables. Not to
 * the scorer: its saved states already include samples up to the last save, and feeding them twice would
 * score old samples as new ones (after a crash, the samples since the last save are simply not scored).
 */
function replayWal(wal: WriteAheadLog, store: TelemetryStore, registry: HostRegistry, logs: LogService, tables: ProcessTableDecoder, log: Log): number {
  let n = 0;
  for (const { pos, entry } of wal.entries()) {
    const decoded = decodeCollectorFrame(entry.f, { maxFrameBytes: Number.MAX_SAFE_INTEGER, maxSamplesPerBatch: Number.MAX_SAFE_INTEGER });
    if (!decoded.ok || decoded.value.type !== 'batch') {
      log('warn', `WAL entry ${pos} of host ${entry.h} cannot be read (${decoded.ok ? 'not a batch' : decoded.error.message}); skipped`);
      continue;
    }
    store.appendBatch(entry.h, decoded.value.ts, decoded.value.metrics.k, decoded.value.metrics.v, pos);
    // Changes to a table apply in the WAL's order; one whose base was trimmed away leaves the last table.
    registry.batch(entry.h, withWholeTable(tables, entry.h, decoded.value), store.seriesCount(entry.h), Date.now(), false);
    // Its own failure is logged by the log store; the entry stays in the WAL for the next start.
    logs.replay(entry.h, decoded.value, pos)?.catch(() => undefined);
    n++;
  }
  return n;
}

/** One console per $CEREBRO_HOME: a lock file holding the pid, taken over when that process is gone. */
function takeLock(home: string): void {
  const file = path.join(home, 'console.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConsoleStartError(`cannot create ${file}: ${(e as Error).message}`);
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new ConsoleStartError(`another console (pid ${pid}) is running with this data directory (${home}); stop it first or set CEREBRO_HOME elsewhere`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new ConsoleStartError(`cannot take the lock ${file}`);
}

function releaseLock(home: string): void {
  const file = path.join(home, 'console.lock');
  try {
    if (Number(fs.readFileSync(file, 'utf8')) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
