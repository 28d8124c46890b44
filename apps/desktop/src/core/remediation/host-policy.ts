/**
 * What the host's own policy file will say of each step, as far as the console can tell from the summary
 * the collector reports in its inventory (Inventory.hostPolicy): whether the action is allowed, whether a
 * path lies in the directories file actions may touch, whether the process a signal or renice names may
 * be touched. The collector still decides (its checks also resolve symlinks and read the live process);
 * this lets a dry run show a refusal before anything is sent, instead of after.
 */
import { globToRegExp } from '@cerebro/shared/protocol/glob';
import type { HostPolicySummary, ProcessRow } from '@cerebro/shared/protocol/messages';

export interface HostPolicyCheck {
  readonly stepId: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The collector's own matching (the same function), so the prediction cannot drift from the enforcement. */
const globMatch = (glob: string, name: string): boolean => globToRegExp(glob).test(name);

const PATH_PARAMS = ['dir', 'path'] as const;
/** Actions that name a process by pid (and start time). */
export const PROCESS_ACTIONS: ReadonlySet<string> = new Set(['signal-process', 'renice-process']);

function inside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * One check per step (null: the host has not reported its policy; a collector older than the summary, or
 * no inventory yet). `procs`: the host's latest process table, for the name of a pid.
 */
export function hostPolicyChecks(steps: readonly { id: string; action: string; params: Readonly<Record<string, unknown>> }[], policy: HostPolicySummary | undefined, procs: readonly ProcessRow[] | undefined): HostPolicyCheck[] | null {
  if (policy === undefined) return null;
  return steps.map((s) => {
    const no = (detail: string): HostPolicyCheck => ({ stepId: s.id, ok: false, detail });
    if (policy.remediationAllow !== null && !policy.remediationAllow.includes(s.action)) return no(`${s.action}: the host's policy allows only ${policy.remediationAllow.join(', ') || 'no remediation action'}`);
    for (const k of PATH_PARAMS) {
      const p = s.params[k];
      if (typeof p !== 'string') continue;
      if (!policy.allowedDirs.some((d) => inside(p, d))) return no(`${s.action}: ${p} is outside the directories the host's policy opens to file actions (${policy.allowedDirs.join(', ') || 'none'})`);
    }
    if (PROCESS_ACTIONS.has(s.action) && policy.processes !== null) {
      const pid = s.params['pid'];
      const name = procs?.find((p) => p.pid === pid)?.name;
      if (name === undefined) return { stepId: s.id, ok: true, detail: `${s.action}: process ${String(pid)} is not in the latest process table; the host checks its name when the step runs` };
      const denied = policy.processes.deny.find((g) => globMatch(g, name));
      if (denied !== undefined) return no(`${s.action}: the host's policy forbids touching processes named ${JSON.stringify(denied)} (${name})`);
      if (policy.processes.allow !== null && !policy.processes.allow.some((g) => globMatch(g, name))) return no(`${s.action}: the host's policy lets the console touch only processes named ${policy.processes.allow.join(', ')}; process ${String(pid)} is ${name}`);
    }
    return { stepId: s.id, ok: true, detail: `${s.action}: allowed by the host's policy` };
  });
}
