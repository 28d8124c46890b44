/**
 * GET /models, POST /models/load, POST /models/unload, POST /incidents/:id/diagnose,
 * GET /incidents/:id/diagnosis, POST /incidents/:id/plan/dry-run|execute, POST /agents/ask,
 * GET /agents/ask/:id and GET /agents/memory (contract: shared/src/api). Errors are thrown as
 * AgentRouteError with the API error code the server answers with.
 */
import type { MemoryStatus, RouteResponses } from '@cerebro/shared/api/contract';
import { ModelError, type ModelHost } from '../models/model-host';
import { RemediationRefused } from '../remediation/engine';
import { RunbookError } from '../remediation/runbook-schema';
import { TemplateError } from '../remediation/templates';
import { DiagnosisNotFoundError, type DiagnosisService } from './diagnosis-service';
import { ExecutorError, type PlanExecutor } from './executor';
import { AskError, type Orchestrator } from './orchestrator';

export class AgentRouteError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

export interface AgentDeps {
  readonly models: ModelHost;
  readonly diagnoses: DiagnosisService;
  /** Hands plans to the remediation engine; absent: the plan routes answer NOT_FOUND. */
  readonly executor?: PlanExecutor;
  /** Answers free questions; absent: POST /agents/ask answers NOT_FOUND. */
  readonly orchestrator?: Orchestrator;
  /** The embedded memory; absent: GET /agents/memory answers NOT_FOUND. */
  readonly memory?: { status(): MemoryStatus };
}

/** Whether the path belongs to these routes. */
export function isAgentRoute(parts: readonly string[]): boolean {
  return (
    parts[0] === 'models' ||
    parts[0] === 'agents' ||
    (parts[0] === 'incidents' && parts.length === 3 && (parts[2] === 'diagnose' || parts[2] === 'diagnosis')) ||
    (parts[0] === 'incidents' && parts.length === 4 && parts[2] === 'plan')
  );
}

const asRouteError = (e: unknown): unknown => {
  if (e instanceof ModelError) return new AgentRouteError(e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'BAD_REQUEST', e.message);
  if (e instanceof DiagnosisNotFoundError) return new AgentRouteError('NOT_FOUND', e.message);
  if (e instanceof ExecutorError || e instanceof AskError) return new AgentRouteError(e.code, e.message);
  // The engine's refusals of a dry run (bad params, unknown host): the caller's to fix.
  if (e instanceof RemediationRefused) return new AgentRouteError(e.rule === 'UNKNOWN_RUNBOOK' || e.rule === 'UNKNOWN_HOST' ? 'NOT_FOUND' : 'BAD_REQUEST', `${e.rule}: ${e.message}`);
  if (e instanceof RunbookError || e instanceof TemplateError) return new AgentRouteError('BAD_REQUEST', e.message);
  return e;
};

export async function agentGet(deps: AgentDeps, parts: readonly string[]): Promise<unknown> {
  if (parts[0] === 'models' && parts.length === 1) return (await deps.models.list().catch((e: unknown) => Promise.reject(asRouteError(e)))) satisfies RouteResponses['models'];
  if (parts[0] === 'incidents' && parts[2] === 'diagnosis') {
    const id = parts[1]!;
    const record = deps.diagnoses.get(id);
    if (!record) throw new AgentRouteError('NOT_FOUND', `incident ${id} has no diagnosis yet; ask for one with POST /incidents/${id}/diagnose`);
    return record satisfies RouteResponses['diagnosis'];
  }
  if (parts[0] === 'agents' && parts[1] === 'ask' && parts.length === 3) {
    const record = deps.orchestrator?.get(parts[2]!);
    if (!record) throw new AgentRouteError('NOT_FOUND', `no ask ${parts[2]} (the newest 200 asks are kept)`);
    return record satisfies RouteResponses['askRecord'];
  }
  if (parts[0] === 'agents' && parts[1] === 'memory' && parts.length === 2) {
    if (!deps.memory) throw new AgentRouteError('NOT_FOUND', 'this console has no agent memory');
    return deps.memory.status() satisfies MemoryStatus;
  }
  throw new AgentRouteError('NOT_FOUND', `no route /${parts.join('/')}; model routes are GET /models, POST /models/load and /models/unload`);
}

export async function agentPost(deps: AgentDeps, parts: readonly string[], body: Record<string, unknown>): Promise<unknown> {
  try {
    if (parts[0] === 'models' && parts.length === 2 && parts[1] === 'load') {
      const file = body['file'];
      if (typeof file !== 'string' || file === '') throw new AgentRouteError('BAD_REQUEST', 'body must be {"file": NAME} with NAME a file from GET /models');
      return (await deps.models.load(file)) satisfies RouteResponses['loadModel'];
    }
    if (parts[0] === 'models' && parts.length === 2 && parts[1] === 'unload') return (await deps.models.unload()) satisfies RouteResponses['unloadModel'];
    if (parts[0] === 'incidents' && parts[2] === 'diagnose') {
      const wait = body['wait'] ?? false;
      const rulesOnly = body['rulesOnly'] ?? false;
      if (typeof wait !== 'boolean' || typeof rulesOnly !== 'boolean') throw new AgentRouteError('BAD_REQUEST', '"wait" and "rulesOnly" must be true or false');
      const run = deps.diagnoses.start(parts[1]!, { rulesOnly });
      return (await (wait ? run.done : run.started)) satisfies RouteResponses['diagnose'];
    }
    if (parts[0] === 'incidents' && parts[2] === 'plan' && (parts[3] === 'dry-run' || parts[3] === 'execute')) {
      if (!deps.executor) throw new AgentRouteError('NOT_FOUND', 'this console has no plan executor');
      const operator = body['operator'] ?? 'operator';
      if (typeof operator !== 'string' || operator === '' || operator.length > 128) throw new AgentRouteError('BAD_REQUEST', '"operator" must be a string of 1 to 128 characters (who acts)');
      if (parts[3] === 'dry-run') return deps.executor.dryRun(parts[1]!, operator) satisfies RouteResponses['planDryRun'];
      return deps.executor.execute(parts[1]!, operator) satisfies RouteResponses['planExecute'];
    }
    if (parts[0] === 'agents' && parts[1] === 'ask' && parts.length === 2) {
      if (!deps.orchestrator) throw new AgentRouteError('NOT_FOUND', 'this console has no orchestrator');
      const question = body['question'];
      const incidentId = body['incidentId'] ?? null;
      const wait = body['wait'] ?? false;
      if (typeof question !== 'string') throw new AgentRouteError('BAD_REQUEST', 'body must be {"question": TEXT, "incidentId"?: ID, "wait"?: true|false}');
      if (incidentId !== null && typeof incidentId !== 'string') throw new AgentRouteError('BAD_REQUEST', '"incidentId" must be an incident id');
      if (typeof wait !== 'boolean') throw new AgentRouteError('BAD_REQUEST', '"wait" must be true or false');
      const run = await deps.orchestrator.ask(question, incidentId);
      return (wait ? await run.done : run.started) satisfies RouteResponses['ask'];
    }
  } catch (e) {
    throw asRouteError(e);
  }
  throw new AgentRouteError('NOT_FOUND', `no POST route /${parts.join('/')}; POST takes /models/load, /models/unload, /incidents/:id/diagnose, /incidents/:id/plan/dry-run|execute and /agents/ask`);
}
