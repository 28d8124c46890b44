/**
 * Anomaly windows as row indices, and the probationary period (SCORING.md §1–2). The labels give windows
 * as timestamps; scoring works on 0-based row indices of one file, both ends inclusive.
 */
import { err, ok, type Result } from '../../result';

/** One labelled window: rows left..right of its file, both inclusive. */
export interface IndexWindow {
  readonly left: number;
  readonly right: number;
}

/** One data file as the scorer needs it: its row count and its windows (sorted, disjoint). */
export interface NabFile {
  /** `<category>/<name>.csv`, as in combined_windows.json. */
  readonly name: string;
  readonly rows: number;
  readonly windows: readonly IndexWindow[];
}

/** Rows at the start of a file that are never scored: min(floor(0.15·n), 750). */
export function probationLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** The label timestamps carry microseconds (`… 07:15:00.000000`), the data files do not. */
export function labelTimestampToData(ts: string): string {
  return ts.replace(/\.0+$/, '');
}

/**
 * Turns a file's windows given as `[start, end]` label timestamps into row indices, by exact timestamp
 * match against the file's `timestamp` column (NAB requires every window end to be a row of the file).
 */
export function windowsToIndices(name: string, timestamps: readonly string[], windows: ReadonlyArray<readonly [string, string]>): Result<IndexWindow[], string> {
  const rowOf = new Map<string, number>();
  timestamps.forEach((t, i) => rowOf.set(t, i));
  const out: IndexWindow[] = [];
  for (const [start, end] of windows) {
    const left = rowOf.get(labelTimestampToData(start));
    const right = rowOf.get(labelTimestampToData(end));
    if (left === undefined || right === undefined) return err(`${name}: window [${start}, ${end}] does not start and end on rows of the file`);
    if (right < left) return err(`${name}: window [${start}, ${end}] ends before it starts`);
    const prev = out[out.length - 1];
    if (prev !== undefined && left <= prev.right) return err(`${name}: window [${start}, ${end}] overlaps or precedes the one before it`);
    out.push({ left, right });
  }
  return ok(out);
}

/** Reads combined_windows.json (already JSON-parsed): file name → list of [start, end] timestamps. */
export function parseWindowsJson(json: unknown): Result<Map<string, Array<readonly [string, string]>>, string> {
  if (typeof json !== 'object' || json === null) return err('combined_windows.json: expected an object of file → windows');
  const out = new Map<string, Array<readonly [string, string]>>();
  for (const [file, list] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(list)) return err(`combined_windows.json: "${file}" is not a list of windows`);
    const windows: Array<readonly [string, string]> = [];
    for (const w of list as unknown[]) {
      if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== 'string' || typeof w[1] !== 'string') return err(`combined_windows.json: "${file}" has a window that is not [start, end]: ${JSON.stringify(w)}`);
      windows.push([w[0], w[1]]);
    }
    out.set(file, windows);
  }
  return ok(out);
}
