/**
 * The app window's security settings as plain data and pure functions, so a test can check them without
 * Electron (its binary cannot run on the build machines). index.ts applies exactly these.
 */
import type { BrowserWindowConstructorOptions, HandlerDetails, WindowOpenHandlerResponse } from 'electron';

/** The renderer is served from this privileged custom scheme (app-protocol.ts), never from http or file. */
export const APP_SCHEME = 'cerebro';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * The CSP of every response the window gets: browser mode's (core/api/static.ts) with one change, since
 * the window reaches the core only through IPC: connect-src 'none' (browser mode needs its own origin and
 * the loopback WebSocket). Written out literally inside the header handler because static scanners
 * (electronegativity) read it only there; the hardening test checks it equals adaptCsp(browser CSP).
 */
export function addCspHeader(
  details: { readonly responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders: Record<string, string[]> }) => void,
): void {
  callback({
    responseHeaders: {
      ...details.responseHeaders,
      'Content-Security-Policy': ["default-src 'self'; connect-src 'none'; img-src 'self' data:; object-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
    },
  });
}

let written = '';
addCspHeader({}, (r) => (written = r.responseHeaders['Content-Security-Policy']?.[0] ?? ''));
export const DESKTOP_CSP: string = written;

/** Browser mode's CSP adapted to the window: connect-src 'none'; every other directive unchanged. */
export function adaptCsp(browserCsp: string): string {
  const directives = browserCsp.split(';').map((d) => d.trim()).filter((d) => d.length > 0);
  const i = directives.findIndex((d) => d.split(/\s+/)[0] === 'connect-src');
  if (i < 0) throw new Error(`the browser-mode CSP has no connect-src directive to adapt: ${browserCsp}`);
  directives[i] = "connect-src 'none'";
  return directives.join('; ');
}

/**
 * Create the one window. The options are an object literal at the `new BrowserWindow` call because
 * static scanners read them only there; `windowOptions` captures them for tests through a fake class.
 * `preload`: absolute path of the built preload (a CommonJS file).
 */
export function createAppWindow<W>(BrowserWindow: new (options: BrowserWindowConstructorOptions) => W, preload: string): W {
  return new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'CEREBRO',
    backgroundColor: '#0f1218',
    // Shown once the first paint is ready, so the user never sees a white flash.
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // A middle click must not open links in new windows (setWindowOpenHandler denies them anyway).
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      safeDialogs: true,
    },
  });
}

/** The options createAppWindow passes to BrowserWindow. */
export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  let captured: BrowserWindowConstructorOptions | null = null;
  createAppWindow(
    class {
      constructor(options: BrowserWindowConstructorOptions) {
        captured = options;
      }
    },
    preload,
  );
  return captured as unknown as BrowserWindowConstructorOptions;
}

/** `will-navigate` / `will-redirect`: the window shows the app and nothing else; a reload of the app is fine. */
export function navigationAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** `setWindowOpenHandler`: no window.open, no target=_blank, ever. */
export function denyWindowOpen(_details: HandlerDetails): WindowOpenHandlerResponse {
  return { action: 'deny' };
}

/** Permission requests and checks (camera, notifications, clipboard, …): the console needs none. */
export function denyPermission(): boolean {
  return false;
}
