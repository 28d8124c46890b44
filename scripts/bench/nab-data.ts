/**
 * Reads a NAB-shaped folder (`data/`, `labels/combined_windows.json`, `config/profiles.json`, and for the
 * checks `config/thresholds.json` and `published/`) into what shared/analytics/nab scores. All file access
 * of the NAB work lives here: shared/ stays free of node: modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseProfiles, type CostProfile, type ProfileName } from '@cerebro/shared/analytics/nab/profiles';
import { parseWindowsJson, windowsToIndices, type NabFile } from '@cerebro/shared/analytics/nab/windows';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared NAB copy, resolved from the repository root (never copied into the repo). */
export const DEFAULT_NAB_DIR = path.resolve(REPO_ROOT, '../shared/data/nab');

export interface NabSeries extends NabFile {
  readonly timestamps: readonly string[];
  /** Timestamps as ms since the epoch, UTC (NAB's are naive; UTC keeps them monotonic). */
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
}

export interface NabCorpus {
  readonly dir: string;
  /** Sorted by name, so every run walks the files in the same order. */
  readonly files: readonly NabSeries[];
  readonly profiles: Record<ProfileName, CostProfile>;
  readonly windowCount: number;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Splits a CSV with a header into its named columns (NAB's files are plain: no quoting). */
export function readCsvColumns(file: string, names: readonly string[]): string[][] {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',');
  const idx = names.map((n) => {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`${file}: no "${n}" column (header: ${header.join(',')})`);
    return i;
  });
  const cols = names.map(() => new Array<string>(lines.length - 1));
  for (let r = 1; r < lines.length; r++) {
    const cells = (lines[r] as string).split(',');
    idx.forEach((c, k) => ((cols[k] as string[])[r - 1] = cells[c] ?? ''));
  }
  return cols;
}

export function timestampMs(ts: string): number {
  return Date.parse(ts.replace(' ', 'T') + 'Z');
}

/** Loads every file named in combined_windows.json, optionally only those whose name passes `only`. */
export function loadNabCorpus(dir = DEFAULT_NAB_DIR, only?: (name: string) => boolean): NabCorpus {
  const windows = parseWindowsJson(readJson(path.join(dir, 'labels/combined_windows.json')));
  if (!windows.ok) throw new Error(windows.error);
  const profiles = parseProfiles(readJson(path.join(dir, 'config/profiles.json')));
  if (!profiles.ok) throw new Error(profiles.error);
  const files: NabSeries[] = [];
  for (const name of [...windows.value.keys()].sort()) {
    if (only && !only(name)) continue;
    const [timestamps = [], values = []] = readCsvColumns(path.join(dir, 'data', name), ['timestamp', 'value']);
    const idx = windowsToIndices(name, timestamps, windows.value.get(name) ?? []);
    if (!idx.ok) throw new Error(idx.error);
    files.push({
      name,
      rows: timestamps.length,
      windows: idx.value,
      timestamps,
      timestampsMs: Float64Array.from(timestamps, timestampMs),
      values: Float64Array.from(values, Number),
    });
  }
  return { dir, files, profiles: profiles.value, windowCount: files.reduce((s, f) => s + f.windows.length, 0) };
}

/** A published detector's per-row `anomaly_score` for one file: `published/<det>/<category>/<det>_<name>.csv`. */
export function loadPublishedScores(dir: string, detector: string, fileName: string): Float64Array {
  const [category, base] = fileName.split('/') as [string, string];
  const [scores = []] = readCsvColumns(path.join(dir, 'published', detector, category, `${detector}_${base}`), ['anomaly_score']);
  return Float64Array.from(scores, Number);
}

/** The thresholds of config/thresholds.json for one detector, per profile. */
export function loadPublishedThresholds(dir: string, detector: string): Record<ProfileName, number> {
  const all = readJson(path.join(dir, 'config/thresholds.json')) as Record<string, Record<string, { threshold: number }>>;
  const d = all[detector];
  if (!d) throw new Error(`config/thresholds.json has no detector "${detector}"`);
  return { standard: d['standard']!.threshold, reward_low_FP_rate: d['reward_low_FP_rate']!.threshold, reward_low_FN_rate: d['reward_low_FN_rate']!.threshold };
}

/** Per-file "Score" of `published/per_detector_scores/<det>_<profile>_scores.csv`, plus the Totals row under "Totals". */
export function loadPublishedFileScores(dir: string, detector: string, profile: ProfileName): Map<string, number> {
  const [detectorCol = [], files = [], scores = []] = readCsvColumns(path.join(dir, 'published/per_detector_scores', `${detector}_${profile}_scores.csv`), ['Detector', 'File', 'Score']);
  const out = new Map<string, number>();
  files.forEach((f, i) => out.set(detectorCol[i] === 'Totals' ? 'Totals' : f, Number(scores[i])));
  return out;
}
