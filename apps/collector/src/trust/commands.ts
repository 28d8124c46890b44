/**
 * Runs the commands that passed the gate. `ping` answers at once; `remediation.run` hands its payload to
 * the remediation handler (actions/handler.ts) and answers with the action's structured result. Actions
 * run asynchronously (they spawn programs or make syscalls), so the tick loop and other commands go on
 * meanwhile; at most `maxRemediations` run at once (one by default: two steps racing on the same host
 * would make neither's verification mean anything), and one more is refused BUSY.
 */
import type { CommandRefusal } from '@cerebro/shared/protocol/commands';
import type { CommandEnvelope, CommandResult } from '@cerebro/shared/protocol/messages';
import type { ActionResult } from '../actions/types';
import type { CommandGate } from './command-gate';

export type CommandLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface CommandRunnerOptions {
  readonly gate: CommandGate;
  readonly log: CommandLog;
  /** Runs a `remediation.run` payload under the host's action policy (remediationHandler). */
  readonly remediation: (payload: unknown) => Promise<ActionResult>;
  /** Remediation actions run at once; default 1. */
  readonly maxRemediations?: number;
  /** Opens a granted terminal session (actions/terminals.ts); absent: `terminal.open` is unsupported. */
  readonly terminals?: (payload: unknown) => Promise<{ readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly code: CommandRefusal; readonly message: string }>;
}

function refused(cmd: CommandEnvelope, code: CommandRefusal, message: string): CommandResult {
  return { type: 'result', id: cmd.id, ok: false, error: { code, message } };
}

function actionName(payload: unknown): string {
  const a = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)['action'] : undefined;
  return typeof a === 'string' ? a.slice(0, 64) : '?';
}

export class CommandRunner {
  /** Remediations running now: command id → what and since when (for the BUSY message). */
  private readonly running = new Map<string, { action: string; startedMs: number }>();
  private readonly max: number;

  constructor(private readonly o: CommandRunnerOptions) {
    this.max = Math.max(1, o.maxRemediations ?? 1);
  }

  /** Remediation actions running now. */
  get busy(): number {
    return this.running.size;
  }

  /** Check and run one command. Never rejects: every failure is a result with a code, and is logged. */
  async run(cmd: CommandEnvelope): Promise<CommandResult> {
    let result: CommandResult;
    try {
      result = await this.dispatch(cmd);
    } catch (e) {
      // The gate's nonce file or the audit head file could not be written, or a bug: nothing more ran.
      result = refused(cmd, 'HOST_ERROR', `command ${cmd.id} ('${cmd.kind}') failed on the host before it ran: ${(e as Error).message}`);
    }
    if (!result.ok) this.o.log('warn', `refused command ${cmd.id} ('${cmd.kind}'): ${result.error?.code}: ${result.error?.message}`);
    return result;
  }

  private async dispatch(cmd: CommandEnvelope): Promise<CommandResult> {
    const gateRefusal = this.o.gate.check(cmd);
    if (gateRefusal) return refused(cmd, gateRefusal.code, gateRefusal.message);
    switch (cmd.kind) {
      case 'ping':
        this.o.log('info', `command ${cmd.id}: ping`);
        return { type: 'result', id: cmd.id, ok: true, output: { pong: true, receivedAtMs: Date.now() } };
      case 'remediation.run':
        return this.remediate(cmd);
      case 'terminal.open': {
        if (!this.o.terminals) return refused(cmd, 'UNSUPPORTED_COMMAND', `this collector does not run '${cmd.kind}' commands`);
        const opened = await this.o.terminals(cmd.payload);
        return opened.ok ? { type: 'result', id: cmd.id, ok: true, output: opened.output } : refused(cmd, opened.code, opened.message);
      }
      default:
        return refused(cmd, 'UNSUPPORTED_COMMAND', `this collector does not run '${cmd.kind}' commands`);
    }
  }

  private async remediate(cmd: CommandEnvelope): Promise<CommandResult> {
    const action = actionName(cmd.payload);
    if (this.running.size >= this.max) {
      const now = Date.now();
      const others = [...this.running].map(([id, r]) => `${r.action} (command ${id}, running for ${now - r.startedMs} ms)`).join(', ');
      return refused(cmd, 'BUSY', `this host runs ${this.max} remediation action${this.max === 1 ? '' : 's'} at a time and is still running ${others}: retry when it ends`);
    }
    this.running.set(cmd.id, { action, startedMs: Date.now() });
    this.o.log('info', `command ${cmd.id}: remediation.run ${action}`);
    try {
      const output = await this.o.remediation(cmd.payload);
      this.o.log(output.status === 'ok' ? 'info' : 'warn', `command ${cmd.id}: ${action} ${output.status}${output.refusal ? ` (${output.refusal})` : ''} in ${output.durationMs} ms: ${output.message}`);
      // ok: the host ran the request; the action's own outcome is output.status (actions/handler.ts).
      return { type: 'result', id: cmd.id, ok: true, output };
    } finally {
      this.running.delete(cmd.id);
    }
  }
}
