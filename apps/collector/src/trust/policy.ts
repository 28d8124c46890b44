/**
 * The host's own policy: what this collector will run, whatever the console says. A JSON file owned by
 * the host's administrator (`/etc/cerebro/collector-policy.json` by default, `policyFile` in the config):
 *
 *   { "commands": { "deny": ["remediation.run"] },      kinds never run (wins over everything)
 *     "terminals": false,                              no terminal.* command at all
 *     "terminalUser": "ops",                           terminals run as this account only (the collector
 *                                                      must run as root to switch to it)
 *     "terminalIdleMinutes": 15,                       the host closes a terminal idle this long (default 15)
 *     "remediation": {
 *       "allow": ["restart-service"],                   only these remediation actions (payload.action)
 *       "allowedDirs": ["/var/log/app"],                where file actions may delete, truncate, rotate
 *       "scriptsDir": "/usr/share/cerebro/scripts",     vetted scripts (run-script), by content hash
 *       "supervisorConfig": "/etc/supervisor/supervisord.conf",
 *       "processes": { "allow": ["app-*"], "deny": ["sshd"] } } }   names signal/renice may touch
 *
 * No file: every command kind the collector knows is allowed (commands are still only ever run when
 * signed by the enrolled console). A file that cannot be read or parsed stops the collector at start:
 * a policy that silently did not apply would be worse than none.
 */
import fs from 'node:fs';
import { ActionPolicyError, parseActionPolicy } from '../actions/handler';
import { ACTIONS } from '../actions/registry';
import type { HostPolicySummary } from '@cerebro/shared/protocol/messages';
import type { ActionPolicy } from '../actions/types';

export interface CollectorPolicy {
  /** Command kinds refused outright. */
  readonly deny: readonly string[];
  /** Only these kinds are allowed, when set. */
  readonly allow: readonly string[] | null;
  readonly terminals: boolean;
  /** The only account terminals may run as; null: the collector's own account. */
  readonly terminalUser: string | null;
  /** A terminal with neither input nor output for this long is closed by the host, minutes. */
  readonly terminalIdleMinutes: number;
  /** Remediation actions allowed (payload.action of remediation.run); null: any. */
  readonly remediationAllow: readonly string[] | null;
  /** The host's limits on what actions touch: allowed directories, vetted scripts, supervisord config. */
  readonly actions: ActionPolicy;
}

export const DEFAULT_TERMINAL_IDLE_MINUTES = 15;
/** Longest terminalIdleMinutes: a day. */
const MAX_TERMINAL_IDLE_MINUTES = 24 * 60;

/** No file: no directory is open to file actions and no script is vetted; other actions run when signed. */
export const OPEN_POLICY: CollectorPolicy = { deny: [], allow: null, terminals: true, terminalUser: null, terminalIdleMinutes: DEFAULT_TERMINAL_IDLE_MINUTES, remediationAllow: null, actions: { allowedDirs: [], scriptsDir: null } };

const REMEDIATION_FIELDS = ['allow', 'allowedDirs', 'scriptsDir', 'supervisorConfig', 'processes'] as const;

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

function stringList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new PolicyError(`${where} must be a list of strings, got ${JSON.stringify(v)}`);
  return v as string[];
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PolicyError(`${where} must be an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new PolicyError(`${where}: unknown field "${k}"; known fields are ${keys.join(', ')}`);
}

export function parsePolicy(value: unknown, where: string): CollectorPolicy {
  const o = object(value, where);
  onlyKeys(o, ['commands', 'terminals', 'terminalUser', 'terminalIdleMinutes', 'remediation'], where);
  const commands = o['commands'] === undefined ? {} : object(o['commands'], `${where}: "commands"`);
  onlyKeys(commands, ['allow', 'deny'], `${where}: "commands"`);
  const remediation = o['remediation'] === undefined ? {} : object(o['remediation'], `${where}: "remediation"`);
  onlyKeys(remediation, REMEDIATION_FIELDS, `${where}: "remediation"`);
  if (o['terminals'] !== undefined && typeof o['terminals'] !== 'boolean') throw new PolicyError(`${where}: "terminals" must be true or false, got ${JSON.stringify(o['terminals'])}`);
  const terminalUser = o['terminalUser'];
  if (terminalUser !== undefined && (typeof terminalUser !== 'string' || !/^[a-z_][a-z0-9_.-]{0,31}$/i.test(terminalUser))) throw new PolicyError(`${where}: "terminalUser" must be a user name, got ${JSON.stringify(terminalUser)}`);
  const idle = o['terminalIdleMinutes'];
  if (idle !== undefined && (typeof idle !== 'number' || !Number.isFinite(idle) || idle <= 0 || idle > MAX_TERMINAL_IDLE_MINUTES)) {
    throw new PolicyError(`${where}: "terminalIdleMinutes" must be a number of minutes above 0 and at most ${MAX_TERMINAL_IDLE_MINUTES}, got ${JSON.stringify(idle)}`);
  }
  const remediationAllow = remediation['allow'] === undefined ? null : stringList(remediation['allow'], `${where}: "remediation.allow"`);
  // A misspelt action would silently allow nothing: name it at start instead.
  remediationAllow?.forEach((a, i) => {
    if (!Object.hasOwn(ACTIONS, a)) throw new PolicyError(`${where}: "remediation.allow[${i}]": no action ${JSON.stringify(a)}; known actions are ${Object.keys(ACTIONS).join(', ')}`);
  });
  let actions: ActionPolicy;
  try {
    actions = parseActionPolicy(remediation, where);
  } catch (e) {
    if (e instanceof ActionPolicyError) throw new PolicyError(e.message);
    throw e;
  }
  return {
    deny: commands['deny'] === undefined ? [] : stringList(commands['deny'], `${where}: "commands.deny"`),
    allow: commands['allow'] === undefined ? null : stringList(commands['allow'], `${where}: "commands.allow"`),
    terminals: (o['terminals'] as boolean | undefined) ?? true,
    terminalUser: (terminalUser as string | undefined) ?? null,
    terminalIdleMinutes: (idle as number | undefined) ?? DEFAULT_TERMINAL_IDLE_MINUTES,
    remediationAllow,
    actions,
  };
}

/** The policy in `file`; OPEN_POLICY when the file does not exist and `optional`. */
export function loadPolicy(file: string, optional: boolean): CollectorPolicy {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && optional) return OPEN_POLICY;
    throw new PolicyError(`cannot read the policy file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new PolicyError(`the policy file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parsePolicy(parsed, `policy file ${file}`);
}

/** Why the policy forbids this command, or null when it allows it. */
export function policyRefusal(policy: CollectorPolicy, kind: string, payload: unknown): string | null {
  if (policy.deny.includes(kind)) return `the host's policy denies '${kind}' commands`;
  if (policy.allow && !policy.allow.includes(kind)) return `the host's policy allows only ${policy.allow.map((k) => `'${k}'`).join(', ') || 'no'} commands`;
  if (kind.startsWith('terminal.') && !policy.terminals) return 'the host’s policy disables terminals';
  if (kind === 'terminal.open' && policy.terminalUser) {
    const user = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)['user'] : undefined;
    if (user !== undefined && user !== policy.terminalUser) return `the host's policy runs terminals only as ${JSON.stringify(policy.terminalUser)} (asked for ${JSON.stringify(user)})`;
  }
  if (kind === 'remediation.run' && policy.remediationAllow) {
    const action = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)['action'] : undefined;
    if (typeof action !== 'string' || !policy.remediationAllow.includes(action)) return `the host's policy allows only these remediation actions: ${policy.remediationAllow.join(', ') || 'none'} (got ${JSON.stringify(action)})`;
  }
  return null;
}

/** What the console is told of this policy (Inventory.hostPolicy), so it proposes only what will run here. */
export function policySummary(policy: CollectorPolicy): HostPolicySummary {
  // A host that denies remediation.run (or allows only other kinds) runs no action at all.
  const noActions = policy.deny.includes('remediation.run') || (policy.allow !== null && !policy.allow.includes('remediation.run'));
  return {
    remediationAllow: noActions ? [] : policy.remediationAllow,
    allowedDirs: policy.actions.allowedDirs,
    processes: policy.actions.processes ?? null,
    terminals: policy.terminals && !policy.deny.includes('terminal.open') && (policy.allow === null || policy.allow.includes('terminal.open')),
  };
}
