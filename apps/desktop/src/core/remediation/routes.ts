/**
 * The remediation part of the local API (contract: ROUTES runbooks … killSwitch), under /remediation/.
 * Bad requests throw RemediationRouteError; the server answers with its code. Refusals by the policy are
 * not errors: the run comes back `refused` with the rule.
 */
import type { PolicySettingsRequest, RouteResponses } from '@cerebro/shared/api/contract';
import { RemediationRefused } from './engine';
import { AUTONOMY_LEVELS, PolicyConfigError } from './policy';
import { RunbookError } from './runbook-schema';
import type { RemediationService } from './service';
import { TemplateError } from './templates';

export class RemediationRouteError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

function limit(params: URLSearchParams, fallback: number, max: number): number {
  const v = params.get('limit');
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new RemediationRouteError('BAD_REQUEST', `"limit" must be an integer from 1 to ${max}, got "${v}"`);
  return n;
}

function operatorName(body: Record<string, unknown>): string {
  const by = body['operator'] ?? 'operator';
  if (typeof by !== 'string' || by.length === 0 || by.length > 128) throw new RemediationRouteError('BAD_REQUEST', '"operator" must be a string of 1 to 128 characters (who acts)');
  return by;
}

function runRequest(id: string, body: Record<string, unknown>): Parameters<RemediationService['engine']['execute']>[0] {
  const hostId = body['hostId'];
  if (typeof hostId !== 'string' || hostId === '') throw new RemediationRouteError('BAD_REQUEST', 'body needs "hostId": the host to run the runbook on');
  const params = body['params'] ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new RemediationRouteError('BAD_REQUEST', '"params" must be an object of the runbook\'s params');
  const incidentId = body['incidentId'];
  if (incidentId !== undefined && typeof incidentId !== 'string') throw new RemediationRouteError('BAD_REQUEST', '"incidentId" must be a string');
  return { runbookId: id, hostId, params: params as Record<string, unknown>, actor: { type: 'operator', name: operatorName(body) }, ...(incidentId ? { incidentId } : {}) };
}

/** GET /remediation/… (`parts` after the API prefix); null when the path is not ours. */
export function remediationGet(r: RemediationService, parts: readonly string[], params: URLSearchParams): unknown {
  const [, what, id] = parts;
  if (parts.length === 2 && what === 'runbooks') return r.runbooks() satisfies RouteResponses['runbooks'];
  if (parts.length === 2 && what === 'actions') return { runs: r.actions(limit(params, 100, 10_000)) } satisfies RouteResponses['actions'];
  if (parts.length === 3 && what === 'actions') {
    const run = r.engine.get(id as string);
    if (!run) throw new RemediationRouteError('NOT_FOUND', `no action run ${id}`);
    return run satisfies RouteResponses['action'];
  }
  if (parts.length === 2 && what === 'audit') return r.auditTail(limit(params, 50, 10_000)) satisfies RouteResponses['audit'];
  if (parts.length === 2 && what === 'status') return r.status() satisfies RouteResponses['remediationStatus'];
  if (parts.length === 2 && what === 'policy') return r.policyView() satisfies RouteResponses['remediationPolicy'];
  if (parts.length === 2 && what === 'proposals') {
    const incident = params.get('incident');
    if (!incident) throw new RemediationRouteError('BAD_REQUEST', '"incident" is required: /remediation/proposals?incident=ID');
    // A promise: its rejections are RemediationRouteErrors too (the server maps both).
    return r.proposals(incident).then((view): RouteResponses['remediationProposals'] => {
      if (!view) throw new RemediationRouteError('NOT_FOUND', `no incident ${incident}`);
      return view;
    });
  }
  throw new RemediationRouteError('NOT_FOUND', `no route /${parts.join('/')}; remediation routes are /remediation/runbooks, /actions, /actions/:id, /audit, /status, /policy, /proposals?incident=ID`);
}

/** POST /remediation/…: dry-run, execute, approve, kill-switch. */
export function remediationPost(r: RemediationService, parts: readonly string[], body: Record<string, unknown>): unknown {
  const [, what, id, verb] = parts;
  try {
    if (parts.length === 4 && what === 'runbooks' && verb === 'dry-run') return r.engine.dryRun(runRequest(id as string, body)) satisfies RouteResponses['runbookDryRun'];
    if (parts.length === 4 && what === 'runbooks' && verb === 'execute') return r.engine.execute(runRequest(id as string, body)).run satisfies RouteResponses['runbookExecute'];
    if (parts.length === 4 && what === 'actions' && verb === 'approve') {
      const run = r.engine.get(id as string);
      if (!run) throw new RemediationRouteError('NOT_FOUND', `no action run ${id}`);
      if (run.state !== 'awaiting-approval') throw new RemediationRouteError('BAD_REQUEST', `run ${id} is ${run.state}, not awaiting approval`);
      return r.engine.approve(id as string, operatorName(body)).run satisfies RouteResponses['approveAction'];
    }
    if (parts.length === 3 && what === 'policy' && id === 'level') {
      const runbookId = body['runbookId'];
      if (typeof runbookId !== 'string' || !r.runbooks().runbooks.some((rb) => rb.id === runbookId)) throw new RemediationRouteError('BAD_REQUEST', `"runbookId" must name a loaded runbook, got ${JSON.stringify(runbookId)}`);
      const group = body['group'] ?? '*';
      if (typeof group !== 'string' || group === '') throw new RemediationRouteError('BAD_REQUEST', '"group" must be a host group of the policy, or "*" for every host');
      const level = body['level'];
      if (!AUTONOMY_LEVELS.includes(level as never)) throw new RemediationRouteError('BAD_REQUEST', `"level" must be one of ${AUTONOMY_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
      try {
        return r.setLevel(runbookId, group, level as (typeof AUTONOMY_LEVELS)[number], operatorName(body)) satisfies RouteResponses['remediationSetLevel'];
      } catch (e) {
        if (e instanceof PolicyConfigError) throw new RemediationRouteError('BAD_REQUEST', e.message);
        throw e;
      }
    }
    if (parts.length === 3 && what === 'policy' && id === 'settings') {
      const known = ['defaultLevel', 'requireDryRun', 'blastRadius', 'maintenanceMode', 'operator'];
      const unknown = Object.keys(body).filter((k) => !known.includes(k));
      if (unknown.length > 0) throw new RemediationRouteError('BAD_REQUEST', `unknown setting ${unknown.map((k) => `"${k}"`).join(', ')}; settings are ${known.slice(0, -1).join(', ')} (groups and windows are edited in the policy file)`);
      try {
        return r.setSettings(body as PolicySettingsRequest, operatorName(body)) satisfies RouteResponses['remediationSetSettings'];
      } catch (e) {
        if (e instanceof PolicyConfigError) throw new RemediationRouteError('BAD_REQUEST', e.message);
        throw e;
      }
    }
    if (parts.length === 2 && what === 'kill-switch') {
      if (typeof body['on'] !== 'boolean') throw new RemediationRouteError('BAD_REQUEST', 'body must be {"on": true|false}');
      return r.setKillSwitch(body['on'], operatorName(body)) satisfies RouteResponses['killSwitch'];
    }
  } catch (e) {
    // Dry runs throw the engine's refusals (no run is created): they are the caller's to fix.
    if (e instanceof RemediationRouteError) throw e;
    if (e instanceof RunbookError || e instanceof TemplateError || e instanceof RemediationRefused) {
      const rule = e instanceof RemediationRefused ? e.rule : undefined;
      throw new RemediationRouteError(rule === 'UNKNOWN_RUNBOOK' || rule === 'UNKNOWN_HOST' ? 'NOT_FOUND' : 'BAD_REQUEST', rule ? `${rule}: ${e.message}` : e.message);
    }
    throw e;
  }
  throw new RemediationRouteError('NOT_FOUND', `no POST route /${parts.join('/')}; remediation POST routes are /remediation/runbooks/:id/dry-run, /runbooks/:id/execute, /actions/:id/approve, /kill-switch, /policy/level, /policy/settings`);
}
