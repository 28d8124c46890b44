/**
 * Signal or renice one process, named by pid AND start time (ProcessRow.startMs): a pid the kernel has
 * since given to another process is never touched. Both use syscalls directly (kill, setpriority).
 */
import fs from 'node:fs';
import os from 'node:os';
import { globToRegExp } from '@cerebro/shared/protocol/glob';
import { parseStat } from '../sources/cpu';
import { parsePidStat } from '../sources/procfs-pid';
import { int, str } from './params';
import { ActionRefused, type ActionContext, type ActionHandler } from './types';

/** USER_HZ on Linux: /proc times are in 1/100 s on every architecture we run on. */
const CLK_TCK = 100;
/** Start times are kept in ms from ticks of 10 ms; allow for the rounding of both sides. */
const START_TOLERANCE_MS = 20;

const SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGSTOP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'] as const;

/** The process's start time, ms since the epoch, as the collector's process table reports it; null if gone. */
export function processStartMs(pid: number, procRoot = '/proc'): number | null {
  try {
    const st = parsePidStat(fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    if (!st) return null;
    const bootMs = parseStat(fs.readFileSync(`${procRoot}/stat`, 'utf8')).btime * 1000;
    return Math.round(bootMs + (st.starttime * 1000) / CLK_TCK);
  } catch {
    return null;
  }
}

/** Refuses unless `pid` is still the process that started at `startMs`. */
function checkSameProcess(pid: number, startMs: number, ctx: ActionContext): void {
  const now = processStartMs(pid, ctx.procRoot);
  if (now === null) throw new ActionRefused('PROCESS_CHANGED', `no process ${pid} exists any more`);
  if (Math.abs(now - startMs) > START_TOLERANCE_MS) {
    throw new ActionRefused('PROCESS_CHANGED', `pid ${pid} now belongs to a process started at ${new Date(now).toISOString()}, not the one started at ${new Date(startMs).toISOString()}: the pid was reused`);
  }
}

/** Refuses when the host's policy keeps the console's hands off processes of this name. */
function checkNameAllowed(pid: number, ctx: ActionContext): void {
  const rule = ctx.policy.processes;
  if (!rule) return;
  let comm: string;
  try {
    comm = fs.readFileSync(`${ctx.procRoot ?? '/proc'}/${pid}/comm`, 'utf8').trim();
  } catch {
    throw new ActionRefused('PROCESS_CHANGED', `no process ${pid} exists any more`);
  }
  const denied = rule.deny.find((g) => globToRegExp(g).test(comm));
  if (denied !== undefined) throw new ActionRefused('PROCESS_NOT_ALLOWED', `the host's policy forbids touching processes named ${JSON.stringify(denied)} (process ${pid} is ${JSON.stringify(comm)})`);
  if (rule.allow !== null && !rule.allow.some((g) => globToRegExp(g).test(comm))) {
    throw new ActionRefused('PROCESS_NOT_ALLOWED', `the host's policy lets the console touch only processes named ${rule.allow.map((g) => JSON.stringify(g)).join(', ') || '(none)'}; process ${pid} is ${JSON.stringify(comm)}`);
  }
}

function target(params: Readonly<Record<string, unknown>>): { pid: number; startMs: number } {
  return { pid: int(params, 'pid', 2, 2 ** 22), startMs: int(params, 'startMs', 0, Number.MAX_SAFE_INTEGER) };
}

export const signalProcess: ActionHandler = async (params, ctx) => {
  const { pid, startMs } = target(params);
  const signal = str(params, 'signal');
  if (!(SIGNALS as readonly string[]).includes(signal)) throw new ActionRefused('INVALID_PARAMS', `param "signal" must be one of ${SIGNALS.join(', ')}, got ${JSON.stringify(signal)}`);
  if (pid === process.pid) throw new ActionRefused('INVALID_PARAMS', `pid ${pid} is the collector itself`);
  checkSameProcess(pid, startMs, ctx);
  checkNameAllowed(pid, ctx);
  try {
    process.kill(pid, signal as NodeJS.Signals);
  } catch (e) {
    return { status: 'failed', message: `kill(${pid}, ${signal}) failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  return { status: 'ok', message: `sent ${signal} to process ${pid}`, details: { pid, signal } };
};

export const reniceProcess: ActionHandler = async (params, ctx) => {
  const { pid, startMs } = target(params);
  const nice = int(params, 'nice', -20, 19);
  checkSameProcess(pid, startMs, ctx);
  checkNameAllowed(pid, ctx);
  let previous: number;
  try {
    previous = os.getPriority(pid);
    os.setPriority(pid, nice);
  } catch (e) {
    return { status: 'failed', message: `setpriority(${pid}, ${nice}) failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  // previousNice is what a rollback passes back to this action.
  return { status: 'ok', message: `process ${pid} now runs at nice ${nice} (was ${previous})`, details: { pid, nice, previousNice: previous } };
};
