/**
 * Who is on the other end of an ingest connection: an enrolled host proving its key against this
 * connection's challenge (hello.auth), or a collector with a static ingest token (hello.token, the
 * older, simpler path kept for automation and tests). Enrolment requests are checked here too.
 */
import type { KeyObject } from 'node:crypto';
import type { EnrolRequest, Enrolled, Hello } from '@cerebro/shared/protocol/messages';
import type { CredentialStore } from '../trust/credentials';
import { parseHostKey } from '../trust/credentials';
import type { EnrolTokenStore } from '../trust/enrol-tokens';
import type { TokenStore } from './tokens';

/** What the ingest server needs from the console's trust material. */
export interface IngestTrust {
  /** PEM key and certificate chain (server certificate, then the CA) for TLS. */
  readonly tls: { readonly key: string; readonly cert: string };
  /** SHA-256 of the CA certificate, lower-case hex. */
  readonly fingerprint: string;
  readonly credentials: CredentialStore;
  readonly enrolTokens: EnrolTokenStore;
  readonly commandKey: KeyObject;
  readonly commandPublicKeyPem: string;
}

/** How a session authenticated: by credential id or by token id (for revocation checks while connected). */
export type Identity = { readonly kind: 'credential'; readonly id: string } | { readonly kind: 'token'; readonly id: string };

export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: string };

export function authenticateHello(hello: Hello, challenge: string, tokens: TokenStore, trust: IngestTrust | null): AuthResult {
  if (hello.auth) {
    if (!trust) return { ok: false, reason: 'this console has no credential store; connect with an ingest token' };
    const check = trust.credentials.verifyHello(hello.auth, challenge, hello);
    return check.ok ? { ok: true, identity: { kind: 'credential', id: check.credential.id } } : check;
  }
  const check = tokens.verify(hello.token, hello.hostId);
  return check.ok ? { ok: true, identity: { kind: 'token', id: check.id } } : { ok: false, reason: check.reason };
}

/** Is the identity still valid (not revoked since the hello)? Returns why not, or null. */
export function revokedReason(identity: Identity, tokens: TokenStore, trust: IngestTrust | null): string | null {
  if (identity.kind === 'credential') {
    const c = trust?.credentials.get(identity.id);
    if (!c) return `credential ${identity.id} no longer exists`;
    return c.revokedMs !== undefined ? `credential ${c.id} of host ${c.hostId} was revoked (${c.revokedWhy ?? 'by operator'})` : null;
  }
  const t = tokens.list().find((r) => r.id === identity.id);
  if (!t) return `token ${identity.id} no longer exists`;
  return t.revoked ? `token ${t.id} was revoked` : null;
}

/** Exchange a one-time token for a credential; only over TLS, where the collector has checked our pin. */
export function enrol(req: EnrolRequest, overTls: boolean, trust: IngestTrust | null): { ok: true; reply: Enrolled } | { ok: false; reason: string } {
  if (!trust || !overTls) return { ok: false, reason: 'enrolment needs TLS and this connection is plaintext: enrol against the console’s wss:// URL' };
  const key = parseHostKey(req.publicKey);
  if (!key.ok) return key;
  const claimed = trust.enrolTokens.redeem(req.token, req.hostId, trust.fingerprint);
  if (!claimed.ok) return claimed;
  const credential = trust.credentials.add({ hostId: req.hostId, hostname: req.hostname, publicKey: req.publicKey, enrolToken: claimed.record.id });
  return { ok: true, reply: { type: 'enrolled', credentialId: credential.id, hostId: req.hostId, commandKey: trust.commandPublicKeyPem } };
}
