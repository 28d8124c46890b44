/**
 * The output contract of ../shared/BENCHMARKS.md: progress and tables on stderr, and the LAST line of
 * stdout one JSON object with "bench": NAME, plain numbers, null for a figure that could not be measured
 * plus a "skipped" entry saying why.
 */

export type Figure = number | string | boolean | null | Figure[] | { [key: string]: Figure };

export interface BenchResult {
  readonly bench: string;
  readonly figures: Record<string, Figure>;
  /** key → why that figure is null. */
  readonly skipped: Record<string, string>;
}

/** The one JSON line a benchmark prints last on stdout. */
export function resultLine(result: BenchResult): string {
  const out: Record<string, Figure> = { bench: result.bench, ...result.figures };
  if (Object.keys(result.skipped).length > 0) out['skipped'] = { ...result.skipped };
  return JSON.stringify(out);
}

export function progress(bench: string, message: string): void {
  process.stderr.write(`[${bench}] ${message}\n`);
}

/** A two-column table of the figures (key, value), for people; goes to stderr. */
export function figuresTable(result: BenchResult): string {
  const show = (v: Figure): string => {
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return text.length > 100 ? text.slice(0, 97) + '...' : text;
  };
  const rows: Array<[string, string]> = Object.entries(result.figures).map(([k, v]) => [k, v === null ? `— (${result.skipped[k] ?? 'not measured'})` : show(v)]);
  const width = Math.max(6, ...rows.map(([k]) => k.length));
  const line = '-'.repeat(width + 2 + Math.max(5, ...rows.map(([, v]) => v.length)));
  return [`${result.bench}`, line, ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), line, ''].join('\n');
}

/** Print the table to stderr and the JSON line to stdout (last). */
export function emit(result: BenchResult): void {
  process.stderr.write('\n' + figuresTable(result));
  process.stdout.write(resultLine(result) + '\n');
}
