/**
 * Transport over the core's local API (browser mode): JSON over HTTP with the bearer token, and one
 * WebSocket for every live subscription, authenticated by the token subprotocol (browsers cannot set
 * headers on a WebSocket). The socket reconnects with backoff and re-sends every subscription. A heartbeat
 * (heartbeat.ts) notices a socket that died without closing (a stopped or unplugged console) within a few
 * seconds, and an attempt that does not open in CONNECT_TIMEOUT_MS is abandoned and retried.
 */
import {
  LIVE_PATH,
  TERMINAL_PATH,
  TERMINAL_SUBPROTOCOL,
  LIVE_SUBPROTOCOL,
  TOKEN_SUBPROTOCOL_PREFIX,
  ROUTES,
  routePath,
  type AlertActionRoute,
  type ApiErrorBody,
  type LiveEvent,
  type LiveRequest,
  type RouteName,
  type RouteRequests,
  type RouteResponses,
  type TerminalServerEvent,
} from '@cerebro/shared/api/contract';
import { backoffMs } from './backoff';
import { Heartbeat } from './heartbeat';
import { TERMINAL_INPUT_FRAME_BYTES, TransportError, type TerminalChannel, type TerminalHandlers, type AgentPostRoute, type ConnectionInfo, type LiveMessage, type LiveTopic, type RequestParams, type Transport, type Unsubscribe } from './transport';

interface Subscription {
  readonly topic: LiveTopic;
  readonly onEvent: (event: LiveMessage) => void;
}

/** How often the heartbeat is checked, ms. */
const TICK_MS = 1_000;
/** An attempt still not open after this is abandoned (a console that accepts TCP but does not answer). */
const CONNECT_TIMEOUT_MS = 5_000;

export class BrowserTransport implements Transport {
  private ws: WebSocket | null = null;
  private readonly subs = new Map<string, Subscription>();
  private readonly listeners = new Set<(info: ConnectionInfo) => void>();
  private info: ConnectionInfo = { state: 'connecting', reason: null, retryAtMs: null };
  private nextId = 1;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private heartbeat: Heartbeat | null = null;
  private pingSeq = 0;
  private closed = false;

  /** `origin`: http://host:port of the console (the page's own origin in browser mode). */
  constructor(
    private readonly origin: string,
    private readonly token: string | null,
  ) {
    if (token === null) this.setInfo({ state: 'offline', reason: 'no session token: open the address printed by "npm start" (it ends in #token=…)', retryAtMs: null });
    else this.connect();
  }

  request<N extends RouteName>(name: N, params: RequestParams = {}): Promise<RouteResponses[N]> {
    return this.fetchRoute(name, params, undefined);
  }

  act<N extends AlertActionRoute>(name: N, alertId: string, body: RouteRequests[N]): Promise<RouteResponses[N]> {
    return this.fetchRoute(name, { hostId: alertId }, body);
  }

  post<N extends keyof RouteRequests>(name: N, id: string | undefined, body: RouteRequests[N]): Promise<RouteResponses[N]> {
    return this.fetchRoute(name, id === undefined ? {} : { hostId: id }, body);
  }

  agentPost<N extends AgentPostRoute>(name: N, id: string | undefined, body: RouteRequests[N]): Promise<RouteResponses[N]> {
    return this.fetchRoute(name, id === undefined ? {} : { hostId: id }, body);
  }

  openTerminal(sid: string, on: TerminalHandlers): TerminalChannel {
    const url = `${this.origin.replace(/^http/, 'ws')}${TERMINAL_PATH}?sid=${encodeURIComponent(sid)}`;
    const ws = new WebSocket(url, [TERMINAL_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + (this.token ?? '')]);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => on.open();
    ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
      if (typeof e.data !== 'string') {
        on.data(new Uint8Array(e.data));
        return;
      }
      try {
        on.event(JSON.parse(e.data) as TerminalServerEvent);
      } catch {
        // the console sends JSON events only
      }
    };
    ws.onclose = (e) => on.closed(`${e.code}${e.reason ? `: ${e.reason}` : ''}`);
    return {
      input: (bytes) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        for (let at = 0; at < bytes.byteLength; at += TERMINAL_INPUT_FRAME_BYTES) ws.send(bytes.subarray(at, at + TERMINAL_INPUT_FRAME_BYTES));
      },
      control: (message) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
      },
      close: () => ws.close(),
    };
  }

  private async fetchRoute<N extends RouteName>(name: N, params: RequestParams, payload: object | undefined): Promise<RouteResponses[N]> {
    if (this.token === null) throw new TransportError('NO_TOKEN', 'this page was opened without a session token: open the address printed by "npm start" (it ends in #token=…)');
    const url = new URL(routePath(name, params.hostId), this.origin);
    for (const [k, v] of Object.entries(params.query ?? {})) url.searchParams.set(k, String(v));
    const post = ROUTES[name].method === 'POST';
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...(post ? { 'content-type': 'application/json' } : {}) };
    let res: Response;
    try {
      res = await fetch(url, { method: post ? 'POST' : 'GET', headers, cache: 'no-store', ...(post ? { body: JSON.stringify(payload ?? {}) } : {}) });
    } catch (e) {
      throw new TransportError('NETWORK', `the console at ${this.origin} cannot be reached (${(e as Error).message}); is it still running?`);
    }
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const err = (body as ApiErrorBody | null)?.error;
      throw new TransportError(err?.code ?? 'INTERNAL', err?.message ?? `${url.pathname} answered ${res.status}`);
    }
    return body as RouteResponses[N];
  }

  subscribe(topic: LiveTopic, onEvent: (event: LiveMessage) => void): Unsubscribe {
    const id = String(this.nextId++);
    this.subs.set(id, { topic, onEvent });
    this.sendSubscribe(id, topic);
    return () => {
      if (!this.subs.delete(id)) return;
      this.send({ op: 'unsubscribe', id });
    };
  }

  onConnection(listener: (info: ConnectionInfo) => void): Unsubscribe {
    this.listeners.add(listener);
    listener(this.info);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopTimers();
    this.ws?.close(1000, 'page closed');
    this.ws = null;
  }

  private connect(): void {
    if (this.closed || this.token === null) return;
    this.setInfo({ state: 'connecting', reason: this.info.reason, retryAtMs: null });
    const url = this.origin.replace(/^http/, 'ws') + LIVE_PATH;
    const ws = new WebSocket(url, [LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + this.token]);
    this.ws = ws;
    this.connectTimer = setTimeout(() => this.abandon(ws, `the console accepted no live connection within ${CONNECT_TIMEOUT_MS / 1000} s`), CONNECT_TIMEOUT_MS);
    ws.onopen = () => {
      this.attempt = 0;
      this.stopTimers();
      this.heartbeat = new Heartbeat(Date.now());
      this.ticker = setInterval(() => this.beat(ws), TICK_MS);
      this.setInfo({ state: 'open', reason: null, retryAtMs: null });
      for (const [id, s] of this.subs) this.sendSubscribe(id, s.topic);
    };
    ws.onmessage = (m) => {
      this.heartbeat?.received(Date.now());
      this.dispatch(m.data);
    };
    ws.onclose = (e) => {
      // The browser hides the HTTP status of a refused upgrade; 1006 right after connecting is the usual sign.
      this.lost(ws, e.code === 1006 ? 'the console closed the live channel or cannot be reached' : `live channel closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
    };
  }

  private beat(ws: WebSocket): void {
    const step = this.heartbeat?.tick(Date.now());
    if (step === 'ping') this.send({ op: 'ping', id: `hb${++this.pingSeq}` });
    else if (step === 'dead') this.abandon(ws, 'the console stopped answering on the live channel');
  }

  /** Gives up a socket that will not tell us it closed (no close frame from a dead peer): retry soon. */
  private abandon(ws: WebSocket, reason: string): void {
    if (this.ws !== ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.close();
    this.lost(ws, reason);
  }

  private lost(ws: WebSocket, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.stopTimers();
    if (this.closed) return;
    const delay = backoffMs(this.attempt++);
    this.setInfo({ state: 'offline', reason, retryAtMs: Date.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private stopTimers(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.ticker) clearInterval(this.ticker);
    this.connectTimer = null;
    this.ticker = null;
    this.heartbeat = null;
  }

  private dispatch(data: unknown): void {
    if (typeof data !== 'string') return;
    let event: LiveEvent;
    try {
      event = JSON.parse(data) as LiveEvent;
    } catch {
      return;
    }
    if (typeof event !== 'object' || event === null) return;
    const sub = event.sub === undefined ? undefined : this.subs.get(event.sub);
    if (sub) sub.onEvent(event);
    else if (event.type === 'error') console.warn(`live channel: ${event.message}`);
  }

  private sendSubscribe(id: string, topic: LiveTopic): void {
    if (topic.topic === 'hosts' || topic.topic === 'alerts' || topic.topic === 'incidents') this.send({ op: 'subscribe', id, topic: topic.topic });
    else if (topic.topic === 'logs') this.send({ op: 'subscribe', id, ...topic });
    else if (topic.topic === 'models') this.send({ op: 'subscribe', id, topic: 'models' });
    else if (topic.topic === 'diagnosis') this.send({ op: 'subscribe', id, topic: 'diagnosis', ...(topic.incidentId !== undefined ? { incidentId: topic.incidentId } : {}) });
    else this.send({ op: 'subscribe', id, topic: 'samples', hostId: topic.hostId, ...(topic.keys ? { keys: topic.keys } : {}) });
  }

  private send(req: LiveRequest): void {
    // Before the socket opens the request is dropped: onopen re-sends every subscription.
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(req));
  }

  private setInfo(info: ConnectionInfo): void {
    this.info = info;
    for (const l of this.listeners) l(info);
  }
}
