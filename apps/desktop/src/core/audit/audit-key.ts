/**
 * The key that signs the audit chain's head: the console's Ed25519 command key (trust/command.key, made by
 * the trust layer) when it exists, else an audit key of its own (audit/audit.key, 0600). Verification
 * accepts a head signed by either, so a console that gained its command key later still verifies old heads.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { trustDir } from '../trust/console-trust';

export interface AuditKeys {
  /** The key new heads are signed with; null when only verifying and none exists. */
  readonly signing: { readonly key: KeyObject; readonly source: 'console command key' | 'audit key' } | null;
  /** Public keys a head may be signed with. */
  readonly verify: readonly KeyObject[];
}

function readKey(file: string): KeyObject | null {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const key = createPrivateKey(pem);
  return key.asymmetricKeyType === 'ed25519' ? key : null;
}

export function auditDir(home: string): string {
  return path.join(home, 'audit');
}

/** The audit keys of `home`; with `create`, makes the audit key when the console has no command key. */
export function loadAuditKeys(home: string, create: boolean): AuditKeys {
  const command = readKey(path.join(trustDir(home), 'command.key'));
  const ownFile = path.join(auditDir(home), 'audit.key');
  let own = readKey(ownFile);
  if (!command && !own && create) {
    fs.mkdirSync(auditDir(home), { recursive: true, mode: 0o700 });
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(ownFile, pem, { mode: 0o600, flag: 'wx' });
    own = createPrivateKey(pem);
  }
  const signing = command ? { key: command, source: 'console command key' as const } : own ? { key: own, source: 'audit key' as const } : null;
  return { signing, verify: [command, own].filter((k): k is KeyObject => k !== null).map((k) => createPublicKey(k)) };
}
