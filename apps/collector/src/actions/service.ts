/**
 * Start, stop or restart a service through the host's supervisor: systemd where it runs (the directory
 * /run/systemd/system exists, as sd_booted(3) checks), else supervisord through supervisorctl. Success is
 * confirmed by asking the supervisor for the service's state afterwards, not by the exit code alone.
 */
import fs from 'node:fs';
import { which } from './exec';
import { str, UNIT_NAME } from './params';
import { describeExit, runIn } from './run';
import type { ActionContext, ActionHandler, ActionOutcome } from './types';

export type ServiceOp = 'start' | 'stop' | 'restart';

export interface Supervisor {
  readonly kind: 'systemd' | 'supervisord';
  readonly bin: string;
}

/** Which supervisor runs services on this host, or why none can be used. */
export function detectSupervisor(ctx: ActionContext): Supervisor | string {
  const pathEnv = ctx.pathEnv ?? process.env['PATH'] ?? '';
  if (fs.existsSync(ctx.systemdMarker ?? '/run/systemd/system')) {
    const bin = which('systemctl', pathEnv);
    if (bin) return { kind: 'systemd', bin };
  }
  const bin = which('supervisorctl', pathEnv);
  if (bin) return { kind: 'supervisord', bin };
  return 'neither systemd (no /run/systemd/system) nor supervisorctl is available on this host';
}

function supervisorArgs(ctx: ActionContext, rest: readonly string[]): string[] {
  return ctx.policy.supervisorConfig ? ['-c', ctx.policy.supervisorConfig, ...rest] : [...rest];
}

async function stateOf(ctx: ActionContext, sup: Supervisor, service: string): Promise<string> {
  if (sup.kind === 'systemd') {
    const r = await runIn(ctx, sup.bin, ['is-active', service]);
    return r.output.trim().split('\n')[0] ?? 'unknown';
  }
  // "name   RUNNING   pid 123, uptime 0:00:02"
  const r = await runIn(ctx, sup.bin, supervisorArgs(ctx, ['status', service]));
  const words = r.output.trim().split(/\s+/);
  return words[1] ?? 'unknown';
}

function wanted(sup: Supervisor, op: ServiceOp, state: string): boolean {
  const running = sup.kind === 'systemd' ? state === 'active' : state === 'RUNNING';
  return op === 'stop' ? !running : running;
}

async function serviceOp(op: ServiceOp, params: Readonly<Record<string, unknown>>, ctx: ActionContext): Promise<ActionOutcome> {
  const service = str(params, 'service', { pattern: UNIT_NAME, max: 200 });
  const sup = detectSupervisor(ctx);
  if (typeof sup === 'string') return { status: 'skipped', message: `cannot ${op} ${service}: ${sup}` };
  const args = sup.kind === 'systemd' ? [op, '--', service] : supervisorArgs(ctx, [op, service]);
  const r = await runIn(ctx, sup.bin, args);
  if (r.timedOut) return { status: 'timeout', message: `${sup.kind}: ${op} ${service} did not finish within ${ctx.timeoutMs} ms`, output: r.output, outputTruncated: r.truncated };
  const state = await stateOf(ctx, sup, service);
  const details = { supervisor: sup.kind, state, exit: r.code };
  // supervisorctl reports some failures ("ERROR (no such process)") with exit 0 on older versions.
  // A restart of a program that is not running (EXITED after a crash) stops nothing first: supervisorctl
  // says "ERROR (not running)" for that half, then "started"; the state read back decides.
  const errors = r.output.split('\n').filter((l) => /\bERROR\b/.test(l) && !(op === 'restart' && /ERROR \(not running\)/.test(l)));
  const failedText = sup.kind === 'supervisord' && errors.length > 0;
  if (r.code !== 0 || failedText || !wanted(sup, op, state)) {
    return { status: 'failed', message: `${sup.kind}: ${op} ${service} failed (${describeExit(r)}; state now ${state})`, output: r.output, outputTruncated: r.truncated, details };
  }
  return { status: 'ok', message: `${sup.kind}: ${op} ${service} done; state now ${state}`, output: r.output, outputTruncated: r.truncated, details };
}

export const restartService: ActionHandler = (p, ctx) => serviceOp('restart', p, ctx);
export const stopService: ActionHandler = (p, ctx) => serviceOp('stop', p, ctx);
export const startService: ActionHandler = (p, ctx) => serviceOp('start', p, ctx);
