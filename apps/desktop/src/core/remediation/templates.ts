/**
 * Fills runbook placeholders: `"{{pid}}"` alone becomes the param's typed value; inside a longer string
 * (`"fs.used_pct{mount={{mount}}}"`) it is written as text. `{{steps.ID.details.FIELD}}` reads an earlier
 * step's result (a rollback restoring what the step changed); `{{hostId}}` is the target host.
 */
import { PLACEHOLDER } from './runbook-schema';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export interface TemplateScope {
  readonly hostId: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Results of the steps run so far, by step id. */
  readonly steps: Readonly<Record<string, unknown>>;
}

function lookup(name: string, scope: TemplateScope): unknown {
  if (name === 'hostId') return scope.hostId;
  if (!name.startsWith('steps.')) {
    if (!Object.hasOwn(scope.params, name)) throw new TemplateError(`placeholder {{${name}}} has no value`);
    return scope.params[name];
  }
  let v: unknown = scope.steps;
  for (const part of name.split('.').slice(1)) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) throw new TemplateError(`placeholder {{${name}}}: the step result has no "${part}"`);
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export function fill(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}$/.exec(value);
    if (whole) return lookup(whole[1] as string, scope);
    return value.replace(PLACEHOLDER, (_m, name: string) => String(lookup(name, scope)));
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, scope));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, scope)]));
  return value;
}
