/**
 * `cerebro-collector enroll <console-url> <token>`: over TLS only, check the console's certificate against
 * the fingerprint the token carries (or --fingerprint; they must agree), then trade the one-time token and
 * a freshly generated Ed25519 public key for a credential id and the console's command key. The private
 * key never leaves the host; everything is saved 0600 in the state directory for `run`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type EnrolRequest, type Enrolled } from '@cerebro/shared/protocol/messages';
import { openConsoleSocket, upgradeRefusal } from '../link/console-socket';
import { saveCredential, type StoredCredential } from './credential';
import { normaliseFingerprint } from './pin';

export class EnrolError extends Error {
  override readonly name = 'EnrolError';
}

export interface EnrolOptions {
  readonly url: string;
  readonly token: string;
  readonly fingerprint?: string | undefined;
  readonly hostId: string;
  readonly hostname: string;
  readonly stateDir: string;
  readonly agentVersion: string;
  readonly timeoutMs?: number;
}

/** The pin carried in a `cbe1.<secret>.<pin>` token, as hex, or null. */
export function tokenPin(token: string): string | null {
  const m = /^cbe1\.[A-Za-z0-9_-]{32}\.([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? Buffer.from(m[1] as string, 'base64url').toString('hex') : null;
}

function choosePin(token: string, fingerprint: string | undefined): string {
  const fromToken = tokenPin(token);
  if (!fromToken) throw new EnrolError('the token is not an enrolment token (expected cbe1.… as printed by `cerebro-console enroll-token create`)');
  if (fingerprint === undefined) return fromToken;
  const given = normaliseFingerprint(fingerprint);
  if (!given) throw new EnrolError(`--fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed), got "${fingerprint}"`);
  if (given !== fromToken) throw new EnrolError('--fingerprint does not match the fingerprint inside the token: one of them was mistyped or tampered with; nothing was sent');
  return given;
}

/** Enrol; resolves with what was saved, rejects with an EnrolError saying what went wrong. */
export function enrol(o: EnrolOptions): Promise<StoredCredential> {
  if (!o.url.startsWith('wss://')) return Promise.reject(new EnrolError(`enrolment needs TLS: give the console's wss:// URL, got "${o.url}"`));
  let pin: string;
  try {
    pin = choosePin(o.token, o.fingerprint);
  } catch (e) {
    return Promise.reject(e as Error);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const socket = openConsoleSocket(o.url, pin);
  const ws = socket.ws;
  return new Promise<StoredCredential>((resolve, reject) => {
    let settled = false;
    const done = (error: Error | null, value?: StoredCredential): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      if (error) reject(error);
      else resolve(value as StoredCredential);
    };
    const timer = setTimeout(() => done(new EnrolError(`no answer from ${o.url} within ${o.timeoutMs ?? 15_000} ms`)), o.timeoutMs ?? 15_000);
    ws.on('open', () => {
      const req: EnrolRequest = { type: 'enroll', v: PROTOCOL_VERSION, hostId: o.hostId, hostname: o.hostname, token: o.token, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), agent: { name: 'cerebro-collector', version: o.agentVersion } };
      ws.send(encodeMessage(req));
    });
    ws.on('message', (data: Buffer) => {
      const msg = decodeConsoleFrame(data);
      if (!msg.ok) return done(new EnrolError(`the console sent an unreadable answer: ${msg.error.message}`));
      if (msg.value.type === 'error') return done(new EnrolError(`the console refused the enrolment: ${msg.value.message}`));
      if (msg.value.type !== 'enrolled') return done(new EnrolError(`unexpected answer '${msg.value.type}' from the console`));
      try {
        done(null, save(o, msg.value, pin, socket.caPem as string, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()));
      } catch (e) {
        done(new EnrolError(`enrolled, but cannot save the credential in ${o.stateDir}: ${(e as Error).message}`));
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d.slice(0, 1024)));
      res.on('end', () => done(new EnrolError(upgradeRefusal(o.url, res, body))));
    });
    ws.on('error', (e) => done(new EnrolError(socket.pinError ? `refusing to enrol with ${o.url}: ${socket.pinError}` : `cannot reach the console at ${o.url}: ${e.message}`)));
    ws.on('close', (code, reason) => done(new EnrolError(`the console closed the connection without enrolling this host (${code} ${reason.toString()})`)));
  });
}

function save(o: EnrolOptions, reply: Enrolled, pin: string, caPem: string, privateKeyPem: string): StoredCredential {
  if (reply.hostId !== o.hostId) throw new Error(`the console enrolled host ${reply.hostId}, not ${o.hostId}`);
  const credential: StoredCredential = { consoleUrl: o.url, hostId: o.hostId, credentialId: reply.credentialId, privateKey: privateKeyPem, fingerprint: pin, caCertPem: caPem, commandKey: reply.commandKey, enrolledMs: Date.now() };
  saveCredential(o.stateDir, credential);
  return credential;
}
