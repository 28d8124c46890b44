/**
 * The action registry: `remediation.run` payloads `{action, params, timeoutMs?}` → a structured result.
 * The trust layer's dispatcher calls `runAction` for commands that passed its gate; nothing here checks
 * signatures. Never throws: a refusal or a crash of an action becomes a result.
 */
import type { ActionName } from '@cerebro/shared/api/remediation';
import { deleteOldFiles } from './files';
import { rotateLog, truncateLog } from './log-file';
import { reniceProcess, signalProcess } from './process';
import { runScript } from './script';
import { restartService, startService, stopService } from './service';
import { dropCaches, restartContainer } from './system';
import { ActionRefused, type ActionContext, type ActionHandler, type ActionResult } from './types';

/** Every primitive, by the name runbook steps use. */
export const ACTIONS = {
  'restart-service': restartService,
  'stop-service': stopService,
  'start-service': startService,
  'signal-process': signalProcess,
  'renice-process': reniceProcess,
  'delete-old-files': deleteOldFiles,
  'truncate-log': truncateLog,
  'rotate-log': rotateLog,
  'drop-caches': dropCaches,
  'restart-container': restartContainer,
  'run-script': runScript,
} as const satisfies Record<ActionName, ActionHandler>;

/** Longest an action may run whatever the payload asks, ms. */
export const MAX_ACTION_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_ACTION_TIMEOUT_MS = 30_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Run the action a payload names, under `ctx` (whose timeout a smaller payload.timeoutMs may shorten). */
export async function runAction(payload: unknown, ctx: Omit<ActionContext, 'timeoutMs'> & { readonly timeoutMs?: number }): Promise<ActionResult> {
  const t0 = Date.now();
  const name = isRecord(payload) && typeof payload['action'] === 'string' ? payload['action'] : '';
  const done = (r: Omit<ActionResult, 'action' | 'durationMs' | 'output' | 'outputTruncated'> & { output?: string; outputTruncated?: boolean }): ActionResult => ({
    action: name,
    output: '',
    outputTruncated: false,
    ...r,
    durationMs: Date.now() - t0,
  });
  if (!isRecord(payload)) return done({ status: 'refused', refusal: 'INVALID_PARAMS', message: 'the payload must be an object {action, params, timeoutMs?}' });
  if (!Object.hasOwn(ACTIONS, name)) return done({ status: 'refused', refusal: 'UNKNOWN_ACTION', message: `no action ${JSON.stringify(payload['action'])}; known: ${Object.keys(ACTIONS).join(', ')}` });
  const params = payload['params'] === undefined ? {} : payload['params'];
  if (!isRecord(params)) return done({ status: 'refused', refusal: 'INVALID_PARAMS', message: '"params" must be an object' });
  const asked = payload['timeoutMs'];
  if (asked !== undefined && (typeof asked !== 'number' || !(asked > 0))) return done({ status: 'refused', refusal: 'INVALID_PARAMS', message: `"timeoutMs" must be a positive number of ms, got ${JSON.stringify(asked)}` });
  const timeoutMs = Math.min(asked ?? ctx.timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS, ctx.timeoutMs ?? MAX_ACTION_TIMEOUT_MS, MAX_ACTION_TIMEOUT_MS);
  try {
    return done(await ACTIONS[name as ActionName](params, { ...ctx, timeoutMs }));
  } catch (e) {
    if (e instanceof ActionRefused) return done({ status: 'refused', refusal: e.refusal, message: e.message });
    return done({ status: 'failed', message: `${name} failed: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.trim() });
  }
}
