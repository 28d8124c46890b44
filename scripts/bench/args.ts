/** Option parsing shared by the benchmarks (node:util parseArgs, with numbers checked and errors that say what to pass). */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  /** Shown in --help. */
  readonly default?: string;
}

export function parseOptions(bench: string, argv: readonly string[], specs: Record<string, OptionSpec>): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, { type: s.type }])) });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError(`${bench}: ${(e as Error).message}; see \`npm run bench -- ${bench} --help\``);
  }
}

/** A number option within [min, max] (integers only when `integer`), or the default. */
export function numberOption(bench: string, values: Record<string, unknown>, name: string, fallback: number, min: number, max: number, integer = true): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${bench}: --${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${String(raw)}"`);
  }
  return n;
}

export function optionsHelp(specs: Record<string, OptionSpec>): string {
  const rows = Object.entries(specs).map(([k, s]) => [`--${k}${s.type === 'string' ? ' N' : ''}`, `${s.help}${s.default !== undefined ? ` (default ${s.default})` : ''}`] as const);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, h]) => `  ${k.padEnd(width)}  ${h}`).join('\n');
}
