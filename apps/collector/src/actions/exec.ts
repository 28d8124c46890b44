/**
 * Runs a program (never through a shell) under a timeout, keeping a bounded copy of its output. The child
 * gets its own process group so that a timeout kills what it started too.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';

export interface ExecResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly truncated: boolean;
  readonly timedOut: boolean;
  /** The program could not be started (ENOENT…). */
  readonly spawnError: string | null;
}

export interface ExecOptions {
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function execBounded(file: string, args: readonly string[], o: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let timedOut = false;
    let spawnError: string | null = null;
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: o.env ?? process.env });
    const keep = (b: Buffer): void => {
      if (size >= o.maxOutputBytes) {
        truncated = true;
        return;
      }
      const part = b.subarray(0, o.maxOutputBytes - size);
      if (part.length < b.length) truncated = true;
      chunks.push(part);
      size += part.length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, o.timeoutMs);
    child.on('error', (e) => {
      spawnError = e.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8'), truncated, timedOut, spawnError });
    });
  });
}

/** The path of `file` on PATH when it is an executable file there, else null. */
export function which(file: string, pathEnv = process.env['PATH'] ?? ''): string | null {
  for (const dir of pathEnv.split(':')) {
    if (!dir) continue;
    const p = `${dir}/${file}`;
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not there, or not executable.
    }
  }
  return null;
}
