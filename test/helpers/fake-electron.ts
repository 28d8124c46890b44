/**
 * A FAKE of the parts of Electron's main-process API that apps/desktop/src/main uses, for tests on
 * machines where Electron cannot run. It records what main does (window options, IPC handlers, protocol
 * handler, security hooks), enforces Electron's ordering rules that matter (no window or protocol handler
 * before `ready`, privileged schemes only before it), and runs `utilityProcess.fork` as a Node child
 * process with an IPC channel, which the core host (core/host.ts) speaks to just the same.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

let ready = false;

export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}
export const fakeEvent = (): FakeEvent => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

export const recorded = {
  privilegedSchemes: [] as unknown[],
  sandboxEnabled: false,
  protocolHandlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
  permissionRequest: null as null | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void),
  permissionCheck: null as null | ((...args: unknown[]) => boolean),
  headersReceived: null as null | ((details: { responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
  menu: null as unknown,
  windows: [] as BrowserWindow[],
  utility: [] as Array<{ entry: string; args: string[]; child: ChildProcess }>,
};

class FakeApp extends EventEmitter {
  readonly isPackaged = false;
  exitCode: number | null = null;
  private resolveExit: (code: number) => void = () => undefined;
  readonly exited = new Promise<number>((r) => (this.resolveExit = r));
  enableSandbox(): void {
    if (ready) throw new Error('app.enableSandbox() must be called before ready');
    recorded.sandboxEnabled = true;
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    ready = true;
    return Promise.resolve();
  }
  quit(): void {
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  exit(code = 0): void {
    this.exitCode = code;
    this.resolveExit(code);
  }
}
export const app = new FakeApp();

let nextContentsId = 1;
export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: Array<[string, unknown]> = [];
  windowOpenHandler: ((details: unknown) => unknown) | null = null;
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  setWindowOpenHandler(handler: (details: unknown) => unknown): void {
    this.windowOpenHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  url: string | null = null;
  shown = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    if (!ready) throw new Error('Cannot create BrowserWindow before app is ready');
    recorded.windows.push(this);
    app.emit('web-contents-created', fakeEvent(), this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    queueMicrotask(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show(): void {
    this.shown = true;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
}

export const Menu = {
  buildFromTemplate: (template: unknown) => ({ template }),
  setApplicationMenu: (menu: unknown) => void (recorded.menu = menu),
};

type Listener = (event: unknown, ...args: unknown[]) => unknown;
export const ipcMain = {
  handlers: new Map<string, Listener>(),
  listeners: new Map<string, Listener>(),
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  },
  on(channel: string, listener: Listener): void {
    this.listeners.set(channel, listener);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    recorded.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response> | Response): void {
    if (!ready) throw new Error('protocol.handle before app is ready');
    recorded.protocolHandlers.set(scheme, handler);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (h: typeof recorded.permissionRequest) => void (recorded.permissionRequest = h),
    setPermissionCheckHandler: (h: typeof recorded.permissionCheck) => void (recorded.permissionCheck = h),
    webRequest: { onHeadersReceived: (h: typeof recorded.headersReceived) => void (recorded.headersReceived = h) },
  },
};

export const utilityProcess = {
  fork(entry: string, args: string[] = []) {
    const child = fork(entry, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    recorded.utility.push({ entry, args, child });
    const port = new EventEmitter() as EventEmitter & { postMessage(m: unknown): void; kill(): boolean; pid: number | undefined };
    child.on('message', (m) => port.emit('message', m));
    child.on('exit', (code) => port.emit('exit', code ?? -1));
    port.postMessage = (m) => void child.send(m as object);
    port.kill = () => child.kill('SIGKILL');
    port.pid = child.pid;
    return port;
  },
};
