/**
 * The remediation policy engine: may this run start, now, on this host? Rules, in order, each refusal
 * naming its rule (POLICY_RULES): kill switch (autonomous runs only), autonomy level per runbook and host
 * group, maintenance windows (autonomous runs only: an operator decides for themselves), one run per host
 * at a time, blast radius (hosts being remediated at once, runs per hour per runbook and per host).
 *
 * `admit` checks and reserves in one synchronous call, so a burst of concurrent requests cannot all slip
 * past a limit between the check and the count; the reservation is released when the run ends.
 *
 * The policy lives in `$CEREBRO_HOME/remediation-policy.json` (written by the console when changed):
 *   { "defaultLevel": "suggest",
 *     "groups": { "web": ["web-*"], "db": ["db-01"] },          host ids or hostnames, `*` globs
 *     "levels": [ { "runbook": "cpu-hog-stop", "group": "web", "level": "autonomous" } ],   most specific wins
 *     "blastRadius": { "maxConcurrentHosts": 2, "maxRunsPerHourPerRunbook": 10, "maxRunsPerHourPerHost": 5 },
 *     "maintenance": { "mode": "off" | "only-inside" | "never-inside",
 *                      "windows": [ { "days": [6, 0], "start": "01:00", "end": "05:00", "groups": ["db"] } ] },   UTC
 *     "killSwitch": false,
 *     "requireDryRun": true | false | "per-host" }   default true: no live run of a runbook before its first dry run
 */
import fs from 'node:fs';
import path from 'node:path';
import { POLICY_RULES, type Actor, type AutonomyLevel, type DryRunRecord, type PolicyRule, type PolicyVerdict } from '@cerebro/shared/api/contract';
import { MemoryDryRunLedger, type DryRunLedger } from './dry-runs';

export const AUTONOMY_LEVELS: readonly AutonomyLevel[] = ['observe', 'suggest', 'one-click', 'autonomous'];

export interface MaintenanceWindow {
  /** Days of the week, 0 = Sunday (UTC); absent: every day. */
  readonly days?: readonly number[];
  /** "HH:MM" UTC; a window whose end is before its start runs over midnight. */
  readonly start: string;
  readonly end: string;
  /** Host groups it applies to; absent: every host. */
  readonly groups?: readonly string[];
}

export interface PolicyConfig {
  readonly defaultLevel: AutonomyLevel;
  readonly groups: Readonly<Record<string, readonly string[]>>;
  readonly levels: readonly { readonly runbook: string; readonly group: string; readonly level: AutonomyLevel }[];
  readonly blastRadius: { readonly maxConcurrentHosts: number; readonly maxRunsPerHourPerRunbook: number; readonly maxRunsPerHourPerHost: number };
  readonly maintenance: { readonly mode: 'off' | 'only-inside' | 'never-inside'; readonly windows: readonly MaintenanceWindow[] };
  readonly killSwitch: boolean;
  /**
   * A live run (operator or autonomous) needs a recorded dry run of the runbook's current version first:
   * true, per runbook (on any host); "per-host", per runbook and host; false, never (setups that opt out).
   */
  readonly requireDryRun: boolean | 'per-host';
}

export const DEFAULT_POLICY: PolicyConfig = {
  defaultLevel: 'suggest',
  groups: {},
  levels: [],
  blastRadius: { maxConcurrentHosts: 3, maxRunsPerHourPerRunbook: 10, maxRunsPerHourPerHost: 6 },
  maintenance: { mode: 'off', windows: [] },
  killSwitch: false,
  requireDryRun: true,
};

export class PolicyConfigError extends Error {
  override readonly name = 'PolicyConfigError';
}

type Obj = Record<string, unknown>;

function parseConfig(v: unknown, file: string): PolicyConfig {
  const fail = (field: string, msg: string): never => {
    throw new PolicyConfigError(`${file}: ${field}: ${msg}`);
  };
  const obj = (x: unknown, field: string): Obj => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : fail(field, `must be an object, got ${JSON.stringify(x)}`));
  const only = (o: Obj, keys: string[], field: string): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${field}${k}`, `unknown field; known fields are ${keys.join(', ')}`);
  };
  const level = (x: unknown, field: string): AutonomyLevel => (AUTONOMY_LEVELS.includes(x as AutonomyLevel) ? (x as AutonomyLevel) : fail(field, `must be one of ${AUTONOMY_LEVELS.join(', ')}, got ${JSON.stringify(x)}`));
  const strs = (x: unknown, field: string): string[] => (Array.isArray(x) && x.every((s) => typeof s === 'string') ? (x as string[]) : fail(field, `must be a list of strings, got ${JSON.stringify(x)}`));
  const count = (x: unknown, field: string, fallback: number): number => (x === undefined ? fallback : typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 100_000 ? x : fail(field, `must be an integer from 0 to 100000, got ${JSON.stringify(x)}`));
  const o = obj(v, '(top level)');
  only(o, ['defaultLevel', 'groups', 'levels', 'blastRadius', 'maintenance', 'killSwitch', 'requireDryRun'], '');
  const groupsObj = o['groups'] === undefined ? {} : obj(o['groups'], 'groups');
  const groups: Record<string, string[]> = {};
  for (const [g, list] of Object.entries(groupsObj)) groups[g] = strs(list, `groups.${g}`);
  const levelsRaw = o['levels'] === undefined ? [] : Array.isArray(o['levels']) ? o['levels'] : fail('levels', 'must be a list');
  const levels = levelsRaw.map((x: unknown, i: number) => {
    const e = obj(x, `levels[${i}]`);
    only(e, ['runbook', 'group', 'level'], `levels[${i}].`);
    const runbook = e['runbook'] ?? '*';
    const group = e['group'] ?? '*';
    if (typeof runbook !== 'string') fail(`levels[${i}].runbook`, 'must be a runbook id or "*"');
    if (typeof group !== 'string') fail(`levels[${i}].group`, 'must be a group name or "*"');
    if (group !== '*' && !Object.hasOwn(groups, group as string)) fail(`levels[${i}].group`, `names no group in "groups" (${Object.keys(groups).join(', ') || 'none defined'})`);
    return { runbook: runbook as string, group: group as string, level: level(e['level'], `levels[${i}].level`) };
  });
  const br = o['blastRadius'] === undefined ? {} : obj(o['blastRadius'], 'blastRadius');
  only(br, ['maxConcurrentHosts', 'maxRunsPerHourPerRunbook', 'maxRunsPerHourPerHost'], 'blastRadius.');
  const m = o['maintenance'] === undefined ? {} : obj(o['maintenance'], 'maintenance');
  only(m, ['mode', 'windows'], 'maintenance.');
  const mode = m['mode'] ?? 'off';
  if (mode !== 'off' && mode !== 'only-inside' && mode !== 'never-inside') fail('maintenance.mode', `must be off, only-inside or never-inside, got ${JSON.stringify(mode)}`);
  const windowsRaw = m['windows'] === undefined ? [] : Array.isArray(m['windows']) ? m['windows'] : fail('maintenance.windows', 'must be a list');
  const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
  const windows = windowsRaw.map((x: unknown, i: number): MaintenanceWindow => {
    const f = `maintenance.windows[${i}]`;
    const w = obj(x, f);
    only(w, ['days', 'start', 'end', 'groups'], `${f}.`);
    if (typeof w['start'] !== 'string' || !hhmm.test(w['start'])) fail(`${f}.start`, `must be "HH:MM" (UTC), got ${JSON.stringify(w['start'])}`);
    if (typeof w['end'] !== 'string' || !hhmm.test(w['end'])) fail(`${f}.end`, `must be "HH:MM" (UTC), got ${JSON.stringify(w['end'])}`);
    const out: { -readonly [K in keyof MaintenanceWindow]: MaintenanceWindow[K] } = { start: w['start'] as string, end: w['end'] as string };
    if (w['days'] !== undefined) {
      const d = w['days'];
      if (!Array.isArray(d) || !d.every((n) => Number.isInteger(n) && n >= 0 && n <= 6)) fail(`${f}.days`, 'must be a list of days 0 (Sunday) to 6');
      out.days = d as number[];
    }
    if (w['groups'] !== undefined) out.groups = strs(w['groups'], `${f}.groups`);
    return out;
  });
  if (o['killSwitch'] !== undefined && typeof o['killSwitch'] !== 'boolean') fail('killSwitch', 'must be true or false');
  const dry = o['requireDryRun'];
  if (dry !== undefined && typeof dry !== 'boolean' && dry !== 'per-host') fail('requireDryRun', `must be true, false or "per-host", got ${JSON.stringify(dry)}`);
  return {
    defaultLevel: o['defaultLevel'] === undefined ? DEFAULT_POLICY.defaultLevel : level(o['defaultLevel'], 'defaultLevel'),
    groups,
    levels,
    blastRadius: {
      maxConcurrentHosts: count(br['maxConcurrentHosts'], 'blastRadius.maxConcurrentHosts', DEFAULT_POLICY.blastRadius.maxConcurrentHosts),
      maxRunsPerHourPerRunbook: count(br['maxRunsPerHourPerRunbook'], 'blastRadius.maxRunsPerHourPerRunbook', DEFAULT_POLICY.blastRadius.maxRunsPerHourPerRunbook),
      maxRunsPerHourPerHost: count(br['maxRunsPerHourPerHost'], 'blastRadius.maxRunsPerHourPerHost', DEFAULT_POLICY.blastRadius.maxRunsPerHourPerHost),
    },
    maintenance: { mode: mode as PolicyConfig['maintenance']['mode'], windows },
    killSwitch: (o['killSwitch'] as boolean | undefined) ?? false,
    requireDryRun: (dry as boolean | 'per-host' | undefined) ?? DEFAULT_POLICY.requireDryRun,
  };
}

export function policyFile(home: string): string {
  return path.join(home, 'remediation-policy.json');
}

/** The policy in `file`, or the default when there is none; a file that does not parse throws PolicyConfigError. */
export function loadPolicyConfig(file: string): PolicyConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_POLICY;
    throw new PolicyConfigError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PolicyConfigError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  return parseConfig(json, file);
}

export { parseConfig as parsePolicyConfig };

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

export interface PolicyRequest {
  readonly runbookId: string;
  readonly host: { readonly id: string; readonly hostname: string };
  readonly actor: Actor;
  /** runbookFingerprint of the runbook as it would run: a dry run of another version does not count. */
  readonly fingerprint?: string;
}

/** A reservation held while a run is in progress. */
export interface Admission {
  readonly verdict: PolicyVerdict;
  /** Frees the host's concurrency slot (the hourly counts keep the run). Idempotent. */
  release(): void;
}

const HOUR_MS = 3_600_000;

export class PolicyEngine {
  private config: PolicyConfig;
  /** Hosts with a run in progress. */
  private readonly activeHosts = new Set<string>();
  /** Start times of admitted runs, for the hourly limits. */
  private readonly history: { runbookId: string; hostId: string; atMs: number }[] = [];
  private readonly dryRuns: DryRunLedger;

  constructor(
    config: PolicyConfig,
    private readonly options: { readonly file?: string; readonly now?: () => number; readonly dryRuns?: DryRunLedger } = {},
  ) {
    this.config = config;
    this.dryRuns = options.dryRuns ?? new MemoryDryRunLedger();
  }

  /**
   * Set a runbook's level for a group ("*": every host not matched more specifically); persisted when the
   * policy has a file. Returns the level the entry had before (null: none).
   */
  setLevel(runbookId: string, group: string, level: AutonomyLevel): AutonomyLevel | null {
    if (group !== '*' && !Object.hasOwn(this.config.groups, group)) throw new PolicyConfigError(`no host group "${group}" in the policy (groups: ${Object.keys(this.config.groups).join(', ') || 'none'})`);
    const previous = this.config.levels.find((e) => e.runbook === runbookId && e.group === group)?.level ?? null;
    const levels = [...this.config.levels.filter((e) => !(e.runbook === runbookId && e.group === group)), { runbook: runbookId, group, level }];
    this.config = { ...this.config, levels };
    this.save();
    return previous;
  }

  /**
   * Change settings (any subset of default level, dry-run rule, blast radius, maintenance mode), checked
   * exactly as the file is (PolicyConfigError naming the field), then in force at once and persisted.
   * Returns the values they replace.
   */
  updateSettings(changes: { defaultLevel?: unknown; requireDryRun?: unknown; blastRadius?: unknown; maintenanceMode?: unknown }): Record<string, unknown> {
    const c = this.config;
    const raw: Record<string, unknown> = { ...c, maintenance: { ...c.maintenance } };
    const previous: Record<string, unknown> = {};
    if (changes.defaultLevel !== undefined) {
      previous['defaultLevel'] = c.defaultLevel;
      raw['defaultLevel'] = changes.defaultLevel;
    }
    if (changes.requireDryRun !== undefined) {
      previous['requireDryRun'] = c.requireDryRun;
      raw['requireDryRun'] = changes.requireDryRun;
    }
    if (changes.blastRadius !== undefined) {
      if (typeof changes.blastRadius !== 'object' || changes.blastRadius === null) throw new PolicyConfigError(`settings: blastRadius: must be an object, got ${JSON.stringify(changes.blastRadius)}`);
      previous['blastRadius'] = c.blastRadius;
      raw['blastRadius'] = { ...c.blastRadius, ...changes.blastRadius };
    }
    if (changes.maintenanceMode !== undefined) {
      previous['maintenanceMode'] = c.maintenance.mode;
      raw['maintenance'] = { ...c.maintenance, mode: changes.maintenanceMode };
    }
    this.config = parseConfig(raw, 'settings');
    this.save();
    return previous;
  }

  /** The policy file, when the policy has one. */
  get file(): string | null {
    return this.options.file ?? null;
  }

  /** A dry run was shown: it lifts DRY_RUN_REQUIRED for that runbook version (and host, "per-host"). */
  recordDryRun(r: DryRunRecord): void {
    this.dryRuns.record(r);
  }

  lastDryRun(runbookId: string, hostId?: string): DryRunRecord | null {
    return this.dryRuns.latest(runbookId, hostId);
  }

  /** Why a live run still needs a dry run first, or null. */
  private dryRunMissing(req: PolicyRequest): string | null {
    const mode = this.config.requireDryRun;
    if (mode === false) return null;
    const perHost = mode === 'per-host';
    const where = perHost ? ` on ${req.host.hostname}` : '';
    const last = this.dryRuns.latest(req.runbookId, perHost ? req.host.id : undefined);
    if (!last) return `run a dry run of ${req.runbookId}${where} first: no live run before a dry run has shown exactly what it would do`;
    if (req.fingerprint !== undefined && last.fingerprint !== req.fingerprint) return `run a dry run of ${req.runbookId}${where} again first: the runbook changed since its last dry run (${new Date(last.atMs).toISOString()} by ${last.by})`;
    return null;
  }

  get current(): PolicyConfig {
    return this.config;
  }

  /** Seed the hourly counts from stored runs (at start, so a restart does not reset the limits). */
  seed(runs: readonly { runbookId: string; hostId: string; atMs: number }[]): void {
    this.history.push(...runs);
    this.history.sort((a, b) => a.atMs - b.atMs);
  }

  /** Turn the kill switch on or off; persisted when the policy has a file. */
  setKillSwitch(on: boolean): void {
    this.config = { ...this.config, killSwitch: on };
    this.save();
  }

  get killSwitch(): boolean {
    return this.config.killSwitch;
  }

  private save(): void {
    const file = this.options.file;
    if (!file) return;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.config, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, file);
  }

  groupsOf(host: { id: string; hostname: string }): string[] {
    return Object.entries(this.config.groups)
      .filter(([, pats]) => pats.some((p) => glob(p).test(host.id) || glob(p).test(host.hostname)))
      .map(([g]) => g);
  }

  /** The level for a runbook on a host: the most specific entry (runbook and group > runbook > group > default). */
  levelFor(runbookId: string, host: { id: string; hostname: string }): AutonomyLevel {
    return this.levelInGroups(runbookId, this.groupsOf(host));
  }

  /** The level for a runbook on a host of these groups (none: a host in no group). */
  levelInGroups(runbookId: string, groups: readonly string[]): AutonomyLevel {
    let best: { score: number; level: AutonomyLevel } = { score: -1, level: this.config.defaultLevel };
    for (const e of this.config.levels) {
      const rbOk = e.runbook === '*' || e.runbook === runbookId;
      const grOk = e.group === '*' || groups.includes(e.group);
      if (!rbOk || !grOk) continue;
      const score = (e.runbook !== '*' ? 2 : 0) + (e.group !== '*' ? 1 : 0);
      // Among equally specific entries the most cautious wins.
      if (score > best.score || (score === best.score && AUTONOMY_LEVELS.indexOf(e.level) < AUTONOMY_LEVELS.indexOf(best.level))) best = { score, level: e.level };
    }
    return best.level;
  }

  private inWindow(w: MaintenanceWindow, groups: readonly string[], nowMs: number): boolean {
    if (w.groups && !w.groups.some((g) => groups.includes(g))) return false;
    const d = new Date(nowMs);
    const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
    const toMin = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
    const start = toMin(w.start);
    const end = toMin(w.end);
    const day = d.getUTCDay();
    if (start <= end) return (!w.days || w.days.includes(day)) && minutes >= start && minutes < end;
    // Over midnight: the part after midnight belongs to the window that started the day before.
    if (minutes >= start) return !w.days || w.days.includes(day);
    return minutes < end && (!w.days || w.days.includes((day + 6) % 7));
  }

  /** The verdict without reserving anything (dry runs, proposals). */
  evaluate(req: PolicyRequest): PolicyVerdict {
    return this.decide(req, this.options.now?.() ?? Date.now());
  }

  private decide(req: PolicyRequest, now: number): PolicyVerdict {
    const level = this.levelFor(req.runbookId, req.host);
    const refuse = (rule: PolicyRule, reason: string): PolicyVerdict => ({ allowed: false, level, rule, reason: `${rule}: ${reason}` });
    const auto = req.actor.type === 'policy';
    if (auto && this.config.killSwitch) return refuse('KILL_SWITCH', 'the kill switch is on; no autonomous action runs');
    if (level === 'observe') return refuse('AUTONOMY', `runbook ${req.runbookId} is at level "observe" on ${req.host.hostname}: it may be dry-run but never run`);
    if (auto && level !== 'autonomous') return refuse('AUTONOMY', `runbook ${req.runbookId} is at level "${level}" on ${req.host.hostname}: the policy may not run it alone`);
    const noDryRun = this.dryRunMissing(req);
    if (noDryRun) return refuse('DRY_RUN_REQUIRED', noDryRun);
    if (auto && this.config.maintenance.mode !== 'off') {
      const groups = this.groupsOf(req.host);
      const inside = this.config.maintenance.windows.some((w) => this.inWindow(w, groups, now));
      if (this.config.maintenance.mode === 'only-inside' && !inside) return refuse('MAINTENANCE_WINDOW', `autonomous runs on ${req.host.hostname} happen only inside a maintenance window, and none is open now`);
      if (this.config.maintenance.mode === 'never-inside' && inside) return refuse('MAINTENANCE_WINDOW', `a maintenance window is open on ${req.host.hostname}: autonomous runs wait until it ends`);
    }
    if (this.activeHosts.has(req.host.id)) return refuse('HOST_BUSY', `a run is already in progress on ${req.host.hostname}`);
    const br = this.config.blastRadius;
    if (this.activeHosts.size >= br.maxConcurrentHosts) return refuse('MAX_CONCURRENT_HOSTS', `${this.activeHosts.size} hosts are being remediated now; the limit is ${br.maxConcurrentHosts}`);
    const since = now - HOUR_MS;
    let byRunbook = 0;
    let byHost = 0;
    for (const h of this.history) {
      if (h.atMs < since) continue;
      if (h.runbookId === req.runbookId) byRunbook++;
      if (h.hostId === req.host.id) byHost++;
    }
    if (byRunbook >= br.maxRunsPerHourPerRunbook) return refuse('RATE_RUNBOOK', `runbook ${req.runbookId} ran ${byRunbook} times in the last hour; the limit is ${br.maxRunsPerHourPerRunbook}`);
    if (byHost >= br.maxRunsPerHourPerHost) return refuse('RATE_HOST', `${req.host.hostname} had ${byHost} runs in the last hour; the limit is ${br.maxRunsPerHourPerHost}`);
    const how = auto ? 'the policy may run it alone' : level === 'suggest' ? 'an operator may run it after approving it' : 'an operator may run it with one click';
    return { allowed: true, level, reason: `allowed at level "${level}": ${how}` };
  }

  /** Check and, when allowed, reserve the host's slot and count the run, in one synchronous step. */
  admit(req: PolicyRequest): Admission {
    const now = this.options.now?.() ?? Date.now();
    const verdict = this.decide(req, now);
    if (!verdict.allowed) return { verdict, release: () => undefined };
    this.activeHosts.add(req.host.id);
    this.history.push({ runbookId: req.runbookId, hostId: req.host.id, atMs: now });
    // Keep the history bounded to the window the limits look at.
    while (this.history.length > 0 && (this.history[0] as { atMs: number }).atMs < now - HOUR_MS) this.history.shift();
    let released = false;
    return {
      verdict,
      release: () => {
        if (released) return;
        released = true;
        this.activeHosts.delete(req.host.id);
      },
    };
  }

  /** Hosts with a run in progress. */
  get running(): number {
    return this.activeHosts.size;
  }
}

export { POLICY_RULES };
