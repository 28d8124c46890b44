/**
 * Transport over the desktop shell's preload API (`window.cerebro`): requests and live subscriptions go
 * to Electron's main process, which proxies them to the core with the session token the page never
 * holds. Same behaviour as the browser transport: subscriptions are re-sent whenever the live channel
 * (re)opens, and failures arrive as TransportError.
 */
import type { AlertActionRoute, LiveEvent, RouteName, RouteRequests, RouteResponses } from '@cerebro/shared/api/contract';
import type { LiveConnection } from '@cerebro/shared/api/ipc';
import type { CerebroApi } from '../../preload/api';
import { TERMINAL_INPUT_FRAME_BYTES, TransportError, type TerminalChannel, type TerminalHandlers, type AgentPostRoute, type ConnectionInfo, type LiveMessage, type LiveTopic, type RequestParams, type Transport, type Unsubscribe } from './transport';

declare global {
  interface Window {
    /** Present only in the desktop app (exposed by the preload). */
    readonly cerebro?: CerebroApi;
  }
}

interface Subscription {
  readonly topic: LiveTopic;
  readonly onEvent: (event: LiveMessage) => void;
}

export class IpcTransport implements Transport {
  private readonly subs = new Map<string, Subscription>();
  private readonly listeners = new Set<(info: ConnectionInfo) => void>();
  private info: ConnectionInfo = { state: 'connecting', reason: null, retryAtMs: null };
  private nextId = 1;
  private readonly detach: Unsubscribe[];
  /** Whether main pushed a state yet: a pushed state is newer than open()'s answer. */
  private pushed = false;

  constructor(private readonly api: CerebroApi) {
    this.detach = [
      api.live.onEvent((e) => this.dispatch(e)),
      api.live.onState((s) => {
        this.pushed = true;
        this.setInfo(s);
      }),
    ];
    api.live.open().then(
      (s) => {
        if (!this.pushed) this.setInfo(s);
      },
      (e: unknown) => this.setInfo({ state: 'offline', reason: `the desktop shell refused the live channel (${(e as Error).message})`, retryAtMs: null }),
    );
  }

  request<N extends RouteName>(name: N, params: RequestParams = {}): Promise<RouteResponses[N]> {
    return this.invoke(name, params);
  }

  act<N extends AlertActionRoute>(name: N, alertId: string, body: RouteRequests[N]): Promise<RouteResponses[N]> {
    return this.invoke(name, { hostId: alertId, body });
  }

  openTerminal(sid: string, on: TerminalHandlers): TerminalChannel {
    let open = false;
    let closed = false;
    const off = this.api.terminal.onEvent((e) => {
      if (e.sid !== sid || closed) return;
      if ('data' in e) on.data(e.data);
      else if ('event' in e) on.event(e.event);
      else {
        closed = true;
        off();
        on.closed(e.closed);
      }
    });
    this.api.terminal.open(sid).then(
      (r) => {
        if (r.ok) {
          open = true;
          on.open();
        } else {
          closed = true;
          off();
          on.closed(r.error.message);
        }
      },
      (e: unknown) => on.closed(`the desktop shell refused the terminal (${(e as Error).message})`),
    );
    return {
      input: (bytes) => {
        if (!open || closed) return;
        for (let at = 0; at < bytes.byteLength; at += TERMINAL_INPUT_FRAME_BYTES) this.api.terminal.send({ sid, data: bytes.slice(at, at + TERMINAL_INPUT_FRAME_BYTES) });
      },
      control: (control) => {
        if (open && !closed) this.api.terminal.send({ sid, control });
      },
      // Stops listening; the session stays open (main's socket goes with the window or the session).
      close: () => {
        closed = true;
        off();
      },
    };
  }

  post<N extends keyof RouteRequests>(name: N, id: string | undefined, body: RouteRequests[N]): Promise<RouteResponses[N]> {
    return this.invoke(name, { ...(id === undefined ? {} : { hostId: id }), body });
  }

  agentPost<N extends AgentPostRoute>(name: N, id: string | undefined, body: RouteRequests[N]): Promise<RouteResponses[N]> {
    return this.invoke(name, { ...(id === undefined ? {} : { hostId: id }), body });
  }

  private async invoke<N extends RouteName>(name: N, params: RequestParams & { body?: object }): Promise<RouteResponses[N]> {
    const result = await this.api.request(name, params as Parameters<CerebroApi['request']>[1]);
    if (result.ok) return result.value;
    const { code, message } = result.error;
    // The shell's own codes map onto the transport's: a core it cannot reach is a network failure.
    throw new TransportError(code === 'BAD_MESSAGE' ? 'BAD_REQUEST' : code === 'FORBIDDEN_SENDER' ? 'FORBIDDEN_ORIGIN' : code, message);
  }

  subscribe(topic: LiveTopic, onEvent: (event: LiveMessage) => void): Unsubscribe {
    const id = String(this.nextId++);
    this.subs.set(id, { topic, onEvent });
    this.sendSubscribe(id, topic);
    return () => {
      if (!this.subs.delete(id)) return;
      this.api.live.send({ op: 'unsubscribe', id });
    };
  }

  onConnection(listener: (info: ConnectionInfo) => void): Unsubscribe {
    this.listeners.add(listener);
    listener(this.info);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const d of this.detach) d();
    this.listeners.clear();
  }

  private dispatch(event: LiveEvent): void {
    const sub = event.sub === undefined ? undefined : this.subs.get(event.sub);
    if (sub) sub.onEvent(event);
    else if (event.type === 'error') console.warn(`live channel: ${event.message}`);
  }

  private sendSubscribe(id: string, topic: LiveTopic): void {
    // Sent while the channel is not open it is dropped by main; setInfo re-sends on open.
    if (topic.topic === 'hosts' || topic.topic === 'alerts' || topic.topic === 'incidents') this.api.live.send({ op: 'subscribe', id, topic: topic.topic });
    else if (topic.topic === 'logs') this.api.live.send({ op: 'subscribe', id, ...topic });
    else if (topic.topic === 'models') this.api.live.send({ op: 'subscribe', id, topic: 'models' });
    else if (topic.topic === 'diagnosis') this.api.live.send({ op: 'subscribe', id, topic: 'diagnosis', ...(topic.incidentId !== undefined ? { incidentId: topic.incidentId } : {}) });
    else this.api.live.send({ op: 'subscribe', id, topic: 'samples', hostId: topic.hostId, ...(topic.keys ? { keys: topic.keys } : {}) });
  }

  private setInfo(info: LiveConnection): void {
    const opened = info.state === 'open' && this.info.state !== 'open';
    this.info = info;
    if (opened) for (const [id, s] of this.subs) this.sendSubscribe(id, s.topic);
    for (const l of this.listeners) l(info);
  }
}
