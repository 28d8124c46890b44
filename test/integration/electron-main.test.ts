/**
 * The BUILT Electron main (apps/desktop/dist/main/index.js) booted against a FAKE Electron
 * (test/helpers/fake-electron.ts; the real binary cannot run on the build machines): it starts the real
 * core host as its "utility process", registers privileged scheme, sandbox, permissions, CSP and
 * navigation hooks in Electron's required order, opens one window loading cerebro://app, serves the built
 * renderer with the CSP, answers the window's IPC from the real core (requests and live events from a
 * real collector), refuses strangers, and on quit stops the core cleanly before exiting.
 */
import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPC_CHANNELS, type LiveConnection } from '@cerebro/shared/api/ipc';
import type { LiveEvent } from '@cerebro/shared/api/contract';
import { DESKTOP_CSP } from '../../apps/desktop/src/main/window-options';
import { ROOT, createTokenFile, freePort, localHostId, startCollector, tempDir, waitFor } from '../helpers/cerebro';
import * as fake from '../helpers/fake-electron';

const MAIN_JS = path.join(ROOT, 'apps/desktop/dist/main/index.js');

/** A fake IPC event from the app window's top frame (or from `url`). */
const fromWindow = (contentsId: number, url = 'cerebro://app/index.html#/fleet') => ({ senderFrame: { url, parent: null }, sender: { id: contentsId } });

test('the built main boots on a fake Electron, bridges the real core and quits cleanly', { timeout: 90_000 }, async (t) => {
  assert.ok(fs.existsSync(MAIN_JS), 'built by npm run build');
  const home = tempDir(t);
  const ingestPort = await freePort();
  // Main reads these when it starts the core; the fake utility process inherits them.
  process.env['CEREBRO_HOME'] = home;
  process.env['CEREBRO_INGEST_PORT'] = String(ingestPort);
  process.env['CEREBRO_API_PORT'] = '0';
  t.after(() => {
    for (const u of fake.recorded.utility) u.child.kill('SIGKILL');
  });
  register('../helpers/fake-electron-loader.mjs', import.meta.url);
  await import(pathToFileURL(MAIN_JS).href);

  const win = await waitFor('the window to load the app', () => (fake.recorded.windows[0]?.url ? fake.recorded.windows[0] : null), 10_000);
  assert.equal(fake.recorded.windows.length, 1, 'one window');
  assert.equal(win.url, 'cerebro://app/index.html');
  const prefs = win.options['webPreferences'] as Record<string, unknown>;
  assert.ok(fs.existsSync(String(prefs['preload'])), `the preload it names exists: ${String(prefs['preload'])}`);
  assert.equal(prefs['sandbox'], true);
  assert.equal(prefs['contextIsolation'], true);
  assert.ok(fake.recorded.sandboxEnabled, 'app.enableSandbox() before ready');
  assert.deepEqual(fake.recorded.privilegedSchemes, [{ scheme: 'cerebro', privileges: { standard: true, secure: true } }]);
  await waitFor('ready-to-show to show it', () => win.shown, 5_000);
  assert.equal(fake.recorded.utility.length, 1, 'the core runs in one utility process');
  assert.match(fake.recorded.utility[0]?.entry ?? '', /cerebro-core-host\.mjs$/);
  assert.ok(fake.recorded.menu, 'an application menu is set');

  await t.test('the app scheme serves the built renderer with the CSP', async () => {
    const handler = fake.recorded.protocolHandlers.get('cerebro');
    assert.ok(handler);
    const res = await handler(new Request('cerebro://app/index.html'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), DESKTOP_CSP);
    assert.match(await res.text(), /<div id="root">/);
    const outside = await handler(new Request('cerebro://elsewhere/index.html'));
    assert.equal(outside.status, 404);
    let headers: Record<string, string[]> = {};
    fake.recorded.headersReceived?.({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    assert.deepEqual(headers['Content-Security-Policy'], [DESKTOP_CSP]);
  });

  await t.test('navigation, new windows, webviews and permissions are refused', () => {
    const contents = win.webContents;
    const nav = fake.fakeEvent();
    contents.emit('will-navigate', nav, 'https://example.com/');
    assert.ok(nav.defaultPrevented, 'navigation away is prevented');
    const reload = fake.fakeEvent();
    contents.emit('will-navigate', reload, 'cerebro://app/index.html');
    assert.ok(!reload.defaultPrevented, 'the app may reload itself');
    const redirect = fake.fakeEvent();
    contents.emit('will-redirect', redirect, 'http://127.0.0.1/');
    assert.ok(redirect.defaultPrevented);
    const webview = fake.fakeEvent();
    contents.emit('will-attach-webview', webview, {}, {});
    assert.ok(webview.defaultPrevented, 'webviews are blocked');
    assert.deepEqual(contents.windowOpenHandler?.({ url: 'https://example.com/' }), { action: 'deny' });
    let granted: boolean | null = null;
    fake.recorded.permissionRequest?.(contents, 'media', (g) => (granted = g));
    assert.equal(granted, false);
    assert.equal(fake.recorded.permissionCheck?.(), false);
  });

  await t.test('IPC from the window reaches the real core; a stranger is refused', async () => {
    const request = fake.ipcMain.handlers.get(IPC_CHANNELS.request);
    assert.ok(request);
    const health = (await request(fromWindow(win.webContents.id), { name: 'health' })) as { ok: boolean; value?: { ok: boolean } };
    assert.deepEqual(health.ok && health.value?.ok, true, JSON.stringify(health));
    const stranger = (await request(fromWindow(win.webContents.id, 'https://example.com/'), { name: 'health' })) as { ok: boolean; error?: { code: string } };
    assert.equal(stranger.error?.code, 'FORBIDDEN_SENDER');
  });

  await t.test('live events from a real collector reach the window', async () => {
    const open = fake.ipcMain.handlers.get(IPC_CHANNELS.liveOpen);
    const send = fake.ipcMain.listeners.get(IPC_CHANNELS.liveSend);
    assert.ok(open && send);
    const event = fromWindow(win.webContents.id);
    await open(event);
    await waitFor('the live channel to open', () => win.webContents.sent.some(([c, p]) => c === IPC_CHANNELS.liveState && (p as LiveConnection).state === 'open'), 15_000);
    send(event, { op: 'subscribe', id: 'h', topic: 'hosts' });
    const info = JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')) as { ingestUrl: string; apiToken: string; ingestFingerprint?: string };
    assert.equal(new URL(info.ingestUrl).port, String(ingestPort));
    // The desktop app's core serves wss:// (TLS is the default): the collector pins the fingerprint the core publishes.
    const pin = info.ingestUrl.startsWith('wss://') && info.ingestFingerprint ? ['--fingerprint', info.ingestFingerprint] : [];
    await startCollector(t, { ingestUrl: info.ingestUrl, tokenFile: createTokenFile(home, home), stateDir: path.join(home, 'collector'), intervalMs: 500, args: pin });
    const hostId = localHostId();
    await waitFor('a host event for this host', () => win.webContents.sent.some(([c, p]) => c === IPC_CHANNELS.liveEvent && (p as LiveEvent).type === 'host' && (p as Extract<LiveEvent, { type: 'host' }>).host.id === hostId), 20_000);
    assert.ok(!JSON.stringify(win.webContents.sent).includes(info.apiToken), 'the session token never goes to the window');
  });

  await t.test('quitting stops the core first, then exits', async () => {
    fake.app.quit();
    assert.equal(await Promise.race([fake.app.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000).unref())]), 0);
    const child = fake.recorded.utility[0]?.child;
    assert.ok(child && child.exitCode === 0, `the core exited cleanly (exit ${child?.exitCode})`);
    assert.ok(!fs.existsSync(path.join(home, 'console.json')), 'console.json removed');
  });
});
