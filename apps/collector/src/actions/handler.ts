/**
 * What the trust layer's command dispatcher calls for a `remediation.run` command that passed its gate
 * (signature, freshness, replay, the host policy's action allow-list):
 *
 *   const handle = remediationHandler(actionPolicy, { heads: new AuditHeadKeeper(stateDir + '/audit-head.json', consoleKey) });
 *   const result = await handle(cmd.payload);            // never throws
 *   reply({ type: 'result', id: cmd.id, ok: true, output: result });
 *
 * `ok: true` means "the host ran the request and here is what happened": the action's own outcome
 * (ok, failed, refused, skipped, timeout) is in `output.status`, which the console's engine reads.
 * `ok: false` stays for the gate's refusals (COMMAND_REFUSALS).
 *
 * The host's limits come from its local policy file's "remediation" section, parsed by
 * `parseActionPolicy`: { "allowedDirs": ["/var/log/app"], "scriptsDir": "/usr/share/cerebro/scripts",
 * "supervisorConfig": "/etc/supervisor/supervisord.conf" }.
 */
import path from 'node:path';
import type { AuditHeadKeeper } from './audit-head';
import { runAction } from './registry';
import type { ActionPolicy, ActionResult } from './types';

export class ActionPolicyError extends Error {
  override readonly name = 'ActionPolicyError';
}

/** The action limits in a policy file's "remediation" section (unknown fields are the caller's to check). */
export function parseActionPolicy(section: Readonly<Record<string, unknown>>, where: string): ActionPolicy {
  const abs = (v: unknown, field: string): string => {
    if (typeof v !== 'string' || !path.isAbsolute(v) || v.split('/').includes('..')) throw new ActionPolicyError(`${where}: "remediation.${field}" must be an absolute path without '..', got ${JSON.stringify(v)}`);
    return path.normalize(v);
  };
  const dirs = section['allowedDirs'];
  if (dirs !== undefined && !Array.isArray(dirs)) throw new ActionPolicyError(`${where}: "remediation.allowedDirs" must be a list of absolute directories, got ${JSON.stringify(dirs)}`);
  const allowedDirs = (dirs ?? []).map((d: unknown, i: number) => abs(d, `allowedDirs[${i}]`));
  if (allowedDirs.includes('/')) throw new ActionPolicyError(`${where}: "remediation.allowedDirs" must not allow "/" (the whole filesystem)`);
  return {
    allowedDirs,
    scriptsDir: section['scriptsDir'] === undefined ? null : abs(section['scriptsDir'], 'scriptsDir'),
    ...(section['supervisorConfig'] !== undefined ? { supervisorConfig: abs(section['supervisorConfig'], 'supervisorConfig') } : {}),
    ...(section['processes'] !== undefined ? { processes: processRule(section['processes'], where) } : {}),
  };
}

/** `"processes": { "allow": ["app-*"], "deny": ["sshd", "systemd*"] }`: process names (comm) as globs. */
function processRule(v: unknown, where: string): { allow: string[] | null; deny: string[] } {
  const field = `${where}: "remediation.processes"`;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ActionPolicyError(`${field} must be an object like {"allow": ["app-*"], "deny": ["sshd"]}, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'allow' && k !== 'deny') throw new ActionPolicyError(`${field}: unknown field "${k}"; known fields are allow, deny`);
  const list = (x: unknown, name: string): string[] => {
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 64)) throw new ActionPolicyError(`${field}.${name} must be a list of process-name globs (1–64 characters), got ${JSON.stringify(x)}`);
    return x as string[];
  };
  return { allow: o['allow'] === undefined ? null : list(o['allow'], 'allow'), deny: o['deny'] === undefined ? [] : list(o['deny'], 'deny') };
}

export interface HandlerOptions {
  readonly maxOutputBytes?: number;
  /** Keeps the console's signed audit head each command carries (payload.auditHead). */
  readonly heads?: AuditHeadKeeper;
  /** Told when a command carries a head older than one already kept (the console's chain went back). */
  readonly onOlderHead?: (message: string) => void;
}

/** A handler for `remediation.run` payloads under the host's action policy. */
export function remediationHandler(policy: ActionPolicy, options: HandlerOptions = {}): (payload: unknown) => Promise<ActionResult> {
  return (payload) => {
    if (options.heads && typeof payload === 'object' && payload !== null) {
      const raw = (payload as Record<string, unknown>)['auditHead'];
      if (options.heads.observe(raw) === 'older') options.onOlderHead?.(`the console's audit head (seq ${(raw as { seq: number }).seq}) is older than one this host kept (seq ${options.heads.current()?.seq}): its audit log may have been cut`);
    }
    const heads = options.heads;
    const run = runAction(payload, { policy, ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}) });
    if (!heads) return run;
    return run.then((result) => {
      const kept = heads.current();
      return kept ? { ...result, keptAuditHead: kept } : result;
    });
  };
}
