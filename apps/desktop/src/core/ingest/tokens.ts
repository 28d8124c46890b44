/**
 * Ingest tokens: the credential a collector presents in its hello. Only SHA-256 hashes are stored, in
 * `$CEREBRO_HOME/tokens.json` (mode 0600); `cerebro-console token create` adds one and prints it once.
 * A token may be bound to one host id. The file is re-read when it changes, so a token created while
 * the console runs works at once. (Enrolment with one-time tokens and per-host keys replaces this with
 * the trust work; this is the minimum that keeps an unknown process from speaking for a host.)
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TokenRecord {
  readonly id: string;
  /** sha256 of the token, hex. */
  readonly hash: string;
  /** Host id the token is bound to, or null for any host. */
  readonly hostId: string | null;
  readonly createdMs: number;
  readonly label: string;
  readonly revoked?: boolean;
}

export type TokenCheck = { ok: true; id: string } | { ok: false; reason: string };

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class TokenStore {
  private records: TokenRecord[] = [];
  /** Identity of the file last read: mtime alone misses a rewrite within the filesystem's timestamp granularity. */
  private version = '';

  constructor(private readonly file: string) {}

  static inHome(home: string): TokenStore {
    return new TokenStore(path.join(home, 'tokens.json'));
  }

  /** Create a token, store its hash, and return the token (shown once). */
  create(options: { hostId?: string | null; label?: string } = {}): { token: string; record: TokenRecord } {
    this.reload();
    const token = 'cbt_' + randomBytes(24).toString('base64url');
    const record: TokenRecord = {
      id: randomBytes(6).toString('hex'),
      hash: sha256(token).toString('hex'),
      hostId: options.hostId ?? null,
      createdMs: Date.now(),
      label: options.label ?? '',
    };
    this.records = [...this.records, record];
    this.save();
    return { token, record };
  }

  revoke(id: string): boolean {
    this.reload();
    const found = this.records.some((r) => r.id === id);
    this.records = this.records.map((r) => (r.id === id ? { ...r, revoked: true } : r));
    if (found) this.save();
    return found;
  }

  list(): readonly TokenRecord[] {
    this.reload();
    return this.records;
  }

  verify(token: string, hostId: string): TokenCheck {
    try {
      this.reload();
    } catch (e) {
      return { ok: false, reason: `the console cannot read its token file ${this.file} (${(e as Error).message}): fix it or move it away and create tokens again` };
    }
    const given = sha256(token);
    for (const r of this.records) {
      // Constant-time comparison of the hashes, over every record, so timing tells nothing about which matched.
      if (!timingSafeEqual(given, Buffer.from(r.hash, 'hex'))) continue;
      if (r.revoked) return { ok: false, reason: `token ${r.id} was revoked; create a new one with \`cerebro-console token create\`` };
      if (r.hostId !== null && r.hostId !== hostId) return { ok: false, reason: `token ${r.id} is bound to host ${r.hostId}, not ${hostId}` };
      return { ok: true, id: r.id };
    }
    return { ok: false, reason: 'unknown token: create one with `cerebro-console token create` and give it to the collector (--token-file)' };
  }

  private reload(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      this.records = [];
      this.version = '';
      return;
    }
    // Every save renames a new file into place, so the inode changes even when the mtime does not.
    const version = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (version === this.version) return;
    const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { tokens?: TokenRecord[] };
    this.records = Array.isArray(parsed.tokens) ? parsed.tokens.filter((r) => typeof r.hash === 'string' && /^[0-9a-f]{64}$/.test(r.hash)) : [];
    this.version = version;
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ tokens: this.records }, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    const stat = fs.statSync(this.file);
    this.version = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  }
}
