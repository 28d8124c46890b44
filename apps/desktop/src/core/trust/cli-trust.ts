/**
 * The console CLI's trust commands: `enroll-token create|list` and `hosts credentials|revoke`.
 * They work on $CEREBRO_HOME/trust directly (the running console re-reads it), so they need no API.
 */
import os from 'node:os';
import { loadConsoleTrust } from './console-trust';
import { formatFingerprint } from './certificates';
import { CredentialStore } from './credentials';
import { EnrolTokenStore } from './enrol-tokens';
import { readConsoleInfo } from '../paths';

export class TrustCliError extends Error {
  override readonly name = 'TrustCliError';
}

type Out = (line: string) => void;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_TTL_MS = 7 * 86_400_000;

/** "15m", "2h", "30s", "1d" → ms. */
export function parseTtl(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  const ms = m ? Number(m[1]) * (UNITS[m[2] as string] as number) : NaN;
  if (!(ms >= 10_000 && ms <= MAX_TTL_MS)) throw new TrustCliError(`--ttl must be a duration from 10s to 7d such as 15m, 2h or 1d, got "${text}"`);
  return ms;
}

function ingestUrlFor(home: string, explicit: string | undefined): { url: string; note: string | null } {
  if (explicit !== undefined) {
    if (!/^wss:\/\/[^\s/]+\/\S*$/.test(explicit)) throw new TrustCliError(`--url must be the console's wss:// ingest URL such as wss://console.example:7070/ingest, got "${explicit}"`);
    return { url: explicit, note: null };
  }
  const info = readConsoleInfo(home);
  if (info?.ingestUrl.startsWith('wss://')) {
    const loopback = /^wss:\/\/(127\.|localhost|\[::1\])/.test(info.ingestUrl);
    return { url: info.ingestUrl, note: loopback ? 'the console listens on loopback only: for other hosts start it with --ingest-host 0.0.0.0 and pass --url wss://NAME:PORT/ingest' : null };
  }
  if (info) throw new TrustCliError('the running console serves plaintext (--insecure-plaintext), and enrolment needs TLS: restart it without that flag, or pass --url');
  return { url: `wss://${os.hostname()}:7070/ingest`, note: 'no running console found; the URL assumes the default port on this host name (pass --url to set it)' };
}

export function enrollTokenCommand(home: string, args: readonly string[], flags: { ttl?: string; hostId?: string; url?: string; label?: string; json: boolean }, out: Out, err: Out): void {
  const trust = loadConsoleTrust(home);
  const store = EnrolTokenStore.inTrustDir(trust.dir);
  switch (args[0]) {
    case 'create': {
      const ttlMs = parseTtl(flags.ttl ?? '15m');
      if (flags.hostId !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(flags.hostId)) throw new TrustCliError(`--host-id must be 1–128 letters, digits, ".", "_", ":" or "-", got "${flags.hostId}"`);
      const { url, note } = ingestUrlFor(home, flags.url);
      const { token, record } = store.create(trust.fingerprint, { ttlMs, hostId: flags.hostId ?? null, label: flags.label ?? '' });
      err(`enrolment token ${record.id}: one use, until ${new Date(record.expiresMs).toISOString()}${record.hostId ? `, for host ${record.hostId} only` : ', any host'}. Run this on the host:`);
      out(`cerebro-collector enroll ${url} ${token}`);
      err(`The token carries the console's certificate fingerprint, SHA256 ${formatFingerprint(trust.fingerprint)}; the collector trusts only that certificate.`);
      if (note) err(`note: ${note}`);
      return;
    }
    case 'list': {
      const rows = store.list();
      if (flags.json) return out(JSON.stringify(rows));
      if (rows.length === 0) return err('no enrolment tokens');
      const now = Date.now();
      for (const r of rows) out(`${r.id}  ${r.used ? 'used   ' : r.expiresMs <= now ? 'expired' : 'valid  '}  until ${new Date(r.expiresMs).toISOString()}  ${r.hostId ?? 'any host'}  ${r.label}`);
      return;
    }
    default:
      throw new TrustCliError('enroll-token needs a subcommand: create [--ttl 15m] [--host-id H] [--url wss://…] or list');
  }
}

export function hostCredentialsCommand(home: string, args: readonly string[], json: boolean, out: Out, err: Out): void {
  const store = CredentialStore.inTrustDir(loadConsoleTrust(home).dir);
  if (args[0] === 'credentials') {
    const rows = store.list().map(({ publicKey: _key, ...rest }) => rest);
    if (json) return out(JSON.stringify(rows));
    if (rows.length === 0) return err('no enrolled hosts: create a token with `cerebro-console enroll-token create`');
    for (const c of rows) out(`${c.id}  ${c.hostId}  ${c.hostname}  enrolled ${new Date(c.createdMs).toISOString()}  ${c.revokedMs === undefined ? 'active' : `revoked ${new Date(c.revokedMs).toISOString()} (${c.revokedWhy ?? ''})`}`);
    return;
  }
  const target = args[1];
  if (!target) throw new TrustCliError('hosts revoke needs a credential id or a host id (see `cerebro-console hosts credentials`)');
  const revoked = store.revoke(target);
  if (revoked.length === 0) throw new TrustCliError(`no active credential with id or host id "${target}" (see \`cerebro-console hosts credentials\`)`);
  for (const c of revoked) err(`revoked credential ${c.id} of host ${c.hostId} (${c.hostname}); a running console closes its connection within a second`);
}
