/**
 * Electron main process: one window, a menu, the console core in a utility process, and the IPC bridge
 * between them. Main only routes: it owns no data and does no heavy work (STYLE.md §7); the core's API
 * session token lives here and in the core, never in the page.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, app, ipcMain, protocol, session, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { IPC_CHANNELS } from '@cerebro/shared/api/ipc';
import { serveAppFile } from './app-protocol';
import { LiveBridge, TerminalBridge, proxyRequest } from './bridge';
import { CoreProcess } from './core-process';
import { registerIpc, type Handlers } from './routing';
import { APP_ENTRY_URL, APP_SCHEME, addCspHeader, createAppWindow, denyPermission, denyWindowOpen, navigationAllowed } from './window-options';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Built layout (scripts/build.mjs): dist/main/index.js beside dist/preload, dist/renderer, the core host. */
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.resolve(here, '../renderer');
const CORE_ENTRY = path.join(here, '../cerebro-core-host.mjs');

const log = (message: string): void => void process.stderr.write(`${new Date().toISOString()} info  [main] ${message}\n`);

// Before `ready`: the app scheme is a secure standard origin, so 'self', relative URLs and same-origin ES
// modules work there. Deliberately no corsEnabled (it would make its files readable cross-origin) and no
// supportFetchAPI (the page fetches nothing: connect-src 'none').
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
// Every renderer sandboxed, whatever a future window's options say.
app.enableSandbox();

// One console per data directory: a second launch focuses the first window instead.
if (!app.requestSingleInstanceLock()) app.quit();
else void start();

async function start(): Promise<void> {
  const env = process.env;
  const core = new CoreProcess({
    entry: CORE_ENTRY,
    args: [
      ...(env['CEREBRO_INGEST_HOST'] ? ['--ingest-host', env['CEREBRO_INGEST_HOST']] : []),
      '--ingest-port', env['CEREBRO_INGEST_PORT'] ?? '7070',
      // The window reaches the API through main, so any free port will do unless one is asked for.
      '--api-port', env['CEREBRO_API_PORT'] ?? '0',
    ],
    log,
  });

  const bridges = new Map<number, LiveBridge>();
  const terminals = new Map<number, TerminalBridge>();
  const windows = new Map<number, WebContents>();
  const handlers: Handlers = {
    async request(req) {
      try {
        return await proxyRequest(await core.ready, req);
      } catch (e) {
        return { ok: false, error: { code: 'NETWORK', message: `the console core is not running: ${(e as Error).message}` } };
      }
    },
    liveOpen(senderId) {
      // A page opens the channel once per load: after a reload its subscription ids start again at 1, so
      // the previous page's channel (and the subscriptions the core holds for it) must go.
      bridges.get(senderId)?.close();
      const contents = windows.get(senderId);
      const bridge = new LiveBridge(
        () => core.ready,
        (event) => contents?.send(IPC_CHANNELS.liveEvent, event),
        (state) => contents?.send(IPC_CHANNELS.liveState, state),
      );
      bridges.set(senderId, bridge);
      return bridge.state;
    },
    liveSend(senderId, req) {
      bridges.get(senderId)?.send(req);
    },
    terminalOpen(senderId, sid) {
      let bridge = terminals.get(senderId);
      if (!bridge) {
        const contents = windows.get(senderId);
        bridge = new TerminalBridge(
          () => core.ready,
          (event) => contents?.send(IPC_CHANNELS.terminalEvent, event),
        );
        terminals.set(senderId, bridge);
      }
      return bridge.open(sid);
    },
    terminalSend(senderId, input) {
      terminals.get(senderId)?.send(input);
    },
  };
  registerIpc(ipcMain, handlers, log);

  // Applies to every web contents ever created, the window's and any other.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!navigationAllowed(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!navigationAllowed(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(denyWindowOpen);
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    for (const b of bridges.values()) b.close();
    for (const t of terminals.values()) t.close();
    // The core flushes its store before it exits; only then does the app go.
    void core.stop().finally(() => app.exit(0));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(denyPermission()));
  ses.setPermissionCheckHandler(() => denyPermission());
  // The protocol handler already sets the CSP; this covers any other response the page might get.
  ses.webRequest.onHeadersReceived(addCspHeader);
  protocol.handle(APP_SCHEME, (request) => serveAppFile(RENDERER_DIR, request));
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate()));
  // No tray: it needs icons per platform, which arrive with packaging; the window is the app.

  const win = createAppWindow(BrowserWindow, PRELOAD);
  const id = win.webContents.id;
  windows.set(id, win.webContents);
  win.webContents.once('destroyed', () => {
    bridges.get(id)?.close();
    bridges.delete(id);
    terminals.get(id)?.close();
    terminals.delete(id);
    windows.delete(id);
  });
  win.once('ready-to-show', () => win.show());
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  core.ready.then(
    (info) => log(`console core ready: ingest ${info.ingestUrl}`),
    (e: unknown) => log(`the console core did not start: ${(e as Error).message}`),
  );
  await win.loadURL(APP_ENTRY_URL);
}

function menuTemplate(): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [{ role: 'reload' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }];
  // Developer tools only in a development run, never in a packaged app.
  if (!app.isPackaged) view.push({ type: 'separator' }, { role: 'toggleDevTools' });
  return [
    { label: 'File', submenu: [{ role: 'quit' }] },
    { label: 'Edit', submenu: [{ role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: view },
    { label: 'Window', submenu: [{ role: 'minimize' }, { role: 'close' }] },
  ];
}
