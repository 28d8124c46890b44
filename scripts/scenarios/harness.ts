/**
 * The fault-injection harness: one real console and one real collector for the whole run; the detectors'
 * warm-up waited through; then each scenario in turn (inject, watch alerts and incidents until the fault
 * is detected and diagnosed or its time is up, stop it, settle); then a quiet period with no fault.
 * Every process, mount and file it makes is undone by one Cleanup, also on failure and Ctrl-C.
 * The rules that judge alerts and causes are in judge.ts.
 *
 * The link is the product's own: the console serves TLS, the collector is enrolled with a one-time token
 * and runs under a host policy file (the actions it may run, the directories file actions may touch,
 * the run's supervisord, and only the scenarios' own `cerebro-*` processes may be signalled: never
 * another process of this shared machine). With `remediate: 'autonomous'` (the default) the console's
 * remediation policy runs each scenario's runbook alone (faults.ts `remedy`), after the dry run an
 * operator would look at when turning autonomy on; the harness times diagnosis → verified remediation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { routePath, type Alert, type DryRunView, type Incident, type RouteName, type RouteResponses } from '@cerebro/shared/api/contract';
import { Cleanup } from '../bench/cleanup';
import { execFileSync } from 'node:child_process';
import type { ActionRun } from '@cerebro/shared/api/contract';
import { COLLECTOR_BIN, CONSOLE_BIN, ensureBundles, REPO_ROOT, startConsole, type ConsoleInfo } from '../bench/console-process';
import { sleep, startProcess, tempDir, waitFor } from '../bench/spawned';
import { SCENARIOS, type Injected, type Scenario, type ScenarioEnv } from './faults';
import { describeCause, EARLY_MS, explainedBy, falsePositives, isExplained, relatedIncidents, seriesMatches, type Attribution, type FalsePositiveCount } from './judge';
import { startProgram } from './programs';
import { Supervisor } from './supervisor';

export interface HarnessOptions {
  /** Scenario names to run (all when null). */
  readonly only: readonly string[] | null;
  /** The quiet period after the scenarios, minutes (0: none). */
  readonly quietMinutes: number;
  /** `serve --detector-warmup`: samples before a series may alert. */
  readonly warmupSamples: number;
  /** The collector's interval, ms. */
  readonly intervalMs: number;
  /** `serve --log-learning-minutes`. */
  readonly logLearningMinutes: number;
  /** After a fault stops, before the next starts, s; alerts with onsets in it still count for that fault. */
  readonly settleSec: number;
  /**
   * After the settle (and after the warm-up), also wait up to this long for the host's open incidents to
   * resolve, s: an alert within 5 min of an open incident's activity joins it, and a fault that joins an
   * older incident is ranked from that incident's onset, so each fault should open an incident of its own.
   */
  readonly settleMaxSec: number;
  /** A fault stays at least this long even once diagnosed (its later alerts must be counted too), s. */
  readonly minFaultSec: number;
  /** How often alerts and incidents are read, ms. */
  readonly pollMs: number;
  /** Caps each scenario's own observation time (Scenario.observeMs), s; null: no cap. For the short test form. */
  readonly observeMaxSec?: number | null;
  /** `serve --service-min-age`: how long a listening process must have run before its exit is an event, s (default: the console's, 60). */
  readonly serviceMinAgeSec?: number;
  /** 'autonomous': the scenarios' runbooks may run alone (the console's policy); 'off': the default policy, nothing runs alone. */
  readonly remediate: 'autonomous' | 'off';
  /** After diagnosis, how long to wait at most for the autonomous run to end, s. */
  readonly remediateWaitSec: number;
  /** After each fault, its series from the console's start to the fault's end go to DIR/series-NAME.json (null: not saved). */
  readonly seriesDir?: string | null;
  readonly log: (message: string) => void;
}

export const DEFAULT_HARNESS_OPTIONS: Omit<HarnessOptions, 'log'> = {
  only: null,
  quietMinutes: 10,
  warmupSamples: 120,
  intervalMs: 1000,
  logLearningMinutes: 1,
  settleSec: 60,
  settleMaxSec: 240,
  minFaultSec: 20,
  pollMs: 500,
  remediate: 'autonomous',
  remediateWaitSec: 90,
};

export interface AlertRow {
  readonly id: string;
  readonly seriesKey: string;
  readonly startMs: number;
  readonly severity: string;
  /** Log alerts: the template and the file of its first sample line. */
  readonly detail?: string;
  /** The scenario that explains it, or null (a false positive). */
  readonly explainedBy: string | null;
  /** The phase running when its onset came: a scenario name, "settle after NAME", or "quiet". */
  readonly phase: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly summary: string;
  /** Why it did not run, or null. */
  readonly skipped: string | null;
  readonly expected: string;
  /** Fault start → the harness first saw an alert the fault explains, ms; null when none came in time. */
  readonly detectMs: number | null;
  /** Fault start → the harness first saw a related incident whose top cause was right, ms; null when none. */
  readonly diagnoseMs: number | null;
  readonly topCauseRight: boolean;
  /** Top causes of the related incidents, as seen last before the fault stopped (or at diagnosis). */
  readonly topCauses: readonly string[];
  /** How long the fault ran, ms. */
  readonly faultMs: number;
  /** cpu.util_pct over the 30 s before the fault: median and max, % (null when unread): how busy the machine already was. */
  readonly cpuBeforePct: { readonly median: number; readonly max: number } | null;
  /** Alerts the fault explains. */
  readonly alerts: readonly AlertRow[];
  /** The runbook that should resolve it. */
  readonly remedy: string;
  /** Autonomous runs on the fault's incidents (by when they started). */
  readonly runs: readonly RunRow[];
  /** Diagnosis seen → the autonomous run's verification passed, ms (0 when it passed before the harness saw the diagnosis); null: not resolved alone. */
  readonly remediateMs: number | null;
  /** Fault injected → verified remediation, ms; null: not resolved alone. */
  readonly remediatedAfterMs: number | null;
  /** An autonomous run of the fault's incidents passed its verification (diagnosed right or not). */
  readonly resolvedAlone: boolean;
}

/** One autonomous run, as the harness saw it last. */
export interface RunRow {
  readonly id: string;
  readonly runbookId: string;
  readonly state: string;
  readonly incidentId: string | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly createdMs: number;
  /** When its verification passed (succeeded runs). */
  readonly verifiedMs: number | null;
  readonly summary: string;
  /** The scenario whose incident it acted on, or null (an action no fault called for). */
  readonly scenario: string | null;
  /** Its runbook and params are the scenario's own remedy on the fault's own target (null: no scenario). */
  readonly onTarget: boolean | null;
}

export interface HarnessResult {
  readonly hostId: string;
  readonly warmupMs: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly quietMinutes: number;
  /** Every alert with an onset after the warm-up. */
  readonly alerts: readonly AlertRow[];
  readonly falsePositives: FalsePositiveCount;
  readonly remediate: 'autonomous' | 'off';
  /** Every autonomous run after the warm-up. */
  readonly runs: readonly RunRow[];
}

/** GET a route of the console's API with query parameters. */
async function api<N extends RouteName>(info: ConsoleInfo, name: N, query: Record<string, string> = {}, id?: string): Promise<RouteResponses[N]> {
  const url = new URL(routePath(name, id), info.apiUrl);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { authorization: `Bearer ${info.apiToken}` }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`console API ${url.pathname}: HTTP ${res.status}`);
  return (await res.json()) as RouteResponses[N];
}

/**
 * Every alert and incident the console has shown, with when the harness first saw each alert. It polls
 * at one steady rate from before the warm-up to the end, so its own API traffic (loopback packets, the
 * console's CPU) is part of every baseline rather than a change that starts with the first fault.
 */
class Watch {
  readonly alerts = new Map<string, Alert>();
  readonly firstSeen = new Map<string, number>();
  incidents: readonly Incident[] = [];
  /** Autonomous remediation runs (actor: the policy), by id. */
  readonly runs = new Map<string, ActionRun>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  lastError: string | null = null;

  constructor(readonly info: ConsoleInfo) {}

  /** Poll every `everyMs` until stop() (a poll still running is not doubled). */
  start(cleanup: Cleanup, everyMs: number): void {
    this.timer = setInterval(() => void this.poll().catch((e: unknown) => (this.lastError = (e as Error).message)), everyMs);
    cleanup.add('stop polling the console', () => this.stop());
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One poll now, or the one already running. */
  poll(): Promise<void> {
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async fetch(): Promise<void> {
    const [a, i, r] = await Promise.all([api(this.info, 'alerts', { all: '1' }), api(this.info, 'incidents', { state: 'all' }), api(this.info, 'actions', { limit: '500' })]);
    for (const run of r.runs) if (run.actor.type === 'policy') this.runs.set(run.id, run);
    const now = Date.now();
    for (const alert of a.alerts) {
      this.alerts.set(alert.id, alert);
      if (!this.firstSeen.has(alert.id)) this.firstSeen.set(alert.id, now);
    }
    this.incidents = i.incidents;
  }
}

/** Run states after which nothing more happens (engine.ts). */
const FINAL_RUN_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'rolled-back', 'rollback-failed', 'refused']);

interface Phase {
  readonly name: string;
  readonly fromMs: number;
}

export async function runScenarios(options: HarnessOptions): Promise<HarnessResult> {
  const o = options;
  const selected = o.only === null ? SCENARIOS : SCENARIOS.filter((s) => o.only!.includes(s.name));
  const unknown = (o.only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; the scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const cleanup = new Cleanup();
  try {
    return await runWith(cleanup, selected, o);
  } finally {
    o.log('cleanup: stopping every process, unmounting, removing files');
    await cleanup.run();
  }
}

async function runWith(cleanup: Cleanup, selected: readonly Scenario[], o: HarnessOptions): Promise<HarnessResult> {
  const log = o.log;
  ensureBundles(log);
  const root = tempDir(cleanup, 'scenarios');
  const logDir = path.join(root, 'logs');
  fs.mkdirSync(logDir);
  const home = path.join(root, 'console');
  fs.mkdirSync(home);
  const scenarioSet = selected;
  if (o.remediate === 'autonomous') writeRemediationPolicy(home, scenarioSet);
  const con = await startConsole(cleanup, home, [], true, ['--detector-warmup', String(o.warmupSamples), '--log-learning-minutes', String(o.logLearningMinutes), ...(o.serviceMinAgeSec !== undefined ? ['--service-min-age', String(o.serviceMinAgeSec)] : [])]);
  const hostId = `scenarios-${process.pid}`;
  // The heartbeat's lines are this host's first log records: the log learning period starts with them.
  const beat = startProgram(cleanup, root, 'heartbeat', 'cerebro-beat', { log: path.join(logDir, 'harness.log'), 'max-sec': 7200 });
  const supervisor = await Supervisor.start(cleanup, path.join(root, 'supervisor'), logDir);
  if (typeof supervisor === 'string') log(`no supervisord: ${supervisor}; the supervised scenarios are skipped`);

  // Prepared before the collector starts: what they make (mounts, services) is there from its first sample.
  const skips = new Map<string, string>();
  for (const s of selected) {
    const env = scenarioEnv(cleanup, root, logDir, s, supervisor, log);
    const why = await s.prepare(env).catch((e: unknown) => `prepare failed: ${(e as Error).message}`);
    if (why !== null) {
      skips.set(s.name, why);
      log(`${s.name}: SKIPPED: ${why}`);
    }
  }

  const stateDir = path.join(root, 'collector');
  enrol(con, home, stateDir, hostId);
  const policyFile = path.join(root, 'collector-policy.json');
  writeHostPolicy(policyFile, logDir, supervisor, selected.filter((s) => !skips.has(s.name)));
  const collectorArgs = [COLLECTOR_BIN, 'run', '--state-dir', stateDir, '--policy-file', policyFile, '--interval', String(o.intervalMs), '--host-id', hostId, '--journal', 'off', '--log-file', path.join(logDir, '*.log')];
  const collector = startProcess(cleanup, 'collector', process.execPath, collectorArgs, { cwd: REPO_ROOT });
  log(`console pid ${con.proc.pid} (TLS), collector pid ${collector.pid} enrolled (host id ${hostId}, ${o.intervalMs} ms, policy ${policyFile}), logs followed in ${logDir}; remediation: ${o.remediate}`);

  const watch = new Watch(con.info);
  watch.start(cleanup, o.pollMs);
  const warmStart = Date.now();
  const warmupMs = await waitForWarmup(con.info, hostId, o, () => collector.tail(), log);
  const measureFrom = Date.now();
  log(`warm-up done in ${(warmupMs / 1000).toFixed(0)} s (since the console started: ${((measureFrom - warmStart) / 1000).toFixed(0)} s); alerts from now on are counted`);

  if (o.remediate === 'autonomous') await dryRuns(con.info, hostId, selected.filter((s) => !skips.has(s.name)), beat.pid, log);

  const phases: Phase[] = [{ name: 'after the warm-up', fromMs: measureFrom }];
  await settle(watch, hostId, o.settleSec, o.settleMaxSec, (m) => log(`after the warm-up: ${m}`));
  const attributions: Attribution[] = [];
  const attributionNames: string[] = [];
  const results: ScenarioResult[] = [];
  for (const s of selected) {
    const skipped = skips.get(s.name);
    if (skipped !== undefined) {
      results.push(skippedResult(s, skipped));
      continue;
    }
    const env = scenarioEnv(cleanup, root, logDir, s, supervisor, log);
    // No fault and no quiet period follow the last one: nothing to wait for.
    const last = s === selected.at(-1) && o.quietMinutes === 0;
    const r = await runOne(s, env, watch, hostId, phases, last ? { ...o, settleMaxSec: 0 } : o);
    if (o.seriesDir) await saveSeries(con.info, hostId, s.name, r.attribution, warmStart, o.seriesDir).then(log, (e: unknown) => log(`${s.name}: series not saved: ${(e as Error).message}`));
    attributions.push(r.attribution);
    attributionNames.push(s.name);
    results.push(r.result);
  }

  if (o.quietMinutes > 0) {
    phases.push({ name: 'quiet', fromMs: Date.now() });
    log(`quiet period: ${o.quietMinutes} min with no fault`);
    const end = Date.now() + o.quietMinutes * 60_000;
    let nextNote = Date.now() + 60_000;
    while (Date.now() < end) {
      if (Date.now() >= nextNote) {
        nextNote += 60_000;
        log(`quiet: ${Math.ceil((end - Date.now()) / 60_000)} min left, ${[...watch.alerts.values()].filter((a) => a.startMs >= phases.at(-1)!.fromMs).length} alerts so far`);
      }
      await sleep(2000);
    }
  }
  await watch.poll();
  watch.stop();

  const all = [...watch.alerts.values()].filter((a) => a.startMs >= measureFrom).sort((a, b) => a.startMs - b.startMs);
  const rows = all.map((a) => alertRow(a, attributions, attributionNames, phases));
  if (o.seriesDir) await saveUnexplained(con.info, hostId, rows, warmStart, o.seriesDir).then(log, (e: unknown) => log(`unexplained alerts' series not saved: ${(e as Error).message}`));
  const withRows = results.map((r) => (r.skipped !== null ? r : { ...r, alerts: rows.filter((x) => x.explainedBy === r.name) }));
  const runs = [...watch.runs.values()].filter((r) => r.createdMs >= measureFrom).sort((a, b) => a.createdMs - b.createdMs).map((r) => runRow(r, withRows, watch.incidents, attributions, attributionNames));
  return { hostId, warmupMs, scenarios: withRows, quietMinutes: o.quietMinutes, alerts: rows, falsePositives: falsePositives(all, attributions, measureFrom), remediate: o.remediate, runs };
}

function skippedResult(s: Scenario, skipped: string): ScenarioResult {
  return { name: s.name, summary: s.summary, skipped, expected: '', detectMs: null, diagnoseMs: null, topCauseRight: false, topCauses: [], faultMs: 0, cpuBeforePct: null, alerts: [], remedy: s.remedy.runbook, runs: [], remediateMs: null, remediatedAfterMs: null, resolvedAlone: false };
}

function scenarioEnv(cleanup: Cleanup, root: string, logDir: string, s: Scenario, supervisor: Supervisor | string, log: (m: string) => void): ScenarioEnv {
  const dir = path.join(root, s.name);
  fs.mkdirSync(dir, { recursive: true });
  return { cleanup, dir, logDir, supervisor, log };
}

/** The run a RunRow describes, attributed to the scenario whose alerts its incident lists. */
function runRow(r: ActionRun, scenarios: readonly ScenarioResult[], incidents: readonly Incident[], attributions: readonly Attribution[], names: readonly string[]): RunRow {
  const own = scenarios.find((s) => s.runs.some((x) => x.id === r.id))?.name;
  let scenario = own ?? null;
  if (scenario === null && r.incidentId !== undefined) {
    // A run on an incident whose alerts a fault explains belongs to that fault even if it ended after the harness moved on.
    const inc = incidents.find((i) => i.id === r.incidentId);
    const i = inc ? attributions.findIndex((a) => inc.alerts.some((x) => x.hostId === a.hostId && x.startMs >= a.fromMs && x.startMs <= a.toMs)) : -1;
    scenario = i >= 0 ? names[i]! : null;
  }
  const onTarget = scenarios.find((s) => s.name === scenario)?.runs.find((x) => x.id === r.id)?.onTarget ?? null;
  return { id: r.id, runbookId: r.runbookId, state: r.state, incidentId: r.incidentId ?? null, params: r.params, createdMs: r.createdMs, verifiedMs: r.state === 'succeeded' ? (r.verification?.atMs ?? r.updatedMs) : null, summary: r.summary, scenario, onTarget };
}

/** The console's policy for the run: every scenario's runbook at "autonomous" on every host; the rest at the default ("suggest"). */
function writeRemediationPolicy(home: string, scenarios: readonly Scenario[]): void {
  const policy = {
    defaultLevel: 'suggest',
    levels: [...new Set(scenarios.map((s) => s.remedy.runbook))].map((runbook) => ({ runbook, group: '*', level: 'autonomous' })),
    // One run per fault, and some room for a fault that needs a second runbook: 6 an hour per host would be exactly the six scenarios.
    blastRadius: { maxConcurrentHosts: 1, maxRunsPerHourPerRunbook: 6, maxRunsPerHourPerHost: 12 },
    requireDryRun: true,
  };
  fs.writeFileSync(path.join(home, 'remediation-policy.json'), JSON.stringify(policy, null, 2) + '\n');
}

/**
 * The host's own policy file: the actions the scenarios' runbooks use and no other, file actions only in the
 * followed log folder and the directories a remedy needs, the run's supervisord, and signals or renices only
 * for the scenarios' own processes (`cerebro-*`): on this shared machine no other process can be touched.
 */
function writeHostPolicy(file: string, logDir: string, supervisor: Supervisor | string, scenarios: readonly Scenario[]): void {
  const policy = {
    remediation: {
      allow: ['signal-process', 'renice-process', 'restart-service', 'stop-service', 'start-service', 'delete-old-files', 'rotate-log', 'truncate-log'],
      allowedDirs: [logDir, ...scenarios.flatMap((s) => s.remedy.allowedDirs?.() ?? [])],
      ...(typeof supervisor === 'string' ? {} : { supervisorConfig: supervisor.conf }),
      processes: { allow: ['cerebro-*'], deny: [] },
    },
  };
  fs.writeFileSync(file, JSON.stringify(policy, null, 2) + '\n');
}

/** `cerebro-console enroll-token create`, then `cerebro-collector enroll URL TOKEN`: the two commands of the README. */
function enrol(con: { info: ConsoleInfo }, home: string, stateDir: string, hostId: string): void {
  const env = { ...process.env, CEREBRO_HOME: home };
  const line = execFileSync(process.execPath, [CONSOLE_BIN, 'enroll-token', 'create'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const m = /^cerebro-collector enroll (wss:\/\/\S+) (\S+)$/m.exec(line);
  if (!m) throw new Error(`enroll-token create printed no enrol command: ${JSON.stringify(line)}`);
  execFileSync(process.execPath, [COLLECTOR_BIN, 'enroll', m[1]!, m[2]!, '--state-dir', stateDir, '--host-id', hostId], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  void con;
}

async function post<T>(info: ConsoleInfo, route: string, body: unknown): Promise<T> {
  const res = await fetch(new URL(route, info.apiUrl), { method: 'POST', headers: { authorization: `Bearer ${info.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`POST ${route} → HTTP ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * The dry run of each scenario's runbook, as the operator who turns autonomy on would look at it first (the
 * policy refuses any live run of a runbook never dry-run). Runbooks naming a process are previewed on the
 * harness's heartbeat; nothing is sent to the host.
 */
async function dryRuns(info: ConsoleInfo, hostId: string, scenarios: readonly Scenario[], samplePid: number, log: (m: string) => void): Promise<void> {
  const table = await api(info, 'processes', {}, hostId);
  const row = table.rows.find((p) => p.pid === samplePid);
  const sample = { pid: samplePid, startMs: row?.startMs ?? 0 };
  for (const s of scenarios) {
    const view = await post<DryRunView>(info, routePath('runbookDryRun', s.remedy.runbook), { hostId, params: s.remedy.dryRunParams(sample), operator: 'scenarios-harness' });
    log(`dry run of ${s.remedy.runbook} for ${s.name}: ${view.verdict.allowed ? 'allowed' : view.verdict.reason}; steps ${view.steps.map((x) => `${x.action}(${JSON.stringify(x.params)})`).join(', ')}`);
  }
}

function alertRow(a: Alert, attributions: readonly Attribution[], names: readonly string[], phases: readonly Phase[]): AlertRow {
  const i = explainedBy(a, attributions);
  const phase = [...phases].reverse().find((p) => p.fromMs <= a.startMs)?.name ?? 'before the first fault';
  const sample = a.evidence.log?.samples[0];
  const detail = a.evidence.log ? `"${a.evidence.log.text}" in ${sample?.src ?? '?'}` : undefined;
  return { id: a.id, seriesKey: a.seriesKey, startMs: a.startMs, severity: a.severity, ...(detail !== undefined ? { detail } : {}), explainedBy: i >= 0 ? names[i]! : null, phase };
}

/**
 * Wait until no series of the host is still learning (every one had its warm-up samples) and the log
 * learning period is over, or until twice the nominal warm-up has passed (then say which still learn).
 */
async function waitForWarmup(info: ConsoleInfo, hostId: string, o: HarnessOptions, collectorTail: () => string, log: (m: string) => void): Promise<number> {
  const start = Date.now();
  const nominal = o.warmupSamples * o.intervalMs;
  // Series sampled less often than every tick (the socket table: every 10 s) need far longer than the
  // nominal warm-up; past this limit the harness goes on and names them.
  const limit = Math.max(1.5 * nominal, o.logLearningMinutes * 60_000) + 15_000;
  log(`warm-up: ${o.warmupSamples} samples at ${o.intervalMs} ms (~${Math.round(nominal / 1000)} s), log learning ${o.logLearningMinutes} min`);
  await waitFor('the collector to report this host', 60_000, async () => ((await api(info, 'hosts').catch(() => [])).some((h) => h.id === hostId) ? true : null), 500).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; collector output:\n${collectorTail()}`);
  });
  let learning: readonly string[] = [];
  let nextNote = Date.now() + 30_000;
  for (;;) {
    const view = await api(info, 'hostAlerts', {}, hostId).catch(() => null);
    learning = view?.learning ?? ['?'];
    const elapsed = Date.now() - start;
    if (learning.length === 0 && view !== null && view.series > 0 && elapsed >= o.logLearningMinutes * 60_000) break;
    if (elapsed > limit) {
      log(`warm-up: still learning after ${Math.round(elapsed / 1000)} s: ${learning.slice(0, 10).join(', ')}${learning.length > 10 ? ` and ${learning.length - 10} more` : ''}; going on (they cannot alert yet)`);
      break;
    }
    if (Date.now() >= nextNote) {
      nextNote += 30_000;
      log(`warm-up: ${Math.round(elapsed / 1000)} s, ${view?.series ?? 0} series, ${learning.length} still learning`);
    }
    await sleep(1000);
  }
  return Date.now() - start;
}

async function runOne(s: Scenario, env: ScenarioEnv, watch: Watch, hostId: string, phases: Phase[], o: HarnessOptions): Promise<{ result: ScenarioResult; attribution: Attribution }> {
  const log = (m: string): void => o.log(`${s.name}: ${m}`);
  const observeMs = Math.min(s.observeMs, (o.observeMaxSec ?? Number.POSITIVE_INFINITY) * 1000);
  const cpuBeforePct = await cpuBefore(watch.info, hostId);
  await watch.poll();
  const before = new Set(watch.alerts.keys());
  const injectedMs = Date.now();
  phases.push({ name: s.name, fromMs: injectedMs });
  let inj: Injected;
  try {
    inj = await s.inject(env);
  } catch (e) {
    const why = `inject failed: ${(e as Error).message}`;
    log(why);
    return { result: skippedResult(s, why), attribution: { hostId, series: [], logFiles: [], fromMs: 0, toMs: -1 } };
  }
  log(`injected (${s.summary}); right top cause: ${inj.expected}`);
  const attribution: Attribution = { hostId, series: inj.series, logFiles: inj.logFiles, fromMs: injectedMs - EARLY_MS, toMs: Number.POSITIVE_INFINITY, before };
  let detectMs: number | null = null;
  let diagnoseMs: number | null = null;
  const tops = new Map<string, string>();
  let stoppedMs = injectedMs;
  const related = new Set<string>();
  const runStates = new Map<string, string>();
  let verified: ActionRun | null = null;
  const autonomous = o.remediate === 'autonomous';
  try {
    for (;;) {
      await sleep(o.pollMs);
      const now = Date.now();
      const explained = [...watch.alerts.values()].filter((a) => isExplained(a, attribution));
      if (detectMs === null && explained.length > 0) {
        const first = explained.reduce((x, y) => (watch.firstSeen.get(x.id)! <= watch.firstSeen.get(y.id)! ? x : y));
        detectMs = watch.firstSeen.get(first.id)! - injectedMs;
        log(`detected after ${detectMs} ms: ${first.seriesKey} (onset ${first.startMs - injectedMs} ms after the fault)`);
      }
      for (const inc of relatedIncidents(watch.incidents, new Set(explained.map((a) => a.id)))) {
        related.add(inc.id);
        const top = inc.causes[0];
        const text = describeCause(top);
        // The runners-up too: when the right cause is not first, how far behind it was is what to look at.
        if (tops.get(inc.id) !== text) log(`incident ${inc.id} (${inc.title}): top cause ${text}${inc.causes.length > 1 ? `; then ${inc.causes.slice(1, 4).map(describeCause).join(', ')}` : ''}`);
        tops.set(inc.id, text);
        if (diagnoseMs === null && top !== undefined && inj.rightCause(top)) {
          diagnoseMs = now - injectedMs;
          log(`diagnosed after ${diagnoseMs} ms: ${top.explanation}`);
        }
      }
      // Autonomous runs on this fault's incidents: log each state change; the first verified one resolves it.
      for (const run of watch.runs.values()) {
        if (run.incidentId === undefined || !related.has(run.incidentId) || run.createdMs < injectedMs) continue;
        if (runStates.get(run.id) !== run.state) log(`autonomous run ${run.id} of ${run.runbookId} ${JSON.stringify(run.params)}: ${run.state}${run.state === 'running' ? '' : ` (${run.summary})`}`);
        runStates.set(run.id, run.state);
        // Resolved by its own remedy on its own target: another runbook, or the same one on another target
        // (a cleanup of a filesystem that was not filling "verifies" trivially), does not count.
        if (verified === null && run.state === 'succeeded' && run.runbookId === s.remedy.runbook && inj.rightTarget(run.params)) verified = run;
      }
      const ran = now - injectedMs;
      const judged = detectMs !== null && diagnoseMs !== null && ran >= o.minFaultSec * 1000;
      if (!autonomous) {
        if (judged || ran >= observeMs) break;
        continue;
      }
      // With remediation on, the fault stays until its remedy ended on the fault's own target (or the wait
      // for it is over): a run that failed on a wrong first target may be followed by one on the cause the
      // ranking corrected itself to (core/remediation/autonomous.ts).
      const ended = verified !== null || [...runStates.entries()].some(([id, st]) => {
        const r = watch.runs.get(id);
        return FINAL_RUN_STATES.has(st) && r?.runbookId === s.remedy.runbook && inj.rightTarget(r.params);
      });
      const waitedOut = diagnoseMs !== null && ran - diagnoseMs >= o.remediateWaitSec * 1000;
      if ((judged && (ended || waitedOut)) || ran >= observeMs + (diagnoseMs !== null ? o.remediateWaitSec * 1000 : 0)) break;
    }
  } finally {
    stoppedMs = Date.now();
    await inj.stop();
  }
  if (detectMs === null) log(`NOT detected within ${observeMs / 1000} s`);
  if (diagnoseMs === null) log(`NOT diagnosed within ${observeMs / 1000} s; top causes seen: ${[...tops.values()].join('; ') || 'no related incident'}`);
  log(`stopped after ${((stoppedMs - injectedMs) / 1000).toFixed(0)} s; settling ${o.settleSec} s`);
  phases.push({ name: `settle after ${s.name}`, fromMs: stoppedMs });
  await settle(watch, hostId, o.settleSec, 0, log);
  const done = { ...attribution, toMs: stoppedMs + o.settleSec * 1000 };
  if (o.settleMaxSec > 0) {
    phases.push({ name: `wait after ${s.name}`, fromMs: Date.now() });
    await settle(watch, hostId, 0, o.settleMaxSec, log);
  }
  const v = verified as ActionRun | null;
  const verifiedAt = v === null ? null : (v.verification?.atMs ?? v.updatedMs);
  const remediatedAfterMs = verifiedAt === null ? null : verifiedAt - injectedMs;
  // The harness polls: a remedy verified before it saw the diagnosis counts from the diagnosis as 0.
  const remediateMs = remediatedAfterMs === null || diagnoseMs === null ? null : Math.max(0, remediatedAfterMs - diagnoseMs);
  if (autonomous) log(v === null ? `NOT resolved alone (expected ${s.remedy.runbook}; runs: ${[...runStates.entries()].map(([id, st]) => `${watch.runs.get(id)?.runbookId} ${st}`).join(', ') || 'none'})` : `resolved alone by ${v.runbookId}: verified ${remediatedAfterMs} ms after the fault, ${remediateMs === null ? 'with no right diagnosis' : `${remediateMs} ms after the diagnosis`}`);
  const runs = [...watch.runs.values()].filter((r) => runStates.has(r.id)).map((r) => runRow(r, [], [], [], []));
  return {
    result: { name: s.name, summary: s.summary, skipped: null, expected: inj.expected, detectMs, diagnoseMs, topCauseRight: diagnoseMs !== null, topCauses: [...tops.values()], faultMs: stoppedMs - injectedMs, cpuBeforePct, alerts: [], remedy: s.remedy.runbook, runs: runs.map((r) => ({ ...r, scenario: s.name, onTarget: r.runbookId === s.remedy.runbook && inj.rightTarget(r.params) })), remediateMs, remediatedAfterMs, resolvedAlone: v !== null },
    attribution: done,
  };
}

/**
 * Poll for `minSec`, then until the host has no open incident or `maxSec` more have passed (then say
 * which incidents are still open: the next fault's alerts will join them).
 */
async function settle(watch: Watch, hostId: string, minSec: number, maxSec: number, log: (m: string) => void): Promise<void> {
  const start = Date.now();
  const minEnd = start + minSec * 1000;
  const maxEnd = minEnd + maxSec * 1000;
  let nextNote = start + 30_000;
  for (;;) {
    await sleep(1000);
    const now = Date.now();
    const open = watch.incidents.filter((i) => i.state === 'open' && i.hostIds.includes(hostId));
    if (now >= nextNote) {
      nextNote += 30_000;
      log(`settling: ${((now - start) / 1000).toFixed(0)} s, ${open.length} open incident(s) on the host`);
    }
    if (now >= minEnd && (maxSec === 0 || open.length === 0)) {
      if (maxSec > 0) log(`no open incident after ${((now - start) / 1000).toFixed(0)} s`);
      return;
    }
    if (now >= maxEnd) {
      log(`still open after ${((now - start) / 1000).toFixed(0)} s: ${open.map((i) => `${i.title} (${i.alerts.filter((a) => a.state === 'open').map((a) => a.seriesKey).join(', ')} open)`).join('; ')}; going on`);
      return;
    }
  }
}

/** Series a fault moves (its attribution's patterns), raw, from `fromMs` to the end of its window, as one JSON file. */
async function saveSeries(info: ConsoleInfo, hostId: string, name: string, by: Attribution, fromMs: number, dir: string): Promise<string> {
  const keys = (await api(info, 'series', {}, hostId)).map((x) => x.key).filter((k) => by.series.some((p) => seriesMatches(p, k)));
  const series: Record<string, { t: readonly number[]; v: readonly number[] }> = {};
  for (const key of keys) {
    const d = await api(info, 'query', { key, from: String(fromMs), to: String(by.toMs), points: '20000' }, hostId);
    if (d.kind === 'raw') series[key] = { t: d.t, v: d.v };
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `series-${name}.json`);
  // The fault's window starts EARLY_MS before its injection.
  fs.writeFileSync(file, JSON.stringify({ scenario: name, hostId, injectedMs: by.fromMs + EARLY_MS, windowEndMs: by.toMs, series }));
  return `${name}: ${keys.length} series saved in ${file}`;
}

/** After an unexplained alert's onset, this much of its series is saved with it, ms. */
const UNEXPLAINED_AFTER_MS = 60_000;

/**
 * Each unexplained alert's series, raw, from `fromMs` (the console's start: a replay needs the detector's
 * whole history) to a minute after its onset, one file each (unexplained-N.json), so a false positive can
 * be looked at and replayed through the scorer after the run: the fault's files stop at its window's end.
 */
async function saveUnexplained(info: ConsoleInfo, hostId: string, rows: readonly AlertRow[], fromMs: number, dir: string): Promise<string> {
  const fps = rows.filter((r) => r.explainedBy === null);
  fs.mkdirSync(dir, { recursive: true });
  for (const [i, r] of fps.entries()) {
    const d = await api(info, 'query', { key: r.seriesKey, from: String(fromMs), to: String(r.startMs + UNEXPLAINED_AFTER_MS), points: '20000' }, hostId);
    const series = d.kind === 'raw' ? { t: d.t, v: d.v } : null;
    fs.writeFileSync(path.join(dir, `unexplained-${i + 1}.json`), JSON.stringify({ alert: r, hostId, series }));
  }
  return `${fps.length} unexplained alert(s): their series saved in ${dir} as unexplained-N.json`;
}

async function cpuBefore(info: ConsoleInfo, hostId: string): Promise<{ median: number; max: number } | null> {
  const now = Date.now();
  const d = await api(info, 'query', { key: 'cpu.util_pct', from: String(now - 30_000), to: String(now) }, hostId).catch(() => null);
  if (d === null || d.kind !== 'raw' || d.v.length === 0) return null;
  const v = [...d.v].sort((a, b) => a - b);
  return { median: Number(v[v.length >> 1]!.toFixed(1)), max: Number(v[v.length - 1]!.toFixed(1)) };
}
