/**
 * One-time enrolment tokens: `cbe1.<secret>.<pin>`, where the secret is 24 random bytes and the pin the
 * console CA's SHA-256 (both base64url). Carrying the pin in the token is what lets an operator paste one
 * line: the collector trusts, on first use, exactly the certificate the token names.
 *
 * Only the secret's SHA-256 is stored, one file per token in `trust/enroll-tokens/` (0600): redeeming
 * renames `<hash>.json` to `<hash>.used`, an atomic claim, so a token works once even when two collectors
 * race with it. An expired or host-bound-elsewhere token is consumed by the attempt too.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readIfExists, writePrivate } from './files';

export interface EnrolTokenRecord {
  readonly id: string;
  /** Host id the token is bound to, or null for any host. */
  readonly hostId: string | null;
  readonly createdMs: number;
  readonly expiresMs: number;
  readonly label: string;
}

export type Redeemed = { ok: true; record: EnrolTokenRecord } | { ok: false; reason: string };

const PREFIX = 'cbe1';
const KEEP_USED_MS = 7 * 86_400_000;

export function parseEnrolToken(token: string): { secret: string; pin: string } | null {
  const m = /^cbe1\.([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { secret: m[1] as string, pin: Buffer.from(m[2] as string, 'base64url').toString('hex') } : null;
}

export function formatEnrolToken(secret: string, pinHex: string): string {
  return `${PREFIX}.${secret}.${Buffer.from(pinHex, 'hex').toString('base64url')}`;
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class EnrolTokenStore {
  constructor(private readonly dir: string) {}

  static inTrustDir(trustDir: string): EnrolTokenStore {
    return new EnrolTokenStore(path.join(trustDir, 'enroll-tokens'));
  }

  /** A new token for a console whose CA fingerprint is `pinHex`, valid `ttlMs`. */
  create(pinHex: string, options: { ttlMs: number; hostId?: string | null; label?: string; now?: number }): { token: string; record: EnrolTokenRecord } {
    const now = options.now ?? Date.now();
    this.prune(now);
    const secret = randomBytes(24).toString('base64url');
    const hash = hashOf(secret);
    const record: EnrolTokenRecord = { id: hash.slice(0, 12), hostId: options.hostId ?? null, createdMs: now, expiresMs: now + options.ttlMs, label: options.label ?? '' };
    writePrivate(path.join(this.dir, `${hash}.json`), JSON.stringify(record));
    return { token: formatEnrolToken(secret, pinHex), record };
  }

  /** Claim the token for `hostId`; works once. `pinHex` is this console's fingerprint. */
  redeem(token: string, hostId: string, pinHex: string, now = Date.now()): Redeemed {
    const parsed = parseEnrolToken(token);
    if (!parsed) return { ok: false, reason: 'not an enrolment token (expected cbe1.… from `cerebro-console enroll-token create`)' };
    if (parsed.pin !== pinHex) return { ok: false, reason: 'the token was made for another console (its certificate fingerprint is not this console’s): create one here with `cerebro-console enroll-token create`' };
    const base = path.join(this.dir, hashOf(parsed.secret));
    try {
      fs.renameSync(`${base}.json`, `${base}.used`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return fs.existsSync(`${base}.used`)
        ? { ok: false, reason: 'this enrolment token was already used; tokens work once: create a new one with `cerebro-console enroll-token create`' }
        : { ok: false, reason: 'unknown enrolment token (never issued by this console, or mistyped): create one with `cerebro-console enroll-token create`' };
    }
    const record = JSON.parse(readIfExists(`${base}.used`) ?? '{}') as Partial<EnrolTokenRecord>;
    if (typeof record.expiresMs !== 'number' || typeof record.id !== 'string' || record.hostId === undefined) return { ok: false, reason: `the console's record of this enrolment token (${base}.used) is damaged: create a new token` };
    if (!(record.expiresMs > now)) return { ok: false, reason: `enrolment token ${record.id} expired at ${new Date(record.expiresMs).toISOString()}: create a new one (--ttl sets its life)` };
    if (record.hostId !== null && record.hostId !== hostId) return { ok: false, reason: `enrolment token ${record.id} is for host ${record.hostId}, not ${hostId}` };
    return { ok: true, record: record as EnrolTokenRecord };
  }

  /** Every token still on disk, with whether it was used. */
  list(): Array<EnrolTokenRecord & { used: boolean }> {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: Array<EnrolTokenRecord & { used: boolean }> = [];
    for (const name of names) {
      const used = name.endsWith('.used');
      if (!used && !name.endsWith('.json')) continue;
      const text = readIfExists(path.join(this.dir, name));
      if (text !== null) out.push({ ...(JSON.parse(text) as EnrolTokenRecord), used });
    }
    return out.sort((a, b) => a.createdMs - b.createdMs);
  }

  /** Forget used and expired tokens after a week (their files only serve the "already used" message). */
  private prune(now: number): void {
    for (const r of this.list()) {
      if (r.expiresMs + KEEP_USED_MS > now) continue;
      for (const f of fs.readdirSync(this.dir)) if (f.startsWith(r.id)) fs.rmSync(path.join(this.dir, f), { force: true });
    }
  }
}
