/**
 * The canonical encoding that signatures cover. Both sides must produce the same text for the same
 * logical message, whatever msgpack did to it on the way (key order, ints decoded as floats), so the
 * signed bytes are not the frame: they are this JSON text with keys sorted, no whitespace and no
 * undefined fields, behind a domain-separation line so that a signature made for one purpose
 * (a command) can never be passed off as another (a hello).
 *
 * Only plain data is allowed (null, booleans, finite numbers, strings, arrays, plain maps): binary,
 * NaN or ±Infinity have no canonical JSON form, so they are refused with the path of the offending value
 * instead of being encoded ambiguously.
 */
import { err, ok, type Result } from '../result';
import type { CommandEnvelope, Hello } from './messages';

class NotCanonical extends Error {}

function encode(value: unknown, path: string, depth: number): string {
  if (depth > 32) throw new NotCanonical(`${path}: nested deeper than 32 levels`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NotCanonical(`${path}: ${String(value)} has no canonical form; use a finite number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => encode(v, `${path}[${i}]`, depth + 1)).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v, `${path}.${k}`, depth + 1)}`).join(',')}}`;
  }
  const kind = value instanceof Uint8Array ? 'binary data' : typeof value === 'object' ? 'an object that is not a plain map' : typeof value;
  throw new NotCanonical(`${path}: ${kind} cannot be signed; send plain JSON-like data (binary as base64 text)`);
}

/** Canonical JSON of `value`, or an error naming the value that has no canonical form. */
export function canonicalJson(value: unknown, path = 'value'): Result<string, string> {
  try {
    return ok(encode(value, path, 0));
  } catch (e) {
    if (e instanceof NotCanonical) return err(e.message);
    throw e;
  }
}

/** What the console signs for a command: every envelope field except `sig` and `type`, plus the target host. */
export function commandSigningInput(cmd: Omit<CommandEnvelope, 'sig' | 'type'>, hostId: string): Result<string, string> {
  const body = canonicalJson({ host: hostId, id: cmd.id, kind: cmd.kind, issuedAtMs: cmd.issuedAtMs, expiresAtMs: cmd.expiresAtMs, nonce: cmd.nonce, payload: cmd.payload ?? null }, 'command');
  return body.ok ? ok(`cerebro-command-v1\n${body.value}`) : body;
}

/**
 * What an enrolled collector signs in its hello: the console's per-connection challenge and the fields
 * that say who is connecting, so a signature proves "this key, on this connection, for this host".
 */
export function helloSigningInput(challenge: string, hello: Pick<Hello, 'hostId' | 'epoch'>, credentialId: string): string {
  return `cerebro-hello-v1\n${JSON.stringify(challenge)}\n${JSON.stringify(hello.hostId)}\n${JSON.stringify(credentialId)}\n${JSON.stringify(hello.epoch)}`;
}

/** HTTP header of the WebSocket upgrade response that carries the console's per-connection challenge. */
export const CHALLENGE_HEADER = 'x-cerebro-challenge';
