/**
 * The one way views reach the console: typed requests of the contract's routes and live subscriptions.
 * Browser mode implements it over the core's HTTP + WebSocket API (browser-transport.ts); the Electron
 * shell will implement it over preload IPC. Views and stores never know which one they hold.
 */
import type { LogLevel } from '@cerebro/shared/protocol/messages';
import type { AlertActionRoute, ApiErrorCode, LiveEvent, RouteName, RouteRequests, RouteResponses } from '@cerebro/shared/api/contract';

/** What a live subscription asks for: the contract's subscribe requests without op and id. */
export type LiveTopic =
  | { readonly topic: 'hosts' }
  | { readonly topic: 'alerts' }
  | { readonly topic: 'incidents' }
  | { readonly topic: 'samples'; readonly hostId: string; readonly keys?: readonly string[] }
  | { readonly topic: 'logs'; readonly hostId?: string; readonly levels?: readonly LogLevel[] };

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

export interface Transport {
  request<N extends RouteName>(name: N, params?: RequestParams): Promise<RouteResponses[N]>;
  /** An operator action on an alert (POST); the change also arrives on the `alerts` topic. */
  act<N extends AlertActionRoute>(name: N, alertId: string, body: RouteRequests[N]): Promise<RouteResponses[N]>;
  /** Subscribe to a live topic; re-subscribed by the transport after every reconnect. */
  subscribe(topic: LiveTopic, onEvent: (event: LiveMessage) => void): Unsubscribe;
  /** Follow the connection of the live channel; called at once with the current state. */
  onConnection(listener: (info: ConnectionInfo) => void): Unsubscribe;
  close(): void;
}
