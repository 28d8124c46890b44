/**
 * The desktop shell's IPC surface, one typed descriptor shared by the preload (which exposes it),
 * Electron's main process (which handles it by proxying to the core's local API, contract.ts) and the
 * renderer's IPC transport. The session token of the local API stays in main: nothing here carries it.
 *
 * Every message crossing into main is `unknown` until one of the parse functions below turns it into a
 * typed value or a typed error (the preload runs in the page's renderer process, so main must treat it
 * as untrusted).
 */
import { API_ERRORS, ROUTES, type LiveEvent, type LiveRequest, type RouteName, type RouteResponses, type TerminalClientMessage, type TerminalServerEvent } from './contract';

/** Channel names; the preload may use these and no others. */
export const IPC_CHANNELS = {
  /** invoke: `{ name, params }` → IpcResult of the route's response. */
  request: 'cerebro:api:request',
  /** invoke: no argument → the live channel's current LiveConnection; main opens the channel if needed. */
  liveOpen: 'cerebro:live:open',
  /** send: one LiveRequest for the core's live channel (dropped while it is not open; resend on open). */
  liveSend: 'cerebro:live:send',
  /** main → renderer: one LiveEvent from the core. */
  liveEvent: 'cerebro:live:event',
  /** main → renderer: the live channel's LiveConnection after each change. */
  liveState: 'cerebro:live:state',
  /** invoke: a terminal session id → IpcResult<null> once main holds the session's byte socket. */
  terminalOpen: 'cerebro:terminal:open',
  /** send: one TerminalIpcInput (keystrokes or a control message) for an opened session. */
  terminalSend: 'cerebro:terminal:send',
  /** main → renderer: one TerminalIpcEvent (output, an event, or the socket closed). */
  terminalEvent: 'cerebro:terminal:event',
} as const;

export type IpcChannel = (typeof IPC_CHANNELS)[keyof typeof IPC_CHANNELS];

/** Channels the renderer invokes (answered) or sends (fire and forget): main handles exactly these. */
export const INVOKE_CHANNELS = [IPC_CHANNELS.request, IPC_CHANNELS.liveOpen, IPC_CHANNELS.terminalOpen] as const;
export const SEND_CHANNELS = [IPC_CHANNELS.liveSend, IPC_CHANNELS.terminalSend] as const;
/** Channels main pushes to the renderer: the preload listens on exactly these. */
export const PUSH_CHANNELS = [IPC_CHANNELS.liveEvent, IPC_CHANNELS.liveState, IPC_CHANNELS.terminalEvent] as const;

/** Renderer → main: keystrokes (at most 32 KiB) or a control message for terminal session `sid`. */
export type TerminalIpcInput = { readonly sid: string; readonly data: Uint8Array } | { readonly sid: string; readonly control: TerminalClientMessage };
/** Main → renderer: output of `sid`, one of its events, or its socket closed (`closed`: why). */
export type TerminalIpcEvent = { readonly sid: string; readonly data: Uint8Array } | { readonly sid: string; readonly event: TerminalServerEvent } | { readonly sid: string; readonly closed: string };

export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];
export type SendChannel = (typeof SEND_CHANNELS)[number];
export type PushChannel = (typeof PUSH_CHANNELS)[number];

/** IPC failures, each with a one-line meaning; the API's own codes pass through unchanged. */
export const IPC_ERRORS = {
  ...API_ERRORS,
  NETWORK: { status: 503, meaning: 'The console core cannot be reached (starting, stopped or crashed).' },
  BAD_MESSAGE: { status: 400, meaning: 'The IPC message failed validation in main.' },
  FORBIDDEN_SENDER: { status: 403, meaning: 'The message came from a frame that is not the app window.' },
} as const;

export type IpcErrorCode = keyof typeof IPC_ERRORS;

export interface IpcError {
  readonly code: IpcErrorCode;
  readonly message: string;
}

/** Errors are data across processes: an invoke never rejects, it answers one of these. */
export type IpcResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };

/** connecting: first attempt or retrying; open: live; offline: waiting before the next attempt. */
export interface LiveConnection {
  readonly state: 'connecting' | 'open' | 'offline';
  /** Why the last attempt failed or the channel closed. */
  readonly reason: string | null;
  /** When the next attempt starts (offline only), ms since the epoch. */
  readonly retryAtMs: number | null;
}

/** What `request` carries: a route of the contract and its parameters. */
export interface IpcRequest {
  readonly name: RouteName;
  /** The host id of `:host` routes, or the alert id of `:id` routes. */
  readonly hostId?: string;
  readonly query?: Readonly<Record<string, string | number>>;
  /** JSON body of a POST route (RouteRequests), at most MAX_BODY_CHARS when serialised. */
  readonly body?: Readonly<Record<string, unknown>>;
}

export type IpcResponse<N extends RouteName> = IpcResult<RouteResponses[N]>;

/** What a push channel carries. */
export interface PushPayloads {
  readonly [IPC_CHANNELS.liveEvent]: LiveEvent;
  readonly [IPC_CHANNELS.liveState]: LiveConnection;
  readonly [IPC_CHANNELS.terminalEvent]: TerminalIpcEvent;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };

const bad = (message: string): Parsed<never> => ({ ok: false, error: { code: 'BAD_MESSAGE', message } });
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Longest host id or query value accepted, characters; real ones are far shorter. */
const MAX_STRING = 512;
const MAX_QUERY_KEYS = 8;
const MAX_KEYS = 1024;
/** Largest POST body forwarded, characters of JSON (the core accepts 16 KiB). */
const MAX_BODY_CHARS = 8192;

/** Validate the argument of `request`. */
export function parseIpcRequest(raw: unknown): Parsed<IpcRequest> {
  if (!isRecord(raw)) return bad('request: expected an object { name, hostId?, query? }');
  const { name, hostId, query, body } = raw;
  if (typeof name !== 'string' || !Object.hasOwn(ROUTES, name)) return bad(`request: unknown route ${JSON.stringify(name)}; routes: ${Object.keys(ROUTES).join(', ')}`);
  if (hostId !== undefined && (typeof hostId !== 'string' || hostId.length === 0 || hostId.length > MAX_STRING)) return bad('request: hostId must be a non-empty string');
  const route = ROUTES[name as RouteName];
  const path: string = route.path;
  const needsHost = path.includes(':host') || path.includes(':id');
  const parsedBody = parseBody(body, route.method === 'POST');
  if (!parsedBody.ok) return parsedBody;
  if (needsHost !== (hostId !== undefined)) return bad(`request: route ${name} ${needsHost ? 'needs' : 'takes no'} hostId`);
  let q: Record<string, string | number> | undefined;
  if (query !== undefined) {
    if (!isRecord(query)) return bad('request: query must be an object of strings and numbers');
    const entries = Object.entries(query);
    if (entries.length > MAX_QUERY_KEYS) return bad(`request: at most ${MAX_QUERY_KEYS} query parameters`);
    q = {};
    for (const [k, v] of entries) {
      const ok = (typeof v === 'string' && v.length <= MAX_STRING) || (typeof v === 'number' && Number.isFinite(v));
      if (!ok || k.length > 64) return bad(`request: query parameter ${JSON.stringify(k)} must be a string or a finite number`);
      q[k] = v as string | number;
    }
  }
  const b = parsedBody.value;
  return { ok: true, value: { name: name as RouteName, ...(hostId !== undefined ? { hostId: hostId as string } : {}), ...(q ? { query: q } : {}), ...(b ? { body: b } : {}) } };
}

/** A POST route's body: a small plain JSON object (absent: {}); GET routes take none. */
function parseBody(body: unknown, post: boolean): Parsed<Readonly<Record<string, unknown>> | undefined> {
  if (body === undefined) return { ok: true, value: undefined };
  if (!post) return bad('request: only POST routes (the alert actions) take a body');
  if (!isRecord(body)) return bad('request: body must be a JSON object');
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch {
    return bad('request: body must be plain JSON');
  }
  if (text.length > MAX_BODY_CHARS) return bad(`request: body over ${MAX_BODY_CHARS} characters`);
  return { ok: true, value: JSON.parse(text) as Record<string, unknown> };
}

/** The live `logs` topic: optional hostId and levels (the core checks the level names again). */
function logsSubscription(op: 'subscribe', id: string, raw: Record<string, unknown>): Parsed<LiveRequest> {
  const { hostId, levels } = raw;
  if (hostId !== undefined && (typeof hostId !== 'string' || hostId.length === 0 || hostId.length > MAX_STRING)) return bad('live: logs hostId must be a short non-empty string');
  if (levels !== undefined && (!Array.isArray(levels) || levels.length > 8 || !levels.every((l) => typeof l === 'string' && l.length <= 16))) return bad('live: logs levels must be an array of level names');
  return { ok: true, value: { op, id, topic: 'logs', ...(hostId !== undefined ? { hostId: hostId as string } : {}), ...(levels !== undefined ? { levels: levels as LiveLogLevels } : {}) } };
}

type LiveLogLevels = Extract<LiveRequest, { topic: 'logs' }>['levels'];

/** Validate a terminal session id from the renderer. */
export function parseTerminalSid(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(raw) ? { ok: true, value: raw } : bad('terminal: the session id must be 8–64 characters of [A-Za-z0-9_-]');
}

/** Validate terminal input from the renderer before main forwards it to the core. */
export function parseTerminalInput(raw: unknown): Parsed<TerminalIpcInput> {
  if (!isRecord(raw)) return bad('terminal: expected {sid, data} or {sid, control}');
  const sid = parseTerminalSid(raw['sid']);
  if (!sid.ok) return sid;
  const { data, control } = raw;
  if (data !== undefined) {
    if (!(data instanceof Uint8Array) || data.byteLength > 32 * 1024) return bad('terminal: data must be binary of at most 32 KiB');
    return { ok: true, value: { sid: sid.value, data } };
  }
  if (!isRecord(control)) return bad('terminal: control must be {"op":"resize","cols":N,"rows":N} or {"op":"close"}');
  if (control['op'] === 'close') return { ok: true, value: { sid: sid.value, control: { op: 'close' } } };
  const { cols, rows } = control;
  if (control['op'] !== 'resize' || !Number.isInteger(cols) || !Number.isInteger(rows) || (cols as number) < 1 || (rows as number) < 1 || (cols as number) > 1000 || (rows as number) > 500) return bad('terminal: resize needs integer cols (1–1000) and rows (1–500)');
  return { ok: true, value: { sid: sid.value, control: { op: 'resize', cols: cols as number, rows: rows as number } } };
}

/** Validate a LiveRequest from the renderer before main forwards it to the core. */
export function parseLiveRequest(raw: unknown): Parsed<LiveRequest> {
  if (!isRecord(raw)) return bad('live: expected a request object');
  const { op, id } = raw;
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) return bad('live: id must be a short non-empty string');
  if (op === 'unsubscribe' || op === 'ping') return { ok: true, value: { op, id } };
  if (op !== 'subscribe') return bad(`live: op must be subscribe, unsubscribe or ping, got ${JSON.stringify(op)}`);
  if (raw['topic'] === 'hosts' || raw['topic'] === 'alerts' || raw['topic'] === 'incidents' || raw['topic'] === 'models') return { ok: true, value: { op, id, topic: raw['topic'] } };
  if (raw['topic'] === 'diagnosis') {
    const incidentId = raw['incidentId'];
    if (incidentId !== undefined && (typeof incidentId !== 'string' || incidentId.length === 0 || incidentId.length > MAX_STRING)) return bad('live: incidentId must be a non-empty string');
    return { ok: true, value: { op, id, topic: 'diagnosis', ...(incidentId !== undefined ? { incidentId: incidentId as string } : {}) } };
  }
  if (raw['topic'] === 'logs') return logsSubscription(op, id, raw);
  if (raw['topic'] !== 'samples') return bad('live: topic must be hosts, alerts, incidents, samples, logs, models or diagnosis');
  const hostId = raw['hostId'];
  if (typeof hostId !== 'string' || hostId.length === 0 || hostId.length > MAX_STRING) return bad('live: samples needs a hostId');
  const keys = raw['keys'];
  if (keys === undefined) return { ok: true, value: { op, id, topic: 'samples', hostId } };
  if (!Array.isArray(keys) || keys.length > MAX_KEYS || !keys.every((k) => typeof k === 'string' && k.length <= MAX_STRING)) return bad('live: keys must be an array of strings');
  return { ok: true, value: { op, id, topic: 'samples', hostId, keys: keys as string[] } };
}
