/**
 * Per-host credentials: the Ed25519 public key a collector generated at enrolment, bound to its host id.
 * One file per credential in `trust/hosts/<id>.json`, re-read at every check, so a revocation by the CLI
 * (another process) takes effect at once; the console also watches the directory to close live sessions.
 * Only public keys are stored here: a copy of the console's data does not let anyone speak for a host.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { helloSigningInput } from '@cerebro/shared/protocol/canonical';
import type { Hello, HelloAuth } from '@cerebro/shared/protocol/messages';
import { readIfExists, writePrivate } from './files';

export interface HostCredential {
  readonly id: string;
  readonly hostId: string;
  readonly hostname: string;
  /** SPKI PEM of the host's Ed25519 key. */
  readonly publicKey: string;
  readonly createdMs: number;
  /** Enrolment token id it came from. */
  readonly enrolToken: string;
  readonly revokedMs?: number;
  /** Why it was revoked ("revoked by operator", "replaced by a new enrolment"). */
  readonly revokedWhy?: string;
}

export type CredentialCheck = { ok: true; credential: HostCredential } | { ok: false; reason: string };

const ID = /^[a-f0-9]{16}$/;

/** The host's key, or an error saying why it is not usable. */
export function parseHostKey(pem: string): { ok: true; key: KeyObject } | { ok: false; reason: string } {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? { ok: true, key } : { ok: false, reason: `the collector's public key is ${key.asymmetricKeyType ?? 'unknown'}, expected Ed25519` };
  } catch (e) {
    return { ok: false, reason: `the collector's public key is not a PEM public key (${(e as Error).message})` };
  }
}

export class CredentialStore {
  constructor(readonly dir: string) {}

  static inTrustDir(trustDir: string): CredentialStore {
    return new CredentialStore(path.join(trustDir, 'hosts'));
  }

  /** Store a new credential for `hostId`; the host's earlier credentials are revoked (one live key per host). */
  add(input: { hostId: string; hostname: string; publicKey: string; enrolToken: string }, now = Date.now()): HostCredential {
    for (const old of this.list()) if (old.hostId === input.hostId && old.revokedMs === undefined) this.write({ ...old, revokedMs: now, revokedWhy: 'replaced by a new enrolment' });
    const credential: HostCredential = { id: randomBytes(8).toString('hex'), ...input, createdMs: now };
    this.write(credential);
    return credential;
  }

  get(id: string): HostCredential | null {
    if (!ID.test(id)) return null;
    const text = readIfExists(path.join(this.dir, `${id}.json`));
    return text === null ? null : (JSON.parse(text) as HostCredential);
  }

  list(): HostCredential[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => this.get(n.slice(0, -5)))
      .filter((c): c is HostCredential => c !== null)
      .sort((a, b) => a.createdMs - b.createdMs);
  }

  /** Revoke the credential with this id, or every live credential of the host with this id. Returns those revoked. */
  revoke(idOrHostId: string, why = 'revoked by operator', now = Date.now()): HostCredential[] {
    const targets = this.list().filter((c) => c.revokedMs === undefined && (c.id === idOrHostId || c.hostId === idOrHostId));
    for (const c of targets) this.write({ ...c, revokedMs: now, revokedWhy: why });
    return targets;
  }

  /** Check a hello's proof: a live credential of this host whose key signed this connection's challenge. */
  verifyHello(auth: HelloAuth, challenge: string, hello: Pick<Hello, 'hostId' | 'epoch'>): CredentialCheck {
    let credential: HostCredential | null;
    try {
      credential = this.get(auth.cred);
    } catch (e) {
      return { ok: false, reason: `the console cannot read credential ${auth.cred} (${(e as Error).message})` };
    }
    if (!credential) return { ok: false, reason: `unknown credential ${auth.cred}: enrol this host again with \`cerebro-collector enroll\`` };
    if (credential.revokedMs !== undefined) return { ok: false, reason: `credential ${credential.id} of host ${credential.hostId} was revoked (${credential.revokedWhy ?? 'by operator'}); enrol the host again with a new token` };
    if (credential.hostId !== hello.hostId) return { ok: false, reason: `credential ${credential.id} belongs to host ${credential.hostId}, not ${hello.hostId}` };
    const key = parseHostKey(credential.publicKey);
    if (!key.ok) return { ok: false, reason: `credential ${credential.id} is damaged: ${key.reason}` };
    const good = verify(null, Buffer.from(helloSigningInput(challenge, hello, credential.id)), key.key, auth.sig);
    if (!good) return { ok: false, reason: `the hello's signature does not match credential ${credential.id} and this connection's challenge (a replayed or forged handshake)` };
    return { ok: true, credential };
  }

  /** Changes whenever a credential file is added, replaced or removed (each write renames into the directory). */
  changeStamp(): string {
    try {
      const s = fs.statSync(this.dir, { bigint: true });
      return `${s.mtimeNs}:${s.ino}`;
    } catch {
      return 'none';
    }
  }

  private write(c: HostCredential): void {
    writePrivate(path.join(this.dir, `${c.id}.json`), JSON.stringify(c, null, 2));
  }
}
