/**
 * The core entry the desktop shell runs in a utility process (apps/desktop/src/core/host.ts), driven the
 * same way from Node's child_process.fork (Electron's utilityProcess cannot run here; the entry speaks to
 * whichever parent port it has): it reports where its API listens, serves it, and on the shell's stop
 * message flushes, says so and exits cleanly, leaving no console.json or lock behind.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreHostMessage } from '../../apps/desktop/src/core/host';
import { Proc, ROOT, tempDir, waitFor } from '../helpers/cerebro';

const ENTRY = path.join(ROOT, 'apps/desktop/dist/cerebro-core-host.mjs');

test('the core host reports ready, serves its API and stops on request', { timeout: 60_000 }, async (t) => {
  assert.ok(fs.existsSync(ENTRY), 'built by npm run build');
  const home = tempDir(t);
  const child = fork(ENTRY, ['--ingest-port', '0', '--api-port', '0'], { env: { ...process.env, CEREBRO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const proc = new Proc('core host', child);
  t.after(() => proc.stop('SIGKILL'));
  const messages: CoreHostMessage[] = [];
  child.on('message', (m) => messages.push(m as CoreHostMessage));

  const ready = await waitFor('the ready message', () => messages.find((m) => m.type === 'ready'), 20_000);
  assert.equal(ready.type, 'ready');
  const info = ready.info;
  const res = await fetch(new URL('/api/v1/health', info.apiUrl), { headers: { authorization: `Bearer ${info.apiToken}` } });
  assert.equal(res.status, 200);
  assert.ok(fs.existsSync(path.join(home, 'console.json')), 'CLI tools find it like a headless console');

  child.send({ type: 'stop' });
  assert.equal(await proc.exited, 0, proc.tail());
  assert.ok(messages.some((m) => m.type === 'stopped'), 'it said it stopped');
  assert.match(proc.output, /console stopped/);
  assert.ok(!fs.existsSync(path.join(home, 'console.json')) && !fs.existsSync(path.join(home, 'console.lock')));
});

test('the core host reports a failed start instead of hanging', { timeout: 30_000 }, async (t) => {
  const home = tempDir(t);
  // Another live process holds the lock: this one must refuse to start and say why.
  fs.writeFileSync(path.join(home, 'console.lock'), String(process.pid));
  const child = fork(ENTRY, ['--ingest-port', '0', '--api-port', '0'], { env: { ...process.env, CEREBRO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const proc = new Proc('core host', child);
  t.after(() => proc.stop('SIGKILL'));
  const messages: CoreHostMessage[] = [];
  child.on('message', (m) => messages.push(m as CoreHostMessage));
  const failed = await waitFor('the failed message', () => messages.find((m) => m.type === 'failed'), 20_000);
  assert.match(failed.type === 'failed' ? failed.message : '', /another console/);
  assert.equal(await proc.exited, 1);
});
