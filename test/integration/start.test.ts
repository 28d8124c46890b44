/**
 * `npm start` builds, starts the console and a collector for this machine, and within 30 s the API lists
 * this host with live series; Ctrl-C (SIGINT) stops everything cleanly and leaves no process behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routePath, type RouteResponses } from '@cerebro/shared/api/contract';
import { Proc, ROOT, freePort, tempDir, waitFor, type ConsoleInfo } from '../helpers/cerebro';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npm start shows this host with live series within 30 s and stops cleanly on Ctrl-C', async (t) => {
  const home = tempDir(t);
  const [ingestPort, apiPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, CEREBRO_HOME: home, CEREBRO_INGEST_PORT: String(ingestPort), CEREBRO_API_PORT: String(apiPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the test can signal npm and everything under it like a terminal does
  });
  const proc = new Proc('npm start', child);
  t.after(() => {
    if (proc.running) process.kill(-(child.pid as number), 'SIGKILL');
  });

  const hosts = await waitFor(
    'npm start to list this host with live series',
    async () => {
      if (!proc.running) throw new Error(`npm start exited:\n${proc.tail()}`);
      const info = JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')) as ConsoleInfo;
      const res = await fetch(new URL(routePath('hosts'), info.apiUrl), { headers: { authorization: `Bearer ${info.apiToken}` } });
      const list = (await res.json()) as RouteResponses['hosts'];
      return list.length > 0 && list[0]?.status === 'live' && list[0].seriesCount > 20 ? list : null;
    },
    30_000,
    200,
  );
  t.diagnostic(`host listed with ${hosts[0]?.seriesCount} series ${Date.now() - started} ms after \`npm start\``);
  assert.equal(hosts[0]?.hostname, os.hostname());
  assert.match(proc.output, /npx --no cerebro-console hosts/, 'it prints where to look');
  assert.equal(apiPort, Number(new URL(JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')).apiUrl).port));

  const consolePid = (JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')) as ConsoleInfo).pid;
  // Ctrl-C in a terminal signals the whole foreground process group: npm, the start script and its children.
  process.kill(-(child.pid as number), 'SIGINT');
  const code = await Promise.race([proc.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000).unref())]);
  // npm itself dies of the SIGINT (exit by signal, -1 here) as it does at a terminal; the script exits 0.
  assert.ok(code === 0 || code === -1, `npm start ended on Ctrl-C (got ${String(code)}):\n${proc.tail()}`);
  await waitFor('the console process to be gone', () => !isAlive(consolePid), 10_000);
  assert.match(proc.output, /console stopped/);
  assert.match(proc.output, /SIGINT: stopping/);
  assert.ok(!fs.existsSync(path.join(home, 'console.json')), 'the console removed console.json on a clean stop');
  assert.ok(!fs.existsSync(path.join(home, 'console.lock')), 'and released its lock');
});
