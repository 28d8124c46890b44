/**
 * GET /incidents?state=open|all, GET /incidents/:id and GET /forecasts?host= (contract: shared/src/api).
 * Errors are thrown as IncidentRouteError with the API error code the server answers with.
 */
import type { RouteResponses } from '@cerebro/shared/api/contract';
import type { IncidentService } from './service';

export class IncidentRouteError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

/** The answer of an incidents/forecasts route, or null when `parts` is not one of them. */
export function incidentsRoute(service: IncidentService, parts: readonly string[], params: URLSearchParams): Promise<unknown> | unknown | null {
  if (parts[0] === 'forecasts' && parts.length === 1) {
    const host = params.get('host');
    return service.forecastView(host === null || host === '' ? undefined : host) satisfies RouteResponses['forecasts'];
  }
  if (parts[0] !== 'incidents') return null;
  if (parts.length === 1) {
    const state = params.get('state') ?? 'open';
    if (state !== 'open' && state !== 'all') throw new IncidentRouteError('BAD_REQUEST', `parameter "state" must be "open" or "all", got "${state}"`);
    return service.list(state === 'all').then((incidents) => ({ incidents }) satisfies RouteResponses['incidents']);
  }
  if (parts.length === 2) {
    const id = parts[1]!;
    return service.get(id).then((inc) => {
      if (inc === null) throw new IncidentRouteError('NOT_FOUND', `no incident with id ${id}; list them with GET /incidents?state=all`);
      return inc satisfies RouteResponses['incident'];
    });
  }
  return null;
}
