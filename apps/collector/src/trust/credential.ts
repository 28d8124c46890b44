/**
 * What enrolment leaves in the collector's state directory, `credential.json` (0600): the console URL, the
 * pinned CA fingerprint, the host's Ed25519 private key and credential id, and the console's command
 * public key. `run` uses it when present.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface StoredCredential {
  readonly consoleUrl: string;
  readonly hostId: string;
  readonly credentialId: string;
  /** PKCS#8 PEM of the host's Ed25519 key. */
  readonly privateKey: string;
  /** SHA-256 of the console CA certificate, lower-case hex. */
  readonly fingerprint: string;
  readonly caCertPem: string;
  /** SPKI PEM of the console's command-signing key. */
  readonly commandKey: string;
  readonly enrolledMs: number;
}

export interface LoadedCredential extends StoredCredential {
  readonly key: KeyObject;
  readonly commandPublicKey: KeyObject;
}

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
}

export function credentialPath(stateDir: string): string {
  return path.join(stateDir, 'credential.json');
}

export function saveCredential(stateDir: string, c: StoredCredential): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = credentialPath(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(c, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The stored credential, or null when this collector was never enrolled. Throws CredentialError when it is unusable. */
export function loadCredential(stateDir: string): LoadedCredential | null {
  const file = credentialPath(stateDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CredentialError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new CredentialError(`${file} holds the host's private key but is readable by others (mode ${mode.toString(8)}): run \`chmod 600 ${file}\``);
  try {
    const c = JSON.parse(text) as StoredCredential;
    for (const k of ['consoleUrl', 'hostId', 'credentialId', 'privateKey', 'fingerprint', 'caCertPem', 'commandKey'] as const) {
      if (typeof c[k] !== 'string' || c[k].length === 0) throw new Error(`field "${k}" is missing`);
    }
    return { ...c, key: createPrivateKey(c.privateKey), commandPublicKey: createPublicKey(c.commandKey) };
  } catch (e) {
    throw new CredentialError(`${file} is damaged (${(e as Error).message}): enrol again with \`cerebro-collector enroll <console-url> <token>\``);
  }
}
