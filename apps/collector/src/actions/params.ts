/** Parameter checks for actions: each failure is an INVALID_PARAMS refusal naming the field. */
import { ActionRefused } from './types';

function bad(field: string, want: string, got: unknown): never {
  throw new ActionRefused('INVALID_PARAMS', `param "${field}" must be ${want}, got ${JSON.stringify(got) ?? String(got)}`);
}

export function str(p: Readonly<Record<string, unknown>>, field: string, opts: { pattern?: RegExp; max?: number } = {}): string {
  const v = p[field];
  if (typeof v !== 'string' || v.length === 0) bad(field, 'a non-empty string', v);
  if (v.length > (opts.max ?? 4096)) bad(field, `at most ${opts.max ?? 4096} characters`, `${v.slice(0, 40)}…`);
  if (opts.pattern && !opts.pattern.test(v)) bad(field, `a string matching ${String(opts.pattern)}`, v);
  return v;
}

export function int(p: Readonly<Record<string, unknown>>, field: string, min: number, max: number, fallback?: number): number {
  const v = p[field];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, `an integer from ${min} to ${max}`, v);
  return v;
}

export function strList(p: Readonly<Record<string, unknown>>, field: string, maxItems: number): string[] {
  const v = p[field];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > maxItems || !v.every((x) => typeof x === 'string' && x.length <= 4096)) bad(field, `a list of at most ${maxItems} strings`, v);
  return v as string[];
}

/** Unit names for supervisors and containers: no shell metacharacters, no option-looking leading dash. */
export const UNIT_NAME = /^[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,199}$/;
