/**
 * Detector states in the LMDB sub-db `alerts.detectors`, key [hostId, seriesKey] → SavedSeries, so a
 * console restart resumes every series where it was instead of warming it up again. Written from the
 * console's maintenance loop and at stop (one transaction: ~100 k series in well under a second, per
 * MACHINE-FACTS' 200 k puts/s), read once at start.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { AlertScorer, SavedSeries } from './scorer';

export class DetectorStore {
  private readonly db: Database<SavedSeries, [string, string]>;

  constructor(private readonly env: RootDatabase) {
    this.db = env.openDB<SavedSeries, [string, string]>({ name: 'alerts.detectors' });
  }

  /** Restores every saved series into the scorer; returns how many restored and how many were unusable (they start fresh). */
  load(scorer: AlertScorer): { restored: number; dropped: number } {
    let restored = 0;
    let dropped = 0;
    for (const { key, value } of this.db.getRange()) {
      if (Array.isArray(key) && typeof key[0] === 'string' && typeof key[1] === 'string' && typeof value === 'object' && value !== null && scorer.restore(key[0], key[1], value)) restored++;
      else dropped++;
    }
    return { restored, dropped };
  }

  /** Writes every series' state in one transaction; returns the count. */
  async save(scorer: AlertScorer): Promise<number> {
    let n = 0;
    await this.env.transaction(() => {
      for (const [hostId, key, saved] of scorer.saved()) {
        void this.db.put([hostId, key], saved);
        n++;
      }
    });
    return n;
  }
}
