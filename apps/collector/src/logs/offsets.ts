/**
 * Where each followed file (by device and inode) and the journal are read up to, saved in the state
 * directory so a restart resumes there. Positions only count once the batch carrying their lines is in
 * the spool (which is durable), and a crash can come between writing this file and appending the batch;
 * so this is a two-phase record: `committed` positions, plus `pending` ones that hold only if batch
 * `pending.seq` reached the spool. At load, the spool's next seq tells which of the two to use. One
 * write per tick that ships log records, none on quiet ticks.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SavedFileOffset } from './files';

export interface Positions {
  /** By identity key (`dev:ino`). */
  readonly files: Readonly<Record<string, SavedFileOffset>>;
  readonly journal: string | null;
}

interface OffsetsFile {
  readonly v: 1;
  readonly savedAtMs: number;
  readonly committed: Positions;
  readonly pending: (Positions & { readonly seq: number }) | null;
}

export const EMPTY_POSITIONS: Positions = { files: {}, journal: null };

export class OffsetStore {
  private readonly file: string;
  private committed: Positions = EMPTY_POSITIONS;
  private pending: (Positions & { seq: number }) | null = null;
  /** When the previous run last saved (null: there was no previous run). */
  readonly previousSavedAtMs: number | null;
  readonly loaded: Positions;

  /** Open the store; `spoolNextSeq` is the seq the spool will give its next batch (all below it are in the spool or acked). */
  constructor(
    stateDir: string,
    spoolNextSeq: number,
    private readonly log: (level: 'warn', message: string) => void,
  ) {
    this.file = path.join(stateDir, 'log-offsets.json');
    let saved: OffsetsFile | null = null;
    try {
      saved = parseOffsets(fs.readFileSync(this.file, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log('warn', `log offsets ${this.file} are unreadable (${(e as Error).message}); followed files start as if new`);
    }
    this.previousSavedAtMs = saved?.savedAtMs ?? null;
    if (saved) this.committed = saved.pending && saved.pending.seq < spoolNextSeq ? { files: saved.pending.files, journal: saved.pending.journal } : saved.committed;
    this.loaded = this.committed;
  }

  /** Before appending batch `seq`: record the positions it completes (valid only if the append happens). */
  prepare(seq: number, positions: Positions): void {
    this.pending = { seq, ...positions };
    this.write();
  }

  /** Batch `pending.seq` is in the spool. */
  commit(): void {
    if (this.pending) this.committed = { files: this.pending.files, journal: this.pending.journal };
    this.pending = null;
  }

  /** The append failed: forget the pending positions (and say so on disk). */
  abort(): void {
    this.pending = null;
    this.write();
  }

  /** At stop: the committed positions alone. */
  close(): void {
    this.commit();
    this.write();
  }

  /** A failed write is logged, not thrown: it costs at most repeated lines after a restart, never lost ones. */
  private write(): void {
    const body: OffsetsFile = { v: 1, savedAtMs: Date.now(), committed: this.committed, pending: this.pending };
    const tmp = `${this.file}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(body));
      fs.renameSync(tmp, this.file);
    } catch (e) {
      this.log('warn', `cannot save log offsets to ${this.file} (${(e as Error).message}); after a restart some lines may be sent again`);
    }
  }
}

function parseOffsets(text: string): OffsetsFile {
  const o = JSON.parse(text) as Partial<OffsetsFile>;
  if (o.v !== 1 || typeof o.savedAtMs !== 'number') throw new Error('not a version 1 offsets file');
  const pending = o.pending && typeof o.pending.seq === 'number' ? { seq: o.pending.seq, ...positions(o.pending) } : null;
  return { v: 1, savedAtMs: o.savedAtMs, committed: positions(o.committed), pending };
}

function positions(v: unknown): Positions {
  const o = (typeof v === 'object' && v !== null ? v : {}) as { files?: unknown; journal?: unknown };
  const files: Record<string, SavedFileOffset> = {};
  if (typeof o.files === 'object' && o.files !== null) {
    for (const [key, f] of Object.entries(o.files as Record<string, unknown>)) {
      const e = f as Partial<SavedFileOffset> | null;
      if (/^\d+:\d+$/.test(key) && e && typeof e.path === 'string' && Number.isSafeInteger(e.off) && (e.off as number) >= 0 && typeof e.last === 'number') {
        files[key] = { path: e.path, off: e.off as number, last: e.last };
      }
    }
  }
  return { files, journal: typeof o.journal === 'string' && o.journal.length > 0 ? o.journal : null };
}
