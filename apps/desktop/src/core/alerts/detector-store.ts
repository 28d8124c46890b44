/**
 * Detector states in the LMDB sub-db `alerts.detectors`, key [hostId, seriesKey] → SavedSeries, so a
 * console restart resumes every series where it was instead of warming it up again. Read once at start.
 *
 * Written in slices while the console runs (`saveSlice`, every second: a pass over every series in about a
 * minute) and whole at stop (`save`). Saving all at once every 10 s was ~0.5 s of the main thread per save
 * at 1,000 hosts (100 k series; the `fleet` bench): a stall of ingest and the API every 10 s, and 5-9 % of a
 * core. A series' saved state is then at most a pass old when the console is killed; the samples since are
 * not scored again after the restart (see console.ts, replayWal), as before within the 10 s.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { AlertScorer, SavedSeries } from './scorer';

type SavedEntry = [hostId: string, key: string, saved: SavedSeries];

export class DetectorStore {
  private readonly db: Database<SavedSeries, [string, string]>;
  /** Where the current pass of slices stands (the scorer's maps are iterated live: new series join the pass). */
  private cursor: Iterator<SavedEntry> | null = null;

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

  /**
   * Writes the states of the next `max` series, continuing the pass over every series where the last slice
   * stopped (a new pass starts after the last series). Returns how many were written and whether this slice
   * ended a pass.
   */
  async saveSlice(scorer: AlertScorer, max: number): Promise<{ saved: number; passEnded: boolean }> {
    const entries: SavedEntry[] = [];
    let passEnded = false;
    this.cursor ??= scorer.saved();
    while (entries.length < max) {
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = null;
        passEnded = true;
        break;
      }
      entries.push(next.value);
    }
    if (entries.length > 0) {
      await this.env.transaction(() => {
        for (const [hostId, key, saved] of entries) void this.db.put([hostId, key], saved);
      });
    }
    return { saved: entries.length, passEnded };
  }

  /** Writes every series' state in one transaction (at stop); returns the count. */
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
