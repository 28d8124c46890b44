/**
 * The drawer's parameter form, generated from a runbook's parameter schema: text values in, typed params
 * out, with an error per field in the engine's own words (shared checkParamValue), so that what the form
 * accepts is what the console accepts.
 */
import type { Runbook, RunbookParam } from '@cerebro/shared/api/contract';
import { checkParamValue } from '@cerebro/shared/api/runbook-params';

/** The form's text per param name. */
export type FormValues = Readonly<Record<string, string>>;

export interface ParsedForm {
  /** The params to send (empty fields of params with a default are left out: the console fills the default). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Why a field is refused, by param name; empty when the form is valid. */
  readonly errors: Readonly<Record<string, string>>;
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** The first values: a link's prefill, else the proposal's params (from the incident), else the defaults. */
export function initialValues(rb: Runbook, proposed: Readonly<Record<string, unknown>> = {}, prefill: FormValues = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, p] of Object.entries(rb.params)) out[k] = prefill[k] ?? (proposed[k] !== undefined ? text(proposed[k]) : text(p.default));
  return out;
}

/** One field's text as the param's type, or why it is not one. */
export function parseField(p: RunbookParam, raw: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const s = raw.trim();
  let value: unknown = raw;
  if (p.type === 'integer' || p.type === 'number') {
    if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return { ok: false, error: `must be ${p.type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}` };
    value = Number(s);
  } else if (p.type === 'boolean') {
    if (s !== 'true' && s !== 'false') return { ok: false, error: `must be true or false, got ${JSON.stringify(raw)}` };
    value = s === 'true';
  }
  const why = checkParamValue(p, value);
  return why ? { ok: false, error: why } : { ok: true, value };
}

/** The form as params, every field checked; a required param left empty is an error naming it. */
export function parseForm(rb: Runbook, values: FormValues): ParsedForm {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [k, p] of Object.entries(rb.params)) {
    const raw = values[k] ?? '';
    if (raw.trim() === '') {
      if (p.default === undefined) errors[k] = `is required (${p.description})`;
      continue;
    }
    const r = parseField(p, raw);
    if (r.ok) params[k] = r.value;
    else errors[k] = r.error;
  }
  return { params, errors };
}

/** What the input shows as a hint: type and bounds ("integer, 2 or more"). */
export function fieldHint(p: RunbookParam): string {
  const bounds = p.min !== undefined && p.max !== undefined ? `, ${p.min} to ${p.max}` : p.min !== undefined ? `, ${p.min} or more` : p.max !== undefined ? `, at most ${p.max}` : '';
  const pattern = p.pattern ? `, matching ${p.pattern}` : '';
  const def = p.default !== undefined ? `; default ${String(p.default)}` : '';
  return `${p.type}${bounds}${pattern}${def}`;
}
