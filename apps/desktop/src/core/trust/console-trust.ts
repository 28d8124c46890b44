/**
 * The console's trust material in `$CEREBRO_HOME/trust/`, created on first start:
 *   ca.key / ca.crt          the console's CA (ECDSA P-256); collectors pin the CA certificate's SHA-256
 *   server.key / server.crt  the ingest listener's certificate, signed by the CA; re-issued when missing or
 *                            within 30 days of expiry, without touching the pin
 *   command.key / command.pub  Ed25519: every command to a collector is signed with it
 * Private keys are written 0600 in a 0700 directory; a private key file readable by others is refused.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { certificateFingerprint, createCertificateAuthority, issueServerCertificate, type KeyAndCert } from './certificates';
import { readIfExists, writePrivate } from './files';

export interface ConsoleTrust {
  readonly dir: string;
  readonly ca: KeyAndCert;
  readonly server: KeyAndCert;
  /** SHA-256 of the CA certificate, lower-case hex: the collectors' pin. */
  readonly fingerprint: string;
  readonly commandKey: KeyObject;
  /** SPKI PEM of the command key, handed to collectors at enrolment. */
  readonly commandPublicKeyPem: string;
}

export class TrustError extends Error {
  override readonly name = 'TrustError';
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

export function trustDir(home: string): string {
  return path.join(home, 'trust');
}

function checkPrivate(file: string): void {
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new TrustError(`${file} is readable by other users (mode ${mode.toString(8)}): run \`chmod 600 ${file}\` and start again`);
}

function loadPair(dir: string, name: string): KeyAndCert | null {
  const keyFile = path.join(dir, `${name}.key`);
  const keyPem = readIfExists(keyFile);
  const certPem = readIfExists(path.join(dir, `${name}.crt`));
  if (keyPem === null || certPem === null) return null;
  checkPrivate(keyFile);
  return { keyPem, certPem };
}

function savePair(dir: string, name: string, pair: KeyAndCert): void {
  writePrivate(path.join(dir, `${name}.key`), pair.keyPem, 0o600);
  writePrivate(path.join(dir, `${name}.crt`), pair.certPem, 0o644);
}

function needsNewServerCert(server: KeyAndCert | null, ca: KeyAndCert): boolean {
  if (!server) return true;
  const cert = new X509Certificate(server.certPem);
  return !cert.checkIssued(new X509Certificate(ca.certPem)) || new Date(cert.validTo).getTime() - Date.now() < RENEW_BEFORE_MS;
}

function loadCommandKey(dir: string): { key: KeyObject; publicPem: string } {
  const file = path.join(dir, 'command.key');
  let pem = readIfExists(file);
  if (pem === null) {
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writePrivate(file, pem, 0o600);
  }
  checkPrivate(file);
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TrustError(`${file} is not an Ed25519 key: move it away and start again to make a new one (collectors must then enrol again)`);
  const publicPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  writePrivate(path.join(dir, 'command.pub'), publicPem, 0o644);
  return { key, publicPem };
}

/** The host names and addresses the server certificate lists (informational: collectors trust the pin). */
export function serverNames(bindHost: string): { dns: string[]; ips: string[] } {
  const ips = new Set(['127.0.0.1', '::1']);
  if (bindHost !== '0.0.0.0' && bindHost !== '::') ips.add(bindHost);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') ips.add(a.address);
  return { dns: ['localhost', os.hostname()], ips: [...ips] };
}

/** Load the trust material, creating what is missing. */
export function loadConsoleTrust(home: string, bindHost = '127.0.0.1'): ConsoleTrust {
  const dir = trustDir(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    let ca = loadPair(dir, 'ca');
    if (!ca) {
      ca = createCertificateAuthority(`CEREBRO console CA (${os.hostname()})`);
      savePair(dir, 'ca', ca);
    }
    let server = loadPair(dir, 'server');
    if (needsNewServerCert(server, ca)) {
      server = issueServerCertificate(ca, serverNames(bindHost));
      savePair(dir, 'server', server);
    }
    const command = loadCommandKey(dir);
    return { dir, ca, server: server as KeyAndCert, fingerprint: certificateFingerprint(ca.certPem), commandKey: command.key, commandPublicKeyPem: command.publicPem };
  } catch (e) {
    if (e instanceof TrustError) throw e;
    throw new TrustError(`cannot load the console's keys and certificates in ${dir}: ${(e as Error).message}`);
  }
}

/** Just the CA fingerprint, for the CLI (does not create anything). */
export function readFingerprint(home: string): string | null {
  const pem = readIfExists(path.join(trustDir(home), 'ca.crt'));
  return pem === null ? null : certificateFingerprint(pem);
}
