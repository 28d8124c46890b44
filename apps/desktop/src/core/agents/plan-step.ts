/**
 * The planner step: proposes one remediation for a diagnosed incident. Its schema's runbook id is a `const`
 * per candidate (a `oneOf` of the runbooks that exist and whose preconditions hold, plus "none"), so the
 * grammar cannot name any other runbook; each branch's params follow that runbook's params (values the
 * incident gives are the only choice; the rest are typed and bounded). The answer is validated again with
 * the runbook library's own param check: an invalid answer is asked for once more, then dropped with why.
 */
import { PLAN_LIMITS, type Diagnosis, type Incident, type Plan, type Runbook, type RunbookParam, type RunbookProposal } from '@cerebro/shared/api/contract';
import { checkParamValue } from '../remediation/runbook-schema';
import type { AgentStep, StepCheck } from './steps';

/**
 * A runbook the planner may choose: it exists, fits the incident and its preconditions hold on `hostId`.
 * The proposal's fields (host, params the incident gives, missing params, reason; proposals.ts) with the
 * runbook itself.
 */
export type PlanCandidate = Pick<RunbookProposal, 'hostId' | 'params' | 'missing' | 'reason'> & { readonly runbook: Runbook };

export interface PlanInput {
  readonly incident: Incident;
  readonly diagnosis: Diagnosis | null;
  /** Best first (complete proposals first, as proposals.ts sorts them). */
  readonly candidates: readonly PlanCandidate[];
  /** Why there is nothing to choose from, when `candidates` is empty (remediation off, nothing fits). */
  readonly unavailable: string | null;
}

export const NO_RUNBOOK = 'none';
/** Candidates written into the prompt (all of them stay in the grammar). */
const MAX_PROMPT_CANDIDATES = 6;
/** Integer params whose bounds allow at most this many values become an enum of them. */
const MAX_ENUM_RANGE = 32;

type Value = string | number | boolean;

const isValue = (v: unknown): v is Value => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** The value the incident fixes for a param (which process, which mount); none: the model chooses. */
function fixedValue(given: unknown): Value | undefined {
  return isValue(given) ? given : undefined;
}

/** The grammar of one param the model chooses: its type, bounded (small integer ranges as an enum). */
export function paramSchema(spec: RunbookParam): object {
  switch (spec.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string', maxLength: PLAN_LIMITS.stringParamChars };
    case 'integer':
    case 'number':
      if (spec.min !== undefined && spec.max !== undefined && spec.max - spec.min < MAX_ENUM_RANGE) {
        return { enum: Array.from({ length: Math.floor(spec.max - spec.min) + 1 }, (_, i) => Math.ceil(spec.min!) + i) };
      }
      // Unbounded integers are checked after parsing (range, safe integer).
      return { type: 'integer' };
  }
}

function schema(input: PlanInput): object {
  const reason = { type: 'string', maxLength: PLAN_LIMITS.reasonChars };
  // Only what the model chooses is in the grammar: the host and the params the incident already fixes
  // (which process, which mount) are filled in after parsing. Every forced token still costs a decoding step.
  const branches: object[] = input.candidates.map((c) => {
    const open = Object.entries(c.runbook.params).filter(([k]) => fixedValue(c.params[k]) === undefined);
    const properties: Record<string, object> = { runbookId: { const: c.runbook.id } };
    if (open.length > 0) properties['params'] = { type: 'object', properties: Object.fromEntries(open.map(([k, spec]) => [k, paramSchema(spec)])), required: open.map(([k]) => k) };
    properties['reason'] = reason;
    return { type: 'object', properties, required: Object.keys(properties) };
  });
  branches.push({ type: 'object', properties: { runbookId: { const: NO_RUNBOOK }, reason }, required: ['runbookId', 'reason'] });
  return { oneOf: branches };
}

function none(reason: string): Plan {
  return { runbookId: null, hostId: null, params: {}, missing: [], reason: reason.slice(0, PLAN_LIMITS.reasonChars) };
}

/** Why `params` do not fit `rb` (unknown, missing, ill-typed ones), one line each; none: they fit. */
export function paramProblems(rb: Runbook, params: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(params)) if (!Object.hasOwn(rb.params, k)) out.push(`runbook ${rb.id} has no param "${k}"`);
  for (const [k, spec] of Object.entries(rb.params)) {
    const v = params[k];
    if (v === undefined) {
      if (spec.default === undefined) out.push(`param "${k}" is required (${spec.description})`);
      continue;
    }
    const why = checkParamValue(spec, v);
    if (why) out.push(`param "${k}" ${why}`);
    else if (typeof v === 'number' && spec.type === 'integer' && !Number.isSafeInteger(v)) out.push(`param "${k}" is out of range (${v})`);
  }
  return out;
}

function check(answer: unknown, input: PlanInput): StepCheck<Plan> {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return { value: null, invalidRefs: [], problems: ['the answer is not a JSON object'] };
  const a = answer as Record<string, unknown>;
  const reasonRaw = typeof a['reason'] === 'string' ? a['reason'].trim() : '';
  const problems: string[] = [];
  if (reasonRaw === '') problems.push('"reason" must be a non-empty string');
  if (reasonRaw.length > PLAN_LIMITS.reasonChars) problems.push(`"reason" is over ${PLAN_LIMITS.reasonChars} characters`);
  const reason = reasonRaw.slice(0, PLAN_LIMITS.reasonChars);
  const id = a['runbookId'];
  if (id === NO_RUNBOOK) return { value: none(reason || 'the model proposes no runbook'), invalidRefs: [], problems };
  const candidate = input.candidates.find((c) => c.runbook.id === id);
  if (!candidate) return { value: null, invalidRefs: [typeof id === 'string' ? `runbook:${id}` : JSON.stringify(id)], problems };
  if (a['hostId'] !== undefined && a['hostId'] !== candidate.hostId) problems.push(`"hostId" must be ${candidate.hostId} (where the runbook's preconditions hold), got ${JSON.stringify(a['hostId'])}`);
  const raw = a['params'] ?? {};
  const chosen = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  // The values the incident fixes, then the model's choices (a choice may not override a fixed value).
  const params: Record<string, unknown> = {};
  for (const k of Object.keys(candidate.runbook.params)) {
    const fixed = fixedValue(candidate.params[k]);
    if (fixed !== undefined) params[k] = fixed;
  }
  for (const [k, v] of Object.entries(chosen ?? {})) {
    if (params[k] !== undefined && params[k] !== v && candidate.params[k] !== undefined) problems.push(`param "${k}" is ${JSON.stringify(candidate.params[k])} in this incident, got ${JSON.stringify(v)}`);
    else params[k] = v;
  }
  const bad = chosen === null ? ['"params" must be an object'] : paramProblems(candidate.runbook, params);
  if (bad.length > 0) {
    // Dropped, with why: a plan with params the runbook refuses must not reach the engine.
    return { value: none(`dropped ${candidate.runbook.id}: ${bad.join('; ')}`), invalidRefs: [], problems: [...problems, ...bad] };
  }
  const clean: Record<string, Value> = {};
  for (const [k, v] of Object.entries(params)) if (isValue(v)) clean[k] = v;
  return { value: { runbookId: candidate.runbook.id, hostId: candidate.hostId, params: clean, missing: [], reason: reason || candidate.reason.slice(0, PLAN_LIMITS.reasonChars) }, invalidRefs: [], problems };
}

/** The top candidate as it is (proposals.ts's best), defaults filled; none when there is nothing to choose. */
export function ruleBasedPlan(input: PlanInput): Plan {
  const top = input.candidates[0];
  if (!top) return none(input.unavailable ?? 'no runbook of the library fits this incident');
  const params: Record<string, Value> = {};
  for (const [k, spec] of Object.entries(top.runbook.params)) {
    const v = top.params[k] ?? spec.default;
    if (isValue(v)) params[k] = v;
  }
  return { runbookId: top.runbook.id, hostId: top.hostId, params, missing: [...top.missing], reason: top.reason.slice(0, PLAN_LIMITS.reasonChars) };
}

const SYSTEM =
  'You are a senior site reliability engineer. Given the incident, its diagnosis and the runbooks that can run now, answer in JSON: the runbook to run (or "none"), the host, its parameters and one sentence of reason. Only the runbooks listed can be chosen.';

const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/**
 * Compact on purpose: every prompt token costs ~5 ms on a 2-core CPU with a 0.5B model, and the plan comes
 * right after a ~1,500-token diagnosis (the agents benchmark times both). Titles and params, no descriptions.
 */
function prompt(input: PlanInput): { system: string; user: string } {
  const lines: string[] = [];
  const inc = input.incident;
  lines.push(`Incident: ${clip(inc.title, 120)}.`);
  if (input.diagnosis) lines.push(`Diagnosis: ${clip(input.diagnosis.summary, 160)} Root cause: ${clip(input.diagnosis.rootCause, 120)}`);
  const top = inc.causes[0];
  if (top) lines.push(`Top cause: ${top.kind} ${top.name} on ${top.host}${top.pid !== undefined ? ` (pid ${top.pid})` : ''}.`);
  lines.push('Runbooks that can run now:');
  for (const c of input.candidates.slice(0, MAX_PROMPT_CANDIDATES)) {
    const ps = Object.entries(c.runbook.params).map(([k, p]) => `${k}=${c.params[k] !== undefined ? JSON.stringify(c.params[k]) : p.default !== undefined ? JSON.stringify(p.default) : `<${p.type}>`}`);
    lines.push(`- ${c.runbook.id} on ${c.hostId}: ${clip(c.runbook.title, 80)} (${ps.join(', ') || 'no params'})`);
  }
  return { system: SYSTEM, user: `${lines.join('\n')}\nPropose one runbook, or none.` };
}

export const planStep: AgentStep<PlanInput, Plan> = {
  name: 'plan',
  maxTokens: 384,
  schema,
  prompt,
  check,
  fallback: ruleBasedPlan,
  noModelNote: 'no model is loaded: plan from the rule-based proposals',
};
