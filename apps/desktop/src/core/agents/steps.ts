/**
 * An agent step: one schema-constrained question to the local model, with a validation of the answer and a
 * rule-based answer of the same shape for when no model is loaded or the model's answer is unusable.
 * The diagnosis is the first step; the planner (a later step) fits the same interface: its schema's
 * runbook id is an `enum` of the RunbookSpec ids whose preconditions hold and its parameters follow that
 * runbook's `params` schema, so the grammar itself cannot name a runbook that does not exist.
 */
import type { FunctionCallHandler } from '../models/model-host';
import type { FunctionSpec, GenerateRequest, GenerateTimings } from '../models/worker-protocol';

/** What a step needs from the model host (ModelHost implements it; tests can pass a fake). */
export interface Generator {
  ready(): boolean;
  /** The loaded model's file name. */
  modelName(): string | null;
  generate(req: GenerateRequest, onText?: (text: string) => void, onCall?: FunctionCallHandler): Promise<{ text: string; timings: GenerateTimings }>;
  /** Embedding vectors of texts (for the incident memory); absent: BM25 alone. */
  embed?(texts: readonly string[]): Promise<number[][]>;
}

export interface StepCheck<O> {
  /** The answer to keep (invalid references already dropped), or null when the answer is unusable. */
  readonly value: O | null;
  /** References that point at nothing in the input. */
  readonly invalidRefs: readonly string[];
  /** Anything else wrong (a missing field, a string too long), one line each. */
  readonly problems: readonly string[];
}

export interface AgentStep<I, O> {
  readonly name: string;
  readonly maxTokens: number;
  /** JSON schema of the answer: enums for ids, integers or enums for numbers, maxLength and maxItems everywhere. */
  schema(input: I): object;
  prompt(input: I): { readonly system: string; readonly user: string };
  check(answer: unknown, input: I): StepCheck<O>;
  /** The same shape from rules alone. */
  fallback(input: I): O;
  /** The note when no model is loaded (default: the diagnosis's). */
  readonly noModelNote?: string;
}

/** A runbook as the planner will see it (the runbook library comes with remediation). */
export interface RunbookSpec {
  readonly id: string;
  readonly title: string;
  /** JSON schema of its parameters (objects of strings, integers and enums only, bounded like every agent schema). */
  readonly params: object;
  /** Whether its preconditions hold for the incident at hand; only those become enum members. */
  readonly applicable: boolean;
}

export interface StepResult<O> {
  readonly value: O;
  readonly source: 'model' | 'rules';
  readonly notes: readonly string[];
  readonly timings: GenerateTimings | null;
}

/**
 * Ask the model; an answer with references to nothing, or otherwise invalid, is asked for once more, then
 * its invalid references are dropped (and said so); an unusable answer, a model failure or no model at
 * all gives the rule-based answer.
 */
/** Functions offered to the model before it answers (node-llama-cpp function calling), and who runs them. */
export interface StepFunctions {
  readonly specs: readonly FunctionSpec[];
  readonly maxCalls: number;
  readonly onCall: FunctionCallHandler;
  /** See GenerateRequest.forceFunctionCall. */
  readonly force?: boolean;
}

export async function runStep<I, O>(step: AgentStep<I, O>, input: I, generator: Generator | null, onText?: (text: string) => void, functions?: StepFunctions): Promise<StepResult<O>> {
  const notes: string[] = [];
  if (!generator?.ready()) return { value: step.fallback(input), source: 'rules', notes: [step.noModelNote ?? 'no model is loaded: diagnosis from the root-cause ranking'], timings: null };
  const { system, user } = step.prompt(input);
  const offered = functions && functions.specs.length > 0 && functions.maxCalls > 0 ? functions : null;
  const req: GenerateRequest = {
    system,
    user,
    schema: step.schema(input),
    maxTokens: step.maxTokens,
    ...(offered ? { functions: offered.specs, maxFunctionCalls: offered.maxCalls, ...(offered.force ? { forceFunctionCall: true } : {}) } : {}),
  };
  let timings: GenerateTimings | null = null;
  for (let attempt = 1; attempt <= 2; attempt++) {
    let text: string;
    try {
      const r = await generator.generate(req, onText, offered?.onCall);
      text = r.text;
      timings = r.timings;
    } catch (e) {
      notes.push(`${step.name}: ${(e as Error).message}; answered from rules instead`);
      return { value: step.fallback(input), source: 'rules', notes, timings };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const check = parsed === undefined ? { value: null, invalidRefs: [], problems: ['the answer is not JSON'] } : step.check(parsed, input);
    const clean = check.invalidRefs.length === 0 && check.problems.length === 0;
    if (clean && check.value !== null) return { value: check.value, source: 'model', notes, timings };
    const why = [...check.problems, ...(check.invalidRefs.length > 0 ? [`references to nothing in the incident: ${check.invalidRefs.join(', ')}`] : [])].join('; ');
    if (attempt === 1) {
      notes.push(`${step.name}: first answer rejected (${why}); asked again`);
      continue;
    }
    if (check.value !== null) {
      notes.push(`${step.name}: second answer kept without what was wrong (${why})`);
      return { value: check.value, source: 'model', notes, timings };
    }
    notes.push(`${step.name}: second answer unusable too (${why}); answered from rules instead`);
  }
  return { value: step.fallback(input), source: 'rules', notes, timings };
}
