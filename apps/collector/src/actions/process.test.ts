import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { test } from 'node:test';
import { processStartMs } from './process';
import { runAction } from './registry';

const ctx = { policy: { allowedDirs: [], scriptsDir: null }, timeoutMs: 5_000 };

function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child as ChildProcess & { pid: number };
}

test('renice changes the nice value of the process named by pid and start time, and reports the old one', async (t) => {
  const child = sleeper();
  t.after(() => child.kill('SIGKILL'));
  const startMs = processStartMs(child.pid);
  assert.ok(startMs !== null && Math.abs(startMs - Date.now()) < 5_000, `start time near now, got ${startMs}`);
  const before = os.getPriority(child.pid);
  const r = await runAction({ action: 'renice-process', params: { pid: child.pid, startMs, nice: 15 } }, ctx);
  assert.equal(r.status, 'ok', r.message);
  assert.equal(os.getPriority(child.pid), 15);
  assert.equal(r.details?.['previousNice'], before);
});

test('a pid whose start time differs (a reused pid) is refused and left alone', async (t) => {
  const child = sleeper();
  t.after(() => child.kill('SIGKILL'));
  const startMs = processStartMs(child.pid) as number;
  const r = await runAction({ action: 'signal-process', params: { pid: child.pid, startMs: startMs - 60_000, signal: 'SIGKILL' } }, ctx);
  assert.equal(r.status, 'refused');
  assert.equal(r.refusal, 'PROCESS_CHANGED');
  assert.match(r.message, /reused/);
  assert.equal(child.exitCode, null);
  assert.equal(child.signalCode, null);
  const r2 = await runAction({ action: 'renice-process', params: { pid: child.pid, startMs: startMs + 5_000, nice: 5 } }, ctx);
  assert.equal(r2.refusal, 'PROCESS_CHANGED');
  assert.equal(os.getPriority(child.pid), 0);
});

test('signal stops the right process; a process that is gone is refused', async () => {
  const child = sleeper();
  const startMs = processStartMs(child.pid) as number;
  const exited = once(child, 'exit');
  const r = await runAction({ action: 'signal-process', params: { pid: child.pid, startMs, signal: 'SIGTERM' } }, ctx);
  assert.equal(r.status, 'ok', r.message);
  const [, signal] = await exited;
  assert.equal(signal, 'SIGTERM');
  const again = await runAction({ action: 'signal-process', params: { pid: child.pid, startMs, signal: 'SIGTERM' } }, ctx);
  assert.equal(again.refusal, 'PROCESS_CHANGED');
});

test('bad params are refused naming the field', async () => {
  const r = await runAction({ action: 'signal-process', params: { pid: 'one', startMs: 1, signal: 'SIGTERM' } }, ctx);
  assert.equal(r.refusal, 'INVALID_PARAMS');
  assert.match(r.message, /"pid"/);
  const s = await runAction({ action: 'signal-process', params: { pid: 1234, startMs: 1, signal: 'SIGSEGV' } }, ctx);
  assert.match(s.message, /"signal" must be one of/);
  const n = await runAction({ action: 'renice-process', params: { pid: 1234, startMs: 1, nice: 40 } }, ctx);
  assert.match(n.message, /"nice" must be an integer from -20 to 19/);
  const u = await runAction({ action: 'format-disk', params: {} }, ctx);
  assert.equal(u.refusal, 'UNKNOWN_ACTION');
});

test("the host's process-name rule: only allowed names may be signalled, and deny wins", async (t) => {
  const child = sleeper();
  t.after(() => child.kill('SIGKILL'));
  const startMs = processStartMs(child.pid) as number;
  const only = (allow: string[] | null, deny: string[] = []) => ({ policy: { allowedDirs: [], scriptsDir: null, processes: { allow, deny } }, timeoutMs: 5_000 });
  const outside = await runAction({ action: 'signal-process', params: { pid: child.pid, startMs, signal: 'SIGKILL' } }, only(['cerebro-*']));
  assert.equal(outside.refusal, 'PROCESS_NOT_ALLOWED', outside.message);
  assert.match(outside.message, /only processes named "cerebro-\*"; process \d+ is "sleep"/);
  const denied = await runAction({ action: 'renice-process', params: { pid: child.pid, startMs, nice: 5 } }, only(['sl*'], ['sleep']));
  assert.equal(denied.refusal, 'PROCESS_NOT_ALLOWED', denied.message);
  assert.match(denied.message, /forbids touching processes named "sleep"/);
  assert.equal(child.exitCode, null, 'left alone');
  assert.equal(os.getPriority(child.pid), 0, 'not reniced');
  const allowed = await runAction({ action: 'signal-process', params: { pid: child.pid, startMs, signal: 'SIGKILL' } }, only(['sl?ep']));
  assert.equal(allowed.status, 'ok', allowed.message);
  await once(child, 'exit');
});
