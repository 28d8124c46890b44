/**
 * `cerebro-console audit verify [--json]`: check the whole chain and the signed head (exit 1 naming the
 * first broken record); `audit export [--out FILE]`: every record as JSON lines. Reads the log directly
 * (read-only), so it works whether or not the console runs.
 */
import fs from 'node:fs';
import { AuditError, AuditLog } from './audit-log';

export class AuditCliError extends Error {}

/** Runs `audit SUB`; returns the exit code. */
export async function auditCommand(home: string, rest: readonly string[], flags: { json: boolean; out?: string }, print: (line: string) => void): Promise<number> {
  const sub = rest[0];
  if (sub !== 'verify' && sub !== 'export') throw new AuditCliError(`audit needs verify or export (got ${JSON.stringify(sub ?? '')}); see --help`);
  let log: AuditLog;
  try {
    log = AuditLog.open(home, { readOnly: true });
  } catch (e) {
    if (e instanceof AuditError) throw new AuditCliError(e.message);
    throw new AuditCliError(`cannot open the audit log in ${home}: ${(e as Error).message}`);
  }
  try {
    if (sub === 'verify') {
      const v = log.verify();
      if (flags.json) print(JSON.stringify(v));
      else print(v.ok ? `audit log OK: ${v.reason}` : `audit log BROKEN at record ${v.brokenSeq}: ${v.reason}`);
      return v.ok ? 0 : 1;
    }
    if (flags.out) {
      const fd = fs.openSync(flags.out, 'w', 0o600);
      let n = 0;
      try {
        for (const r of log.all()) {
          fs.writeSync(fd, JSON.stringify(r) + '\n');
          n++;
        }
      } finally {
        fs.closeSync(fd);
      }
      print(`${n} audit records written to ${flags.out}`);
    } else {
      for (const r of log.all()) print(JSON.stringify(r));
    }
    return 0;
  } finally {
    await log.close();
  }
}
