/**
 * The runbook schema, checked by hand so that every error names the file and the field
 * ("cpu-hog.json: steps[1].action: must be one of …"). `parseRunbook` turns unknown JSON into a Runbook or
 * throws RunbookError; placeholders must name a declared param or an earlier step.
 */
import { ACTION_NAMES, type ActionName, type CompareOp, type Runbook, type RunbookCondition, type RunbookParam, type RunbookStep, type RunbookVerification } from '@cerebro/shared/api/contract';
import { checkParamValue } from '@cerebro/shared/api/runbook-params';

export class RunbookError extends Error {
  override readonly name = 'RunbookError';
}

type Obj = Record<string, unknown>;
const OPS: readonly CompareOp[] = ['<', '<=', '>', '>=', '==', '!='];
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** `{{name}}` or `{{steps.id.path}}`. */
export const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

class Checker {
  constructor(readonly file: string) {}

  fail(field: string, msg: string): never {
    throw new RunbookError(`${this.file}: ${field}: ${msg}`);
  }

  obj(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `must be an object, got ${JSON.stringify(v)}`);
    return v as Obj;
  }

  only(o: Obj, keys: readonly string[], field: string): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(field ? `${field}.${k}` : k, `unknown field; known fields are ${keys.join(', ')}`);
  }

  str(v: unknown, field: string, max = 4000): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(field, `must be a non-empty string, got ${JSON.stringify(v)}`);
    if (v.length > max) this.fail(field, `must be at most ${max} characters`);
    return v;
  }

  num(v: unknown, field: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) this.fail(field, `must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, list: readonly T[], field: string): T {
    if (typeof v !== 'string' || !list.includes(v as T)) this.fail(field, `must be one of ${list.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  numOrPlaceholder(v: unknown, field: string): number | string {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^\{\{[^}]+\}\}$/.test(v.trim())) return v;
    this.fail(field, `must be a number or a "{{param}}" placeholder, got ${JSON.stringify(v)}`);
  }
}

function param(c: Checker, v: unknown, field: string): RunbookParam {
  const o = c.obj(v, field);
  c.only(o, ['type', 'description', 'default', 'min', 'max', 'pattern'], field);
  const type = c.oneOf(o['type'], ['string', 'integer', 'number', 'boolean'] as const, `${field}.type`);
  const p: { -readonly [K in keyof RunbookParam]: RunbookParam[K] } = { type, description: c.str(o['description'], `${field}.description`) };
  if (o['min'] !== undefined) p.min = c.num(o['min'], `${field}.min`, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (o['max'] !== undefined) p.max = c.num(o['max'], `${field}.max`, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (o['pattern'] !== undefined) {
    p.pattern = c.str(o['pattern'], `${field}.pattern`, 500);
    try {
      new RegExp(p.pattern);
    } catch (e) {
      c.fail(`${field}.pattern`, `is not a valid regular expression (${(e as Error).message})`);
    }
  }
  if (o['default'] !== undefined) {
    const err = checkParamValue(p, o['default']);
    if (err) c.fail(`${field}.default`, err);
    p.default = o['default'] as string | number | boolean;
  }
  return p;
}

/** Why a value does not fit a param, or null (shared with the UI's parameter form). */
export { checkParamValue };

function condition(c: Checker, v: unknown, field: string): RunbookCondition {
  const o = c.obj(v, field);
  const kind = c.oneOf(o['kind'], ['metric', 'process', 'host'] as const, `${field}.kind`);
  switch (kind) {
    case 'metric': {
      c.only(o, ['kind', 'key', 'op', 'value', 'maxAgeMs'], field);
      const cond = { kind, key: c.str(o['key'], `${field}.key`, 500), op: c.oneOf(o['op'], OPS, `${field}.op`), value: c.numOrPlaceholder(o['value'], `${field}.value`) } as const;
      return o['maxAgeMs'] === undefined ? cond : { ...cond, maxAgeMs: c.num(o['maxAgeMs'], `${field}.maxAgeMs`, 1_000, 3_600_000) };
    }
    case 'process': {
      c.only(o, ['kind', 'name', 'cmdContains', 'pid', 'expect', 'field', 'op', 'value', 'startedAfterRun'], field);
      const out: Record<string, unknown> = { kind, expect: c.oneOf(o['expect'], ['present', 'absent'] as const, `${field}.expect`) };
      if (o['name'] !== undefined) out['name'] = c.str(o['name'], `${field}.name`, 200);
      if (o['cmdContains'] !== undefined) out['cmdContains'] = c.str(o['cmdContains'], `${field}.cmdContains`, 500);
      if (o['pid'] !== undefined) out['pid'] = c.numOrPlaceholder(o['pid'], `${field}.pid`);
      if (out['name'] === undefined && out['cmdContains'] === undefined && out['pid'] === undefined) c.fail(field, 'a process condition needs at least one of name, cmdContains, pid');
      if (o['field'] !== undefined || o['op'] !== undefined || o['value'] !== undefined) {
        out['field'] = c.oneOf(o['field'], ['cpuPct', 'rssBytes', 'threads', 'fds'] as const, `${field}.field`);
        out['op'] = c.oneOf(o['op'], OPS, `${field}.op`);
        out['value'] = c.numOrPlaceholder(o['value'], `${field}.value`);
      }
      if (o['startedAfterRun'] !== undefined) {
        if (typeof o['startedAfterRun'] !== 'boolean') c.fail(`${field}.startedAfterRun`, 'must be true or false');
        out['startedAfterRun'] = o['startedAfterRun'];
      }
      return out as RunbookCondition;
    }
    case 'host': {
      c.only(o, ['kind', 'fact', 'op', 'value'], field);
      const op = c.oneOf(o['op'], ['==', '!=', 'exists'] as const, `${field}.op`);
      const fact = c.str(o['fact'], `${field}.fact`, 200);
      if (op === 'exists') return { kind, fact, op };
      const value = o['value'];
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') c.fail(`${field}.value`, `must be a string, number or boolean, got ${JSON.stringify(value)}`);
      return { kind, fact, op, value };
    }
  }
}

function step(c: Checker, v: unknown, field: string): RunbookStep {
  const o = c.obj(v, field);
  c.only(o, ['id', 'action', 'params', 'timeoutMs', 'delayMs', 'description', 'optional'], field);
  const id = c.str(o['id'], `${field}.id`, 64);
  if (!ID.test(id)) c.fail(`${field}.id`, `must be lower-case letters, digits and dashes, got ${JSON.stringify(id)}`);
  const s: { -readonly [K in keyof RunbookStep]: RunbookStep[K] } = { id, action: c.oneOf<ActionName>(o['action'], ACTION_NAMES, `${field}.action`), params: o['params'] === undefined ? {} : c.obj(o['params'], `${field}.params`) };
  if (o['timeoutMs'] !== undefined) s.timeoutMs = c.num(o['timeoutMs'], `${field}.timeoutMs`, 100, 600_000);
  if (o['delayMs'] !== undefined) s.delayMs = c.num(o['delayMs'], `${field}.delayMs`, 0, 600_000);
  if (o['description'] !== undefined) s.description = c.str(o['description'], `${field}.description`);
  if (o['optional'] !== undefined) {
    if (typeof o['optional'] !== 'boolean') c.fail(`${field}.optional`, 'must be true or false');
    s.optional = o['optional'];
  }
  return s;
}

function list<T>(c: Checker, v: unknown, field: string, min: number, max: number, each: (v: unknown, field: string) => T): T[] {
  if (!Array.isArray(v)) c.fail(field, `must be a list, got ${JSON.stringify(v)}`);
  if (v.length < min || v.length > max) c.fail(field, `must hold from ${min} to ${max} items, got ${v.length}`);
  return v.map((x, i) => each(x, `${field}[${i}]`));
}

/** Every placeholder in `value` must name a declared param or `steps.<id>.…` of a step in `earlier`. */
function checkPlaceholders(c: Checker, value: unknown, field: string, params: Readonly<Record<string, RunbookParam>>, earlier: ReadonlySet<string>): void {
  const text = JSON.stringify(value);
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    if (name.startsWith('steps.')) {
      const stepId = name.split('.')[1] ?? '';
      if (!earlier.has(stepId)) c.fail(field, `placeholder {{${name}}} names step "${stepId}", which does not run before it`);
    } else if (!Object.hasOwn(params, name) && name !== 'hostId') {
      c.fail(field, `placeholder {{${name}}} names no declared param (declared: ${Object.keys(params).join(', ') || 'none'})`);
    }
  }
}

/** A validated runbook; `file` names it in errors; `scripts` maps shipped script names to their SHA-256. */
export function parseRunbook(json: unknown, file: string, scripts: ReadonlyMap<string, string>): Runbook {
  const c: Checker = new Checker(file);
  const o = c.obj(json, '(top level)');
  c.only(o, ['$schema', 'id', 'title', 'description', 'remedies', 'params', 'preconditions', 'steps', 'verification', 'rollback'], '');
  const id = c.str(o['id'], 'id', 64);
  if (!ID.test(id)) c.fail('id', `must be lower-case letters, digits and dashes, got ${JSON.stringify(id)}`);
  const paramsObj = o['params'] === undefined ? {} : c.obj(o['params'], 'params');
  const params: Record<string, RunbookParam> = {};
  for (const [k, v] of Object.entries(paramsObj)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(k)) c.fail(`params.${k}`, 'a param name is letters, digits and _');
    params[k] = param(c, v, `params.${k}`);
  }
  const remedies = o['remedies'] === undefined ? [] : list(c, o['remedies'], 'remedies', 0, 50, (v, f) => c.str(v, f, 200));
  const preconditions = o['preconditions'] === undefined ? [] : list(c, o['preconditions'], 'preconditions', 0, 20, (v, f) => condition(c, v, f));
  const steps = list(c, o['steps'], 'steps', 1, 20, (v, f) => step(c, v, f));
  const v = c.obj(o['verification'], 'verification');
  c.only(v, ['all', 'withinMs', 'pollMs'], 'verification');
  const verification: RunbookVerification = {
    all: list(c, v['all'], 'verification.all', 1, 20, (x, f) => condition(c, x, f)),
    withinMs: c.num(v['withinMs'], 'verification.withinMs', 1_000, 3_600_000),
    ...(v['pollMs'] !== undefined ? { pollMs: c.num(v['pollMs'], 'verification.pollMs', 100, 60_000) } : {}),
  };
  const rollback = o['rollback'] === undefined ? undefined : list(c, o['rollback'], 'rollback', 1, 20, (x, f) => step(c, x, f));
  const seen = new Set<string>();
  const usedScripts: Record<string, string> = {};
  steps.forEach((s, i) => {
    if (seen.has(s.id)) c.fail(`steps[${i}].id`, `"${s.id}" is used twice`);
    checkPlaceholders(c, s.params, `steps[${i}].params`, params, seen);
    seen.add(s.id);
  });
  rollback?.forEach((s, i) => checkPlaceholders(c, s.params, `rollback[${i}].params`, params, seen));
  preconditions.forEach((p, i) => checkPlaceholders(c, p, `preconditions[${i}]`, params, new Set()));
  verification.all.forEach((p, i) => checkPlaceholders(c, p, `verification.all[${i}]`, params, seen));
  // run-script steps name a script shipped in scripts/; the loader fills in its hash, which is what the host checks.
  [...steps, ...(rollback ?? [])].forEach((s) => {
    if (s.action !== 'run-script') return;
    const name = s.params['script'];
    const where = `${steps.includes(s) ? 'steps' : 'rollback'}[${(steps.includes(s) ? steps : (rollback ?? [])).indexOf(s)}].params.script`;
    if (typeof name !== 'string') c.fail(where, 'a run-script step names its script file (in the runbooks scripts/ folder)');
    const hash = scripts.get(name);
    if (!hash) c.fail(where, `no script ${JSON.stringify(name)} in the runbooks scripts/ folder`);
    usedScripts[name] = hash;
  });
  return {
    id,
    title: c.str(o['title'], 'title', 200),
    description: c.str(o['description'], 'description'),
    remedies,
    params,
    preconditions,
    steps,
    verification,
    ...(rollback ? { rollback } : {}),
    scripts: usedScripts,
    file,
  };
}
