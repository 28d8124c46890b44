/**
 * The executor: hands an incident's plan to the remediation engine, never running anything itself. A dry
 * run first (what the run would do and the policy's verdict; nothing changes); a live run is a separate,
 * explicit call that goes through the engine's propose/start entry point under the policy (approval,
 * blast radius, kill switch, audit), as an operator's run.
 */
import type { ActionRun, Actor, DryRunView, Plan, PlanDryRunView, PlanRecord } from '@cerebro/shared/api/contract';

/** The engine's entry points the executor uses (RemediationEngine implements them). */
export interface PlanEngine {
  dryRun(req: { runbookId: string; hostId: string; params?: Readonly<Record<string, unknown>>; actor: Actor; incidentId?: string }): DryRunView;
  execute(req: { runbookId: string; hostId: string; params?: Readonly<Record<string, unknown>>; actor: Actor; incidentId?: string }): { readonly run: ActionRun };
}

export class ExecutorError extends Error {
  override readonly name = 'ExecutorError';
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

export class PlanExecutor {
  constructor(
    /** The engine; null: remediation is off. */
    private readonly engine: PlanEngine | null,
    private readonly plans: (incidentId: string) => PlanRecord | null,
  ) {}

  private runnable(incidentId: string): { plan: Plan; engine: PlanEngine; runbookId: string; hostId: string } {
    if (!this.engine) throw new ExecutorError('NOT_FOUND', 'remediation is off in this console: a plan cannot be handed to an engine');
    const record = this.plans(incidentId);
    if (!record) throw new ExecutorError('NOT_FOUND', `incident ${incidentId} has no plan yet; diagnose it first with POST /incidents/${incidentId}/diagnose`);
    const { plan } = record;
    if (plan.runbookId === null || plan.hostId === null) throw new ExecutorError('BAD_REQUEST', `the plan of incident ${incidentId} proposes no runbook: ${plan.reason}`);
    if (plan.missing.length > 0) throw new ExecutorError('BAD_REQUEST', `the plan of incident ${incidentId} lacks params ${plan.missing.join(', ')}: complete them in the remediation drawer`);
    return { plan, engine: this.engine, runbookId: plan.runbookId, hostId: plan.hostId };
  }

  /** The engine's dry run of the plan; the engine's refusals (bad params, unknown host) are thrown as they are. */
  dryRun(incidentId: string, operator: string): PlanDryRunView {
    const { plan, engine, runbookId, hostId } = this.runnable(incidentId);
    const dryRun = engine.dryRun({ runbookId, hostId, params: plan.params, actor: { type: 'operator', name: operator }, incidentId });
    return { incidentId, plan, dryRun };
  }

  /** Propose the run to the engine as the operator's; the engine's policy decides (refused, awaiting approval, running). */
  execute(incidentId: string, operator: string): ActionRun {
    const { plan, engine, runbookId, hostId } = this.runnable(incidentId);
    return engine.execute({ runbookId, hostId, params: plan.params, actor: { type: 'operator', name: operator }, incidentId }).run;
  }
}
