/**
 * What the planner may choose from: the runbooks proposals.ts finds for the incident whose preconditions
 * hold now on the proposal's host (checked with the remediation engine's own condition checker). Reads the
 * runbook library and the telemetry view only; changes nothing.
 */
import type { Diagnosis, Incident, Runbook } from '@cerebro/shared/api/contract';
import { checkCondition, type TelemetryView } from '../remediation/conditions';
import { proposeRunbooks } from '../remediation/proposals';
import type { PlanCandidate, PlanInput } from './plan-step';

/** The runbook library and the console's view of hosts (from the RemediationService); null: remediation is off. */
export interface PlannerSources {
  runbooks(): readonly Runbook[];
  readonly view: TelemetryView;
  readonly now?: () => number;
}

export interface Planning extends PlanInput {
  readonly excluded: ReadonlyArray<{ readonly runbookId: string; readonly why: string }>;
}

export const REMEDIATION_OFF = 'remediation is off in this console (see its log): no runbook can be proposed';

export function planningInput(incident: Incident, diagnosis: Diagnosis | null, sources: PlannerSources | null): Planning {
  if (!sources) return { incident, diagnosis, candidates: [], unavailable: REMEDIATION_OFF, excluded: [] };
  const runbooks = sources.runbooks();
  const byId = new Map(runbooks.map((r) => [r.id, r]));
  const now = sources.now?.() ?? Date.now();
  const candidates: PlanCandidate[] = [];
  const excluded: Array<{ runbookId: string; why: string }> = [];
  for (const p of proposeRunbooks(incident, runbooks, sources.view)) {
    const runbook = byId.get(p.runbookId);
    if (!runbook) continue;
    if (!sources.view.host(p.hostId)) {
      excluded.push({ runbookId: p.runbookId, why: `the console knows no host ${p.hostId}` });
      continue;
    }
    const params: Record<string, unknown> = {};
    for (const [k, spec] of Object.entries(runbook.params)) if (spec.default !== undefined) params[k] = spec.default;
    Object.assign(params, p.params);
    const failed = runbook.preconditions.map((c) => checkCondition(c, { view: sources.view, hostId: p.hostId, scope: { hostId: p.hostId, params, steps: {} }, nowMs: now, runStartMs: now })).find((c) => !c.ok);
    if (failed) {
      excluded.push({ runbookId: p.runbookId, why: `precondition not met: ${failed.detail}` });
      continue;
    }
    candidates.push({ runbook, hostId: p.hostId, params: p.params, missing: p.missing, reason: p.reason });
  }
  const unavailable =
    candidates.length > 0 ? null : excluded.length > 0 ? `no runbook's preconditions hold now (${excluded.map((e) => `${e.runbookId}: ${e.why}`).join('; ')})` : 'no runbook of the library fits this incident';
  return { incident, diagnosis, candidates, unavailable, excluded };
}
