/** The console's trust material assembled for the ingest server (ingest/authenticate.ts IngestTrust). */
import type { IngestTrust } from '../ingest/authenticate';
import { loadConsoleTrust } from './console-trust';
import { CredentialStore } from './credentials';
import { EnrolTokenStore } from './enrol-tokens';

export function ingestTrust(home: string, bindHost: string): IngestTrust {
  const t = loadConsoleTrust(home, bindHost);
  return {
    // The chain: the collector finds the CA it pins right after the server certificate.
    tls: { key: t.server.keyPem, cert: t.server.certPem + t.ca.certPem },
    fingerprint: t.fingerprint,
    credentials: CredentialStore.inTrustDir(t.dir),
    enrolTokens: EnrolTokenStore.inTrustDir(t.dir),
    commandKey: t.commandKey,
    commandPublicKeyPem: t.commandPublicKeyPem,
  };
}
