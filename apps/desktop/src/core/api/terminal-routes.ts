/**
 * The terminal part of the local API (contract: ROUTES terminals … closeTerminal, TERMINAL_PATH):
 * HTTP routes under /terminals and the per-session byte socket. The socket replays the last
 * ATTACH_REPLAY_BYTES of the session's output first, so a viewer that connects after opening (or
 * reconnects) sees the prompt and the screen's recent past.
 */
import type { WebSocket } from 'ws';
import { TERMINAL_RECORDING_MAX_PAGE_BYTES, TERMINAL_RECORDING_PAGE_BYTES, type RouteResponses, type TerminalClientMessage, type TerminalServerEvent } from '@cerebro/shared/api/contract';
import { MAX_TERMINAL_CHUNK_BYTES } from '@cerebro/shared/protocol/terminal';
import type { TerminalBroker } from '../terminals/broker';
import { TerminalError } from '../terminals/broker';

/** Output replayed to a viewer when it attaches, bytes. */
const ATTACH_REPLAY_BYTES = 256 * 1024;
/** A viewer that answers no ping for two periods is dropped, ms. */
const PING_MS = 15_000;

/** A non-negative integer query parameter, `fallback` when absent; TerminalError BAD_REQUEST otherwise. */
function intParam(params: URLSearchParams | undefined, name: string, fallback: number, max: number): number {
  const raw = params?.get(name);
  if (raw === null || raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n > max) throw new TerminalError('BAD_REQUEST', `"${name}" must be a whole number of bytes from 0 to ${max}, got ${JSON.stringify(raw.slice(0, 32))}`);
  return n;
}

/** GET (body null) or POST of /terminals…; throws TerminalError (mapped to API errors by the server). */
export function terminalRoute(broker: TerminalBroker, parts: readonly string[], body: Record<string, unknown> | null, params?: URLSearchParams): unknown {
  if (body === null) {
    if (parts.length === 1) return { sessions: broker.list(), idleTimeoutMs: broker.idleMs } satisfies RouteResponses['terminals'];
    if (parts.length === 3 && parts[2] === 'recording') {
      const offset = intParam(params, 'offset', 0, Number.MAX_SAFE_INTEGER);
      const limit = Math.max(1, intParam(params, 'limit', TERMINAL_RECORDING_PAGE_BYTES, TERMINAL_RECORDING_MAX_PAGE_BYTES));
      return broker.recording(parts[1] as string, { offset, limit }) satisfies RouteResponses['terminalRecording'];
    }
    throw new TerminalError('NOT_FOUND', `no route /${parts.join('/')}; terminal routes are GET /terminals and /terminals/:sid/recording`);
  }
  if (parts.length === 1) {
    const { hostId, cols = 80, rows = 24, by = 'operator', user } = body;
    if (typeof hostId !== 'string' || hostId.length === 0 || hostId.length > 256) throw new TerminalError('BAD_REQUEST', 'body must be {"hostId": "...", "cols"?: N, "rows"?: N, "by"?: "name", "user"?: "account"}');
    if (typeof by !== 'string' || by.length === 0 || by.length > 128) throw new TerminalError('BAD_REQUEST', '"by" must be a string of 1 to 128 characters (who opens the terminal)');
    if (user !== undefined && typeof user !== 'string') throw new TerminalError('BAD_REQUEST', '"user" must be an account name');
    return broker.open({ hostId, cols: cols as number, rows: rows as number, by, ...(user ? { user } : {}) }) satisfies Promise<RouteResponses['openTerminal']>;
  }
  if (parts.length === 3 && parts[2] === 'close') return broker.close(parts[1] as string, 'closed by the operator') satisfies RouteResponses['closeTerminal'];
  throw new TerminalError('NOT_FOUND', `no POST route /${parts.join('/')}; POST takes /terminals and /terminals/:sid/close`);
}

function event(ws: WebSocket, e: TerminalServerEvent): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(e));
}

/** The byte socket of one session (already authenticated by the server). */
export function attachTerminalSocket(broker: TerminalBroker, ws: WebSocket, sid: string, log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void): void {
  const session = broker.get(sid);
  if (!session || session.state !== 'open') {
    event(ws, { type: 'error', message: session ? `terminal session ${sid} has ended (${session.reason ?? 'closed'})` : `no terminal session ${JSON.stringify(sid.slice(0, 64))}` });
    ws.close(1000, 'no such session');
    return;
  }
  event(ws, { type: 'attached', session });
  try {
    const past = Buffer.from(broker.recentOutput(sid, 2 * ATTACH_REPLAY_BYTES));
    const from = Math.max(0, past.byteLength - ATTACH_REPLAY_BYTES);
    for (let at = from; at < past.byteLength; at += MAX_TERMINAL_CHUNK_BYTES) ws.send(past.subarray(at, Math.min(past.byteLength, at + MAX_TERMINAL_CHUNK_BYTES)));
  } catch (e) {
    log('warn', `terminal ${sid}: cannot replay its output to a new viewer: ${(e as Error).message}`);
  }
  let detach: () => void;
  try {
    detach = broker.attach(sid, {
      output: (data) => {
        if (ws.readyState === ws.OPEN) ws.send(data);
      },
      exit: (code, reason) => {
        event(ws, { type: 'exit', code, reason });
        ws.close(1000, 'session ended');
      },
      backlog: () => ws.bufferedAmount,
    });
  } catch (e) {
    event(ws, { type: 'error', message: (e as Error).message });
    ws.close(1000, 'no such session');
    return;
  }
  let alive = true;
  const pinger = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, PING_MS);
  pinger.unref();
  ws.on('pong', () => (alive = true));
  ws.on('close', () => {
    clearInterval(pinger);
    detach();
  });
  ws.on('message', (data, isBinary) => {
    alive = true;
    try {
      if (isBinary) {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        broker.input(sid, bytes);
        return;
      }
      const msg = JSON.parse(data.toString()) as TerminalClientMessage;
      if (msg.op === 'resize') broker.resize(sid, msg.cols, msg.rows);
      else if (msg.op === 'close') broker.close(sid, 'closed by the operator');
      else throw new TerminalError('BAD_REQUEST', 'unknown op: text frames are {"op":"resize","cols":N,"rows":N} or {"op":"close"}; keystrokes go in binary frames');
    } catch (e) {
      event(ws, { type: 'error', message: e instanceof TerminalError || e instanceof SyntaxError ? e.message : `terminal request failed: ${(e as Error).message}` });
    }
  });
}
