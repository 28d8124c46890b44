/**
 * The one way views reach the console: typed requests of the contract's routes and live subscriptions.
 * Browser mode implements it over the core's HTTP + WebSocket API (browser-transport.ts); the Electron
 * shell will implement it over preload IPC. Views and stores never know which one they hold.
 */
import type { LogLevel } from '@cerebro/shared/protocol/messages';
import type { AlertActionRoute, ApiErrorCode, LiveEvent, RouteName, RouteRequests, RouteResponses, TerminalClientMessage, TerminalServerEvent } from '@cerebro/shared/api/contract';

/** What a live subscription asks for: the contract's subscribe requests without op and id. */
export type LiveTopic =
  | { readonly topic: 'hosts' }
  | { readonly topic: 'alerts' }
  | { readonly topic: 'incidents' }
  | { readonly topic: 'samples'; readonly hostId: string; readonly keys?: readonly string[] }
  | { readonly topic: 'logs'; readonly hostId?: string; readonly levels?: readonly LogLevel[] }
  /** Model host status and load progress (the current status first). */
  | { readonly topic: 'models' }
  /** Diagnosis (and plan, and Ask) tokens and records; of one incident or ask id, or all. */
  | { readonly topic: 'diagnosis'; readonly incidentId?: string };

/** POST routes of the agents (models, diagnosis, plan hand-off, Ask). */
export type AgentPostRoute = 'loadModel' | 'unloadModel' | 'diagnose' | 'planDryRun' | 'planExecute' | 'ask';

/** Events a subscriber receives: those of its own subscription (including errors about it). */
export type LiveMessage = LiveEvent;

/** connecting: first attempt or retrying; open: live; offline: waiting before the next attempt. */
export type ConnectionState = 'connecting' | 'open' | 'offline';

export interface ConnectionInfo {
  readonly state: ConnectionState;
  /** Why the last connection failed or closed, for the status bar. */
  readonly reason: string | null;
  /** When the next attempt starts (offline only), ms since the epoch. */
  readonly retryAtMs: number | null;
}

export interface RequestParams {
  readonly hostId?: string;
  readonly query?: Readonly<Record<string, string | number>>;
}

/** A failed request: the API's error code, NETWORK (console unreachable) or NO_TOKEN (UI opened without one). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: ApiErrorCode | 'NETWORK' | 'NO_TOKEN',
    message: string,
  ) {
    super(message);
  }
}

export type Unsubscribe = () => void;

/** What a terminal connection reports (transport-neutral: a WebSocket in a browser, IPC in the desktop app). */
export interface TerminalHandlers {
  open(): void;
  data(bytes: Uint8Array): void;
  event(e: TerminalServerEvent): void;
  /** The connection ended (`reason`: why). */
  closed(reason: string): void;
}

/** A connected terminal session: keystrokes and control messages go out through it. */
export interface TerminalChannel {
  /** Keystrokes or pasted text, any size (split into frames the console accepts). */
  input(bytes: Uint8Array): void;
  control(message: TerminalClientMessage): void;
  close(): void;
}

/** Most bytes of one terminal input frame (the console refuses frames over 64 KiB). */
export const TERMINAL_INPUT_FRAME_BYTES = 32 * 1024;

export interface Transport {
  request<N extends RouteName>(name: N, params?: RequestParams): Promise<RouteResponses[N]>;
  /** An operator action on an alert (POST); the change also arrives on the `alerts` topic. */
  act<N extends AlertActionRoute>(name: N, alertId: string, body: RouteRequests[N]): Promise<RouteResponses[N]>;
  /** An agents POST (`id`: the incident id of the route, when it has one). */
  agentPost<N extends AgentPostRoute>(name: N, id: string | undefined, body: RouteRequests[N]): Promise<RouteResponses[N]>;
  /** Any POST route of the contract (remediation: dry run, execute, approve, kill switch); `id` fills `:id`. */
  post<N extends keyof RouteRequests>(name: N, id: string | undefined, body: RouteRequests[N]): Promise<RouteResponses[N]>;
  /** Connect to a terminal session's bytes (opened with the `openTerminal` route). */
  openTerminal(sid: string, on: TerminalHandlers): TerminalChannel;
  /** Subscribe to a live topic; re-subscribed by the transport after every reconnect. */
  subscribe(topic: LiveTopic, onEvent: (event: LiveMessage) => void): Unsubscribe;
  /** Follow the connection of the live channel; called at once with the current state. */
  onConnection(listener: (info: ConnectionInfo) => void): Unsubscribe;
  close(): void;
}
