/**
 * The delivery history: JSON lines in `$CEREBRO_HOME/notifications.jsonl`, newest last, at most `max`
 * records kept in memory; the file is rewritten with the newest `max` when it holds twice that, so it stays bounded.
 */
import fs from 'node:fs';
import type { NotificationRecord } from '@cerebro/shared/api/contract';

export class NotificationHistory {
  private records: NotificationRecord[] = [];
  private lines = 0;

  constructor(
    private readonly file: string,
    private readonly max = 1000,
    private readonly log: (level: 'warn', message: string) => void = () => undefined,
  ) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log('warn', `notifications: cannot read ${file} (history starts empty): ${(e as Error).message}`);
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      this.lines++;
      try {
        this.records.push(JSON.parse(line) as NotificationRecord);
      } catch {
        // A torn last line after a crash: skipped.
      }
    }
    this.records = this.records.slice(-max);
  }

  add(r: NotificationRecord): void {
    this.records.push(r);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
    try {
      if (this.lines + 1 > 2 * this.max) {
        fs.writeFileSync(this.file, this.records.map((x) => JSON.stringify(x) + '\n').join(''), { mode: 0o600 });
        this.lines = this.records.length;
      } else {
        fs.appendFileSync(this.file, JSON.stringify(r) + '\n', { mode: 0o600 });
        this.lines++;
      }
    } catch (e) {
      this.log('warn', `notifications: cannot write ${this.file} (the record stays in memory): ${(e as Error).message}`);
    }
  }

  /** Newest first. */
  list(limit: number): NotificationRecord[] {
    return this.records.slice(-limit).reverse();
  }

  all(): readonly NotificationRecord[] {
    return this.records;
  }
}
