/**
 * The append-only, hash-chained audit log of remediation: every proposal, approval, refusal, command,
 * output, verification and rollback. Each record carries the previous record's hash and its own hash over
 * the canonical JSON of its fields; after every append the chain's head (last seq and hash) is signed with
 * the console's key, so cutting records off the end is detected too. Stored in its own LMDB environment
 * in $CEREBRO_HOME/audit (the CLI reads it while the console runs).
 */
import { createHash, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { auditHeadSigningInput, type Actor, type AuditKind, type AuditRecord, type AuditVerifyResult, type SignedAuditHead } from '@cerebro/shared/api/contract';
import { canonicalJson } from '@cerebro/shared/protocol/canonical';
import { auditDir, loadAuditKeys, type AuditKeys } from './audit-key';

export const GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'head';

export type SignedHead = SignedAuditHead;

export class AuditError extends Error {
  override readonly name = 'AuditError';
}

/** The hash of a record: SHA-256 of the canonical JSON of every field but `hash`. */
export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
  const text = canonicalJson({ seq: r.seq, time: r.time, actor: r.actor, kind: r.kind, payload: r.payload, prevHash: r.prevHash }, 'record');
  if (!text.ok) throw new AuditError(`audit record ${r.seq} cannot be hashed: ${text.error}`);
  return createHash('sha256').update(`cerebro-audit-record/v1\n${text.value}`).digest('hex');
}

function headInput(h: Omit<SignedHead, 'sig'>): Buffer {
  return Buffer.from(auditHeadSigningInput(h));
}

/** JSON round trip: the payload as it will be stored (undefined dropped, NaN → null), so hashing sees the same. */
function plain(payload: unknown): unknown {
  return payload === undefined ? null : (JSON.parse(JSON.stringify(payload)) as unknown);
}

export class AuditLog {
  private last: { seq: number; hash: string };
  private readonly listeners = new Set<(r: AuditRecord) => void>();

  private constructor(
    private readonly env: RootDatabase,
    private readonly records: Database<string, number>,
    private readonly meta: Database<string, string>,
    private readonly keys: AuditKeys,
    private readonly now: () => number,
  ) {
    const lastKey = [...records.getKeys({ reverse: true, limit: 1 })][0];
    const lastRec = lastKey === undefined ? null : this.get(lastKey);
    this.last = lastRec ? { seq: lastRec.seq, hash: lastRec.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Open (creating) the log of `home`; `readOnly` for the CLI, which never appends. */
  static open(home: string, options: { readonly readOnly?: boolean; readonly now?: () => number } = {}): AuditLog {
    const dir = auditDir(home);
    if (options.readOnly && !fs.existsSync(dir)) throw new AuditError(`no audit log in ${dir}: nothing has been audited yet`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const env = open({ path: `${dir}/log`, maxDbs: 4, ...(options.readOnly ? { readOnly: true } : {}) });
    const records = env.openDB<string, number>({ name: 'records', encoding: 'string' });
    const meta = env.openDB<string, string>({ name: 'meta', encoding: 'string' });
    return new AuditLog(env, records, meta, loadAuditKeys(home, !options.readOnly), options.now ?? Date.now);
  }

  get signingSource(): string {
    return this.keys.signing?.source ?? 'none';
  }

  private get(seq: number): AuditRecord | null {
    const text = this.records.get(seq);
    return text === undefined ? null : (JSON.parse(text) as AuditRecord);
  }

  /** Append one record (synchronously durable, with its signed head); returns it. */
  append(actor: Actor, kind: AuditKind, payload: unknown): AuditRecord {
    const signing = this.keys.signing;
    if (!signing) throw new AuditError('the audit log has no signing key (opened read-only)');
    const body = { seq: this.last.seq + 1, time: this.now(), actor, kind, payload: plain(payload), prevHash: this.last.hash };
    const record: AuditRecord = { ...body, hash: recordHash(body) };
    const head: Omit<SignedHead, 'sig'> = { seq: record.seq, hash: record.hash, time: record.time };
    const signed: SignedHead = { ...head, sig: sign(null, headInput(head), signing.key).toString('base64') };
    this.env.transactionSync(() => {
      this.records.putSync(record.seq, JSON.stringify(record));
      this.meta.putSync(HEAD_KEY, JSON.stringify(signed));
    });
    this.last = { seq: record.seq, hash: record.hash };
    for (const l of this.listeners) l(record);
    return record;
  }

  onAppend(listener: (r: AuditRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  head(): SignedHead | null {
    const text = this.meta.get(HEAD_KEY);
    return text === undefined ? null : (JSON.parse(text) as SignedHead);
  }

  /** Records from `fromSeq` on, oldest first, at most `limit`. */
  list(fromSeq = 1, limit = Number.MAX_SAFE_INTEGER): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const { value } of this.records.getRange({ start: fromSeq, limit })) out.push(JSON.parse(value) as AuditRecord);
    return out;
  }

  /** The newest `n` records, oldest first. */
  tail(n: number): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const { value } of this.records.getRange({ reverse: true, limit: n })) out.push(JSON.parse(value) as AuditRecord);
    return out.reverse();
  }

  /** Every record in order, for export. */
  *all(): Generator<AuditRecord> {
    for (const { value } of this.records.getRange({})) yield JSON.parse(value) as AuditRecord;
  }

  /**
   * Check the whole chain: seqs from 1 without gaps, each key holding its own seq, each hash right, each
   * prevHash the hash before it, and the signed head covering the last record. Names the first broken record.
   */
  verify(): AuditVerifyResult {
    const head = this.head();
    const headOk = head !== null && this.keys.verify.some((k) => {
      try {
        return verify(null, headInput(head), k, Buffer.from(head.sig, 'base64'));
      } catch {
        return false;
      }
    });
    const headView = head ? { seq: head.seq, hash: head.hash, signed: headOk } : null;
    const broken = (seq: number, reason: string, records: number): AuditVerifyResult => ({ ok: false, records, brokenSeq: seq, reason: `record ${seq}: ${reason}`, head: headView });
    let prev = GENESIS_HASH;
    let expected = 1;
    for (const { key, value } of this.records.getRange({})) {
      if (key !== expected) return broken(expected, key > expected ? `missing (the log jumps from ${expected - 1} to ${key})` : `out of order (key ${key})`, expected - 1);
      let r: AuditRecord;
      try {
        r = JSON.parse(value) as AuditRecord;
      } catch {
        return broken(key, 'is not valid JSON', expected - 1);
      }
      if (r.seq !== key) return broken(key, `holds the record numbered ${r.seq}: records were reordered`, expected - 1);
      if (r.prevHash !== prev) return broken(key, `its prevHash ${String(r.prevHash).slice(0, 12)}… is not the hash of record ${key - 1} (${prev.slice(0, 12)}…): a record before it was rewritten, or this one was`, expected - 1);
      let h: string;
      try {
        h = recordHash(r);
      } catch (e) {
        return broken(key, (e as Error).message, expected - 1);
      }
      if (h !== r.hash) return broken(key, `its content does not match its hash (edited after it was written)`, expected - 1);
      prev = r.hash;
      expected++;
    }
    const count = expected - 1;
    if (count === 0 && head === null) return { ok: true, records: 0, reason: 'the audit log is empty', head: null };
    if (!head) return broken(1, 'the log has records but no signed head', count);
    if (!headOk) return broken(head.seq, `the head's signature does not verify with the console's key`, count);
    if (head.seq > count) return broken(count + 1, `missing: the signed head vouches for ${head.seq} records, the log ends at ${count} (records were cut off the end)`, count);
    if (head.seq < count) return broken(head.seq + 1, `not covered by the signed head (which ends at ${head.seq}): appended by something other than the console`, count);
    if (head.hash !== prev) return broken(count, `its hash is not the one the signed head vouches for (the end of the chain was rewritten)`, count);
    return { ok: true, records: count, reason: `${count} records, chain intact, head signed (${this.signingSource})`, head: headView };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.env.close();
  }
}
