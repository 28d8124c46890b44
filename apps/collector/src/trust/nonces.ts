/**
 * Nonces of accepted commands, remembered until their command could no longer be accepted anyway
 * (expiry + clock skew), and kept on disk so a restart of the collector does not reopen the replay window.
 */
import fs from 'node:fs';

export class NonceStore {
  private readonly seen = new Map<string, number>();

  constructor(private readonly file: string | null) {
    if (!file) return;
    try {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>;
      for (const [nonce, until] of Object.entries(saved)) if (typeof until === 'number') this.seen.set(nonce, until);
    } catch {
      // No file yet, or a damaged one: a damaged file cannot be trusted to list every nonce, but nothing better exists.
    }
  }

  has(nonce: string): boolean {
    return this.seen.has(nonce);
  }

  /** Remember `nonce` until `untilMs`; forgets the ones whose time is past. */
  add(nonce: string, untilMs: number, now = Date.now()): void {
    for (const [n, until] of this.seen) if (until < now) this.seen.delete(n);
    this.seen.set(nonce, untilMs);
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.seen)), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
