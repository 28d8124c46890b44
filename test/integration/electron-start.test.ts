/**
 * `npm start`'s desktop branch, with a FAKE Electron (a shell script in an ELECTRON_OVERRIDE_DIST_PATH
 * folder; the real binary cannot run here) that records its arguments and runs the core host as the
 * app's utility process would: start.mjs must pick it over browser mode, pass the app folder and the
 * ports, start the collector against it, and stop everything on Ctrl-C or when the app is closed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { routePath, type RouteResponses } from '@cerebro/shared/api/contract';
import { Proc, ROOT, freePort, tempDir, waitFor, type ConsoleInfo } from '../helpers/cerebro';

async function startWithFakeElectron(t: TestContext) {
  const dir = tempDir(t);
  const home = path.join(dir, 'home');
  const dist = path.join(dir, 'electron-dist');
  fs.mkdirSync(dist);
  const argsFile = path.join(dir, 'electron-args');
  // Stands in for Electron running apps/desktop: main would fork the core host with these ports.
  fs.writeFileSync(
    path.join(dist, 'electron'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nexec '${process.execPath}' '${path.join(ROOT, 'apps/desktop/dist/cerebro-core-host.mjs')}' --ingest-port "$CEREBRO_INGEST_PORT" --api-port "$CEREBRO_API_PORT"\n`,
    { mode: 0o755 },
  );
  const [ingestPort, apiPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: { ...process.env, CEREBRO_HOME: home, CEREBRO_INGEST_PORT: String(ingestPort), CEREBRO_API_PORT: String(apiPort), ELECTRON_OVERRIDE_DIST_PATH: dist },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const proc = new Proc('npm start (desktop)', child);
  t.after(() => {
    if (proc.running) process.kill(-(child.pid as number), 'SIGKILL');
  });
  const info = await waitFor(
    'the console to list this host',
    async () => {
      if (!proc.running) throw new Error(`start.mjs exited:\n${proc.tail()}`);
      const i = JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')) as ConsoleInfo;
      const res = await fetch(new URL(routePath('hosts'), i.apiUrl), { headers: { authorization: `Bearer ${i.apiToken}` } });
      return ((await res.json()) as RouteResponses['hosts']).length > 0 ? i : null;
    },
    30_000,
    200,
  );
  return { proc, child, home, info, apiPort, argsFile };
}

test('npm start opens the desktop app when an Electron binary is found, and Ctrl-C stops it', { timeout: 60_000 }, async (t) => {
  const { proc, child, home, info, apiPort, argsFile } = await startWithFakeElectron(t);
  assert.deepEqual(fs.readFileSync(argsFile, 'utf8').trim().split('\n'), [path.join(ROOT, 'apps/desktop')], 'Electron runs the app folder');
  assert.equal(new URL(info.apiUrl).port, String(apiPort), 'the app got the ports');
  assert.doesNotMatch(proc.output, /desktop app not opened/);
  assert.match(proc.output, /npx --no cerebro-console hosts/, 'the usual lines are printed');
  process.kill(-(child.pid as number), 'SIGINT');
  await proc.exited;
  await waitFor('console.json removed by a clean stop', () => !fs.existsSync(path.join(home, 'console.json')), 10_000);
});

test('closing the desktop app stops the collector and npm start without an error', { timeout: 60_000 }, async (t) => {
  const { proc, info } = await startWithFakeElectron(t);
  // The window closed: the app quits (here: its stand-in exits 0 after stopping the core).
  process.kill(info.pid, 'SIGTERM');
  assert.equal(await proc.exited, 0, proc.tail());
  assert.match(proc.output, /the desktop app was closed; stopping the collector/);
});
