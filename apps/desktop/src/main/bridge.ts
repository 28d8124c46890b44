/**
 * Main's proxy to the core's local API: requests go over HTTP and live subscriptions over one WebSocket
 * per window, both with the session token, which stays in this process (the renderer never sees it).
 * Plain Node (fetch + ws), no Electron, so tests can drive it against a real console.
 */
import WebSocket from 'ws';
import { LIVE_PATH, LIVE_SUBPROTOCOL, ROUTES, TERMINAL_PATH, TERMINAL_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, routePath, type ApiErrorBody, type LiveEvent, type LiveRequest, type TerminalServerEvent } from '@cerebro/shared/api/contract';
import type { IpcRequest, IpcResult, LiveConnection, TerminalIpcEvent, TerminalIpcInput } from '@cerebro/shared/api/ipc';

/** Where the core's API listens and its token (from the core process's ready message). */
export interface CoreEndpoint {
  readonly apiUrl: string;
  readonly apiToken: string;
}

/** Answer one request of the contract from the core, as data (an IPC result), never a throw. */
export async function proxyRequest(core: CoreEndpoint, req: IpcRequest): Promise<IpcResult<unknown>> {
  const url = new URL(routePath(req.name, req.hostId), core.apiUrl);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v));
  let res: Response;
  try {
    const post = ROUTES[req.name].method === 'POST';
    const headers: Record<string, string> = { authorization: `Bearer ${core.apiToken}`, ...(post ? { 'content-type': 'application/json' } : {}) };
    res = await fetch(url, { method: post ? 'POST' : 'GET', headers, ...(post ? { body: JSON.stringify(req.body ?? {}) } : {}), signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    return { ok: false, error: { code: 'NETWORK', message: `the console core at ${core.apiUrl} does not answer (${(e as Error).message}); it may have stopped` } };
  }
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const err = (body as ApiErrorBody | null)?.error;
    return { ok: false, error: { code: err?.code ?? 'INTERNAL', message: err?.message ?? `${url.pathname} answered ${res.status}` } };
  }
  return { ok: true, value: body };
}

/** Reconnect delays: 0.5 s doubling to 10 s (the core is local: it is starting or restarting). */
const retryDelayMs = (attempt: number): number => Math.min(10_000, 500 * 2 ** attempt);

/**
 * One window's live channel to the core. Requests sent while it is not open are dropped: the renderer
 * re-sends its subscriptions whenever the state turns `open`, as the browser transport does.
 */
export class LiveBridge {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private connection: LiveConnection = { state: 'connecting', reason: null, retryAtMs: null };

  constructor(
    private readonly endpoint: () => Promise<CoreEndpoint>,
    private readonly onEvent: (event: LiveEvent) => void,
    private readonly onState: (state: LiveConnection) => void,
  ) {
    void this.connect();
  }

  get state(): LiveConnection {
    return this.connection;
  }

  send(req: LiveRequest): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(req));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, 'window closed');
    this.ws = null;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.setState({ state: 'connecting', reason: this.connection.reason, retryAtMs: null });
    let core: CoreEndpoint;
    try {
      core = await this.endpoint();
    } catch (e) {
      this.retry(`the console core is not running (${(e as Error).message})`);
      return;
    }
    if (this.closed) return;
    const ws = new WebSocket(core.apiUrl.replace(/^http/, 'ws') + LIVE_PATH, [LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + core.apiToken], { perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.setState({ state: 'open', reason: null, retryAtMs: null });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        this.onEvent(JSON.parse(data.toString()) as LiveEvent);
      } catch {
        // The core sends JSON only; anything else is dropped rather than handed to the page.
      }
    });
    // 'error' always precedes 'close' here; the close handler reports and retries.
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.retry(`live channel closed (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`);
    });
  }

  private retry(reason: string): void {
    if (this.closed) return;
    const delay = retryDelayMs(this.attempt++);
    this.setState({ state: 'offline', reason, retryAtMs: Date.now() + delay });
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private setState(state: LiveConnection): void {
    this.connection = state;
    this.onState(state);
  }
}

/**
 * One window's terminal byte sockets to the core (TERMINAL_PATH, one per session), holding the token
 * here like the live channel. Output and events go to the window as TerminalIpcEvents.
 */
export class TerminalBridge {
  private readonly sockets = new Map<string, WebSocket>();

  constructor(
    private readonly endpoint: () => Promise<CoreEndpoint>,
    private readonly onEvent: (event: TerminalIpcEvent) => void,
  ) {}

  async open(sid: string): Promise<IpcResult<null>> {
    this.sockets.get(sid)?.close(1000, 'reopened');
    let core: CoreEndpoint;
    try {
      core = await this.endpoint();
    } catch (e) {
      return { ok: false, error: { code: 'NETWORK', message: `the console core is not running (${(e as Error).message})` } };
    }
    const ws = new WebSocket(`${core.apiUrl.replace(/^http/, 'ws')}${TERMINAL_PATH}?sid=${encodeURIComponent(sid)}`, [TERMINAL_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + core.apiToken], { perMessageDeflate: false });
    this.sockets.set(sid, ws);
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) {
        this.onEvent({ sid, data: new Uint8Array(bytes) });
        return;
      }
      try {
        this.onEvent({ sid, event: JSON.parse(bytes.toString()) as TerminalServerEvent });
      } catch {
        // The core sends JSON only; anything else is dropped rather than handed to the page.
      }
    });
    ws.on('close', (code, reason) => {
      if (this.sockets.get(sid) === ws) this.sockets.delete(sid);
      this.onEvent({ sid, closed: `${code}${reason.length > 0 ? `: ${reason.toString()}` : ''}` });
    });
    return new Promise((resolve) => {
      ws.once('open', () => resolve({ ok: true, value: null }));
      ws.once('error', (e) => resolve({ ok: false, error: { code: 'NETWORK', message: `cannot reach the terminal of session ${sid}: ${e.message}` } }));
    });
  }

  send(input: TerminalIpcInput): void {
    const ws = this.sockets.get(input.sid);
    if (ws?.readyState !== WebSocket.OPEN) return;
    if ('data' in input) ws.send(input.data);
    else ws.send(JSON.stringify(input.control));
  }

  close(): void {
    for (const ws of this.sockets.values()) ws.close(1000, 'window closed');
    this.sockets.clear();
  }
}
