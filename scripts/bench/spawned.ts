/** Child processes a benchmark starts: started with their output kept (last lines), stopped by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Cleanup } from './cleanup';

export interface Spawned {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** The last lines it wrote to stdout/stderr. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<number | string>;
}

const TAIL_LINES = 40;

export function startProcess(cleanup: Cleanup, name: string, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Spawned {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  // CEREBRO_BENCH_LOG_DIR=DIR keeps everything each process writes in DIR/<name>.log (a run's console log
  // is otherwise gone with the run's folder): for looking into a benchmark or scenario run afterwards.
  const logDir = process.env['CEREBRO_BENCH_LOG_DIR'];
  // Made when missing: a stream to a folder that does not exist fails quietly, and the logs asked for
  // would be lost without a word (session 8's scenario run).
  if (logDir) fs.mkdirSync(logDir, { recursive: true });
  const file = logDir ? fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' }) : null;
  file?.on('error', (e) => lines.push(`CEREBRO_BENCH_LOG_DIR: cannot write ${path.join(logDir ?? '', `${name}.log`)}: ${e.message}`));
  const keep = (chunk: Buffer): void => {
    file?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let gone = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (e) => {
      gone = true;
      lines.push(`spawn failed: ${e.message}`);
      resolve(-1);
    });
    child.once('exit', (code, signal) => {
      gone = true;
      resolve(code ?? signal ?? -1);
    });
  });
  if (child.pid === undefined) throw new Error(`cannot start ${name} (${command}): ${lines.join(' ') || 'no pid'}`);
  const pid = child.pid;
  const stop = async (graceMs = 5000): Promise<number | string> => {
    if (gone) return exited;
    child.kill('SIGTERM');
    const killer = setTimeout(() => {
      if (!gone) child.kill('SIGKILL');
    }, graceMs);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };
  cleanup.add(`stop ${name} (pid ${pid})`, () => stop().then(() => undefined));
  return { name, child, pid, exited, tail: () => lines.join('\n'), stop };
}

/** A fresh temporary directory, removed by the cleanup. */
export function tempDir(cleanup: Cleanup, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cerebro-bench-${prefix}-`));
  cleanup.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `check` every `everyMs` until it returns a value, for at most `timeoutMs`; throws `what` on timeout. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | null | undefined | Promise<T | null | undefined>, everyMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const v = await check();
    if (v !== null && v !== undefined) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
