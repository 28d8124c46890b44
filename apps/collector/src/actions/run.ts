/** Shared helpers for actions that run a program: bounded exec with the context's limits, and the outcome. */
import { execBounded, type ExecResult } from './exec';
import { DEFAULT_MAX_OUTPUT_BYTES, type ActionContext } from './types';

export function runIn(ctx: ActionContext, file: string, args: readonly string[], input?: string): Promise<ExecResult> {
  return execBounded(file, args, {
    timeoutMs: ctx.timeoutMs,
    maxOutputBytes: ctx.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    ...(input !== undefined ? { input } : {}),
    env: { ...process.env, PATH: ctx.pathEnv ?? process.env['PATH'] ?? '' },
  });
}

/** "exit 3", "killed by SIGTERM", "could not start (…)" */
export function describeExit(r: ExecResult): string {
  if (r.spawnError) return `could not start (${r.spawnError})`;
  if (r.timedOut) return 'timed out and was killed';
  return r.code === null ? `killed by ${r.signal ?? 'a signal'}` : `exit ${r.code}`;
}
