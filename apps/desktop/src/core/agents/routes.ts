/**
 * GET /models, POST /models/load, POST /models/unload, POST /incidents/:id/diagnose and
 * GET /incidents/:id/diagnosis (contract: shared/src/api). Errors are thrown as AgentRouteError with the
 * API error code the server answers with.
 */
import type { RouteResponses } from '@cerebro/shared/api/contract';
import { ModelError, type ModelHost } from '../models/model-host';
import { DiagnosisNotFoundError, type DiagnosisService } from './diagnosis-service';

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
}

/** Whether the path belongs to these routes. */
export function isAgentRoute(parts: readonly string[]): boolean {
  return parts[0] === 'models' || (parts[0] === 'incidents' && parts.length === 3 && (parts[2] === 'diagnose' || parts[2] === 'diagnosis'));
}

const asRouteError = (e: unknown): unknown => {
  if (e instanceof ModelError) return new AgentRouteError(e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'BAD_REQUEST', e.message);
  if (e instanceof DiagnosisNotFoundError) return new AgentRouteError('NOT_FOUND', e.message);
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
  } catch (e) {
    throw asRouteError(e);
  }
  throw new AgentRouteError('NOT_FOUND', `no POST route /${parts.join('/')}; POST takes /models/load, /models/unload and /incidents/:id/diagnose`);
}
