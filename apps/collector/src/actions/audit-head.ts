/**
 * The host's copy of the console's audit chain head. Every remediation command carries the head signed by
 * the console (payload.auditHead); the host keeps the highest one whose signature verifies with the
 * console key it learnt at enrolment. A console whose chain was later cut or rewritten, key and all,
 * cannot make the hosts forget the heads they already saw. A head older than the kept one is reported.
 */
import { verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { auditHeadSigningInput, type SignedAuditHead } from '@cerebro/shared/api/remediation';

export type HeadVerdict = 'kept' | 'same' | 'older' | 'bad-signature' | 'malformed' | 'absent';

function parseHead(v: unknown): SignedAuditHead | null {
  if (typeof v !== 'object' || v === null) return null;
  const h = v as Record<string, unknown>;
  if (!Number.isSafeInteger(h['seq']) || (h['seq'] as number) < 1) return null;
  if (typeof h['hash'] !== 'string' || !/^[0-9a-f]{64}$/.test(h['hash'])) return null;
  if (typeof h['time'] !== 'number' || !Number.isFinite(h['time'])) return null;
  if (typeof h['sig'] !== 'string' || h['sig'].length > 200) return null;
  return { seq: h['seq'] as number, hash: h['hash'], time: h['time'], sig: h['sig'] };
}

export class AuditHeadKeeper {
  constructor(
    /** Where the kept head lives (the collector's state dir). */
    private readonly file: string,
    /** The console's command key learnt at enrolment; null: nothing can be verified, nothing is kept. */
    private readonly consoleKey: KeyObject | null,
  ) {}

  /** The head kept so far, or null. */
  current(): SignedAuditHead | null {
    try {
      return parseHead(JSON.parse(fs.readFileSync(this.file, 'utf8')));
    } catch {
      return null;
    }
  }

  /** Look at the head a command carried; keep it when it is signed and newer. */
  observe(raw: unknown): HeadVerdict {
    if (raw === undefined || raw === null) return 'absent';
    const head = parseHead(raw);
    if (!head) return 'malformed';
    let good = false;
    try {
      good = this.consoleKey !== null && verify(null, Buffer.from(auditHeadSigningInput(head)), this.consoleKey, Buffer.from(head.sig, 'base64'));
    } catch {
      good = false;
    }
    if (!good) return 'bad-signature';
    const kept = this.current();
    if (kept && head.seq < kept.seq) return 'older';
    if (kept && head.seq === kept.seq) return 'same';
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(head), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    return 'kept';
  }
}
