/**
 * Loghub-2k loader for the `loghub` benchmark: reads `<S>/<S>_2k.log_structured.csv` (original ground
 * truth) and `<S>/<S>_2k.log_structured_corrected.csv` (Khan et al.'s corrections) for each system folder
 * of DIR, and joins them by LineId. The miner sees only the `Content` column, as the Loghub benchmark does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { f1GroupAccuracy, f1TemplateAccuracy, groupingAccuracy, parsingAccuracy } from '@cerebro/shared/analytics/logs/metrics';
import { TemplateMiner, type MinerOptions } from '@cerebro/shared/analytics/logs/miner';

/**
 * RFC 4180 CSV: fields separated by commas, optionally quoted with `"`, `""` an escaped quote, quoted
 * fields may hold commas and newlines. Both \n and \r\n end a record. Returns rows of fields.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '"' && field === '') {
      // Quoted field: read to the closing quote.
      i++;
      for (;;) {
        if (i >= n) throw new Error('CSV: unterminated quoted field');
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += q;
        i++;
      }
      continue;
    }
    if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += ch;
    }
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface LabelledLine {
  readonly content: string;
  /** Original Loghub ground truth (for GA). */
  readonly template: string;
  /** Corrected ground truth (for PA and FTA). */
  readonly correctedTemplate: string;
}

export interface LoghubSystem {
  readonly name: string;
  readonly lines: LabelledLine[];
}

/** Rows of a structured CSV as LineId → { Content, EventTemplate }, with a clear error for a missing column. */
function readStructured(file: string): Map<string, { content: string; template: string }> {
  const rows = parseCsv(fs.readFileSync(file, 'utf8'));
  const header = rows[0];
  if (!header) throw new Error(`${file}: empty`);
  const col = (name: string): number => {
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`${file}: no "${name}" column (columns: ${header.join(', ')})`);
    return k;
  };
  const [id, content, template] = [col('LineId'), col('Content'), col('EventTemplate')];
  const out = new Map<string, { content: string; template: string }>();
  for (const r of rows.slice(1)) {
    if (r.length === 1 && r[0] === '') continue;
    out.set(r[id] ?? '', { content: r[content] ?? '', template: r[template] ?? '' });
  }
  return out;
}

/** Systems of DIR: subfolders holding `<S>_2k.log_structured.csv`, sorted by name. */
export function listSystems(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, `${e.name}_2k.log_structured.csv`)))
    .map((e) => e.name)
    .sort();
}

/**
 * One system's lines in file order. Lines whose ground truth (either one) is empty are dropped, as
 * METRICS.md says; a system without a corrected file uses the original for both.
 */
export function loadSystem(dir: string, name: string): LoghubSystem {
  const base = path.join(dir, name, `${name}_2k.log_structured`);
  // Mac's `_structured.csv` was re-edited by logparser; METRICS.md names `_structured_original.csv` as
  // the Loghub original, so it is preferred where present.
  const originalFile = fs.existsSync(`${base}_original.csv`) ? `${base}_original.csv` : `${base}.csv`;
  const original = readStructured(originalFile);
  const correctedFile = `${base}_corrected.csv`;
  const corrected = fs.existsSync(correctedFile) ? readStructured(correctedFile) : original;
  const lines: LabelledLine[] = [];
  for (const [id, o] of original) {
    const c = corrected.get(id);
    if (c === undefined || o.template === '' || c.template === '') continue;
    lines.push({ content: o.content, template: o.template, correctedTemplate: c.template });
  }
  return { name, lines };
}

export interface SystemScore {
  /** vs the original ground truth. */
  readonly ga: number;
  /** vs the corrected ground truth. */
  readonly pa: number;
  readonly fga: number;
  readonly fta: number;
  /** Templates the miner produced. */
  readonly templates: number;
}

/**
 * Mines a system's Content column with a fresh miner, one pass, and scores it. Each line gets its
 * template's final text (as Drain reports it after the pass); groups are those texts.
 */
export function scoreSystem(system: LoghubSystem, options: Partial<MinerOptions> = {}): SystemScore {
  const miner = new TemplateMiner(options);
  const ids = system.lines.map((l) => miner.add(l.content).id);
  const finalText = new Map(miner.templates().map((t) => [t.id, t.text]));
  const parsed = ids.map((id) => finalText.get(id) ?? '');
  const original = system.lines.map((l) => l.template);
  const corrected = system.lines.map((l) => l.correctedTemplate);
  return {
    ga: groupingAccuracy(parsed, original),
    pa: parsingAccuracy(parsed, corrected),
    fga: f1GroupAccuracy(parsed, corrected),
    fta: f1TemplateAccuracy(parsed, corrected),
    templates: finalText.size,
  };
}
