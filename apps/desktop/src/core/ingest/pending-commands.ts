/**
 * Console side of commands: each sent command waits for its result until a timeout. Results are errors as
 * data (`ok: false` with a code from COMMAND_REFUSALS): a caller never has to catch, and a host that
 * disconnects or never answers resolves its waiters instead of leaving them hanging.
 */
import type { CommandRefusal } from '@cerebro/shared/protocol/commands';
import type { CommandResult } from '@cerebro/shared/protocol/messages';

interface Waiter {
  readonly hostId: string;
  readonly sessionId: string;
  readonly resolve: (r: CommandResult) => void;
  readonly timer: NodeJS.Timeout;
}

export function refusal(id: string, code: CommandRefusal, message: string): CommandResult {
  return { type: 'result', id, ok: false, error: { code, message } };
}

export class PendingCommands {
  private readonly waiting = new Map<string, Waiter>();

  /** Wait for the result of command `id`, sent to `hostId` on session `sessionId`. */
  wait(id: string, hostId: string, sessionId: string, timeoutMs: number): Promise<CommandResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(refusal(id, 'TIMEOUT', `host ${hostId} sent no result within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.waiting.set(id, { hostId, sessionId, resolve, timer });
    });
  }

  /** A result arrived from `hostId`; false when no command of that host waits for it (late, or not ours). */
  settle(hostId: string, result: CommandResult): boolean {
    const w = this.waiting.get(result.id);
    if (!w || w.hostId !== hostId) return false;
    this.finish(result.id, w, result);
    return true;
  }

  /** The session closed: its commands will never be answered. */
  sessionClosed(sessionId: string, why: string): void {
    for (const [id, w] of this.waiting) if (w.sessionId === sessionId) this.finish(id, w, refusal(id, 'NOT_CONNECTED', `the connection to host ${w.hostId} closed before it answered (${why})`));
  }

  private finish(id: string, w: Waiter, result: CommandResult): void {
    clearTimeout(w.timer);
    this.waiting.delete(id);
    w.resolve(result);
  }
}
