/**
 * The real desktop app: Electron (through playwright-core's `_electron`) runs main, which starts the core
 * in a utility process and opens the window; a real collector streams to it; the fleet view shows this
 * host live through the preload/IPC transport, the page has no Node and no session token, and closing
 * the app stops the core cleanly. Skips, saying why, where no Electron binary exists (found the way
 * `npm start` finds it, never by triggering the electron package's download).
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { _electron } from 'playwright-core';
import { ELECTRON_HINT, findElectron } from '../../scripts/electron-binary.mjs';
import { ROOT, createTokenFile, freePort, localHostId, startCollector, tempDir, waitFor, type ConsoleInfo } from '../helpers/cerebro';
import { screenshot } from '../helpers/browser';

const electron = findElectron(process.env);
const skip = electron.path === null ? `desktop app not launched: ${electron.reason}; ${ELECTRON_HINT}` : false;
if (skip) process.stderr.write(`[electron e2e] skipped: ${skip}\n`);

test('the desktop app shows this host live in the fleet view over IPC', { skip, timeout: 120_000 }, async (t) => {
  const executablePath = electron.path as string;
  if (!fs.existsSync(path.join(ROOT, 'apps/desktop/dist/main/index.js'))) throw new Error('the desktop shell is not built: run npm run build');
  const home = tempDir(t);
  const ingestPort = await freePort();
  const app = await _electron.launch({
    executablePath,
    // Chromium refuses to run as root with its OS sandbox (CI containers run as root); the renderer's own
    // sandbox option is what the app sets and is unaffected by this launcher flag.
    args: [path.join(ROOT, 'apps/desktop'), ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, CEREBRO_HOME: home, CEREBRO_INGEST_PORT: String(ingestPort), CEREBRO_API_PORT: '0' },
    timeout: 60_000,
  });
  let closed = false;
  t.after(async () => {
    if (!closed) await app.close().catch(() => undefined);
  });
  app.process().stderr?.on('data', (d: Buffer) => process.stderr.write(`[electron] ${d}`));

  const info = await waitFor(
    'the core (utility process) to write console.json',
    () => {
      try {
        return JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')) as ConsoleInfo;
      } catch {
        return null;
      }
    },
    30_000,
  );
  assert.equal(new URL(info.ingestUrl).port, String(ingestPort));
  await startCollector(t, { ingestUrl: info.ingestUrl, tokenFile: createTokenFile(home, home), stateDir: path.join(home, 'collector'), intervalMs: 500 });

  const page = await app.firstWindow();
  assert.match(page.url(), /^cerebro:\/\/app\//, 'the renderer is served from the app scheme');
  const hostId = localHostId();
  const row = page.locator(`[data-testid="fleet-row"][data-host-id="${hostId}"]`);
  await row.waitFor({ timeout: 30_000 });
  await waitFor('status live', async () => (await row.getAttribute('data-status')) === 'live', 15_000);
  await waitFor('a CPU figure', async () => /\d+(\.\d)? %/.test(await row.innerText()), 15_000, 250);
  await screenshot(page, 'desktop-fleet');

  // The page sees the typed API only: no Node, no ipcRenderer, no token.
  const exposed = await page.evaluate(() => {
    const g = globalThis as unknown as Record<string, unknown>;
    const api = g['cerebro'] as Record<string, unknown> | undefined;
    return { require: typeof g['require'], process: typeof g['process'], api: api ? Object.keys(api).sort() : null, storage: JSON.stringify({ ...(g['sessionStorage'] as Storage) }) };
  });
  assert.deepEqual(exposed.api, ['live', 'request']);
  assert.equal(exposed.require, 'undefined');
  assert.equal(exposed.process, 'undefined');
  assert.ok(!exposed.storage.includes(info.apiToken) && !page.url().includes(info.apiToken), 'the session token never reaches the page');

  // Navigation away is refused: the window stays on the app.
  await page.evaluate(() => {
    (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.match(page.url(), /^cerebro:\/\/app\//);

  await app.close();
  closed = true;
  await waitFor('the core to stop cleanly (console.json removed)', () => !fs.existsSync(path.join(home, 'console.json')), 15_000);
});
