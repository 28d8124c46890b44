/**
 * Runbook parameter values checked against their schema (RunbookParam): one rule for the console's loader
 * and engine and for the UI's parameter form, so that the form refuses exactly what the engine would.
 */
import type { RunbookParam } from './remediation';

/** Why `value` does not fit `p`, or null. */
export function checkParamValue(p: RunbookParam, value: unknown): string | null {
  switch (p.type) {
    case 'string':
      if (typeof value !== 'string') return `must be a string, got ${JSON.stringify(value)}`;
      if (p.pattern && !new RegExp(`^(?:${p.pattern})$`).test(value)) return `must match ${p.pattern}, got ${JSON.stringify(value)}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `must be true or false, got ${JSON.stringify(value)}`;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || (p.type === 'integer' && !Number.isInteger(value))) return `must be ${p.type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`;
      if (p.min !== undefined && value < p.min) return `must be at least ${p.min}, got ${value}`;
      if (p.max !== undefined && value > p.max) return `must be at most ${p.max}, got ${value}`;
      return null;
  }
}
