/**
 * Opens the WebSocket to the console. Over wss:// the console's certificate is checked against the pin
 * (trust/pin.ts) when the upgrade response arrives, before the 'open' event and so before the hello or
 * any credential is sent; a mismatch terminates the socket. The upgrade response also carries the
 * console's per-connection challenge, which an enrolled hello signs.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { CHALLENGE_HEADER } from '@cerebro/shared/protocol/canonical';
import { checkPinnedPeer } from '../trust/pin';

export interface ConsoleSocket {
  readonly ws: WebSocket;
  /** The upgrade's challenge (set before 'open'). */
  challenge: string | null;
  /** Why the console was not trusted, when the pin check failed. */
  pinError: string | null;
  /** The pinned CA as PEM, once checked. */
  caPem: string | null;
}

export function openConsoleSocket(url: string, pin: string | null, maxPayload = 16 * 1024 * 1024): ConsoleSocket {
  const secure = url.startsWith('wss://');
  // Chain and names are checked against the pin below, not against a public CA store (which does not apply).
  const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000, maxPayload, ...(secure ? { rejectUnauthorized: false } : {}) });
  ws.binaryType = 'nodebuffer';
  const socket: ConsoleSocket = { ws, challenge: null, pinError: null, caPem: null };
  ws.on('upgrade', (res: IncomingMessage) => {
    const header = res.headers[CHALLENGE_HEADER];
    socket.challenge = typeof header === 'string' ? header : null;
    if (!secure) return;
    const check = pin ? checkPinnedPeer(res.socket as TLSSocket, pin) : { ok: false as const, reason: 'no pinned fingerprint for this console: enrol with a token that carries it' };
    if (check.ok) {
      socket.caPem = check.caPem;
      return;
    }
    socket.pinError = check.reason;
    ws.terminate();
  });
  return socket;
}

/** A readable reason for an upgrade answered with HTTP instead of a WebSocket (426: plaintext to a TLS port). */
export function upgradeRefusal(url: string, res: IncomingMessage, body: string): string {
  if (res.statusCode === 426) return `the console at ${url} refused a plaintext connection: ${body.trim() || 'it serves TLS only'}`;
  return `console answered the WebSocket upgrade with HTTP ${res.statusCode} at ${url}: check the URL`;
}
