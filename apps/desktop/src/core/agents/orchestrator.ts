/**
 * The orchestrator: answers a free question ("Ask"), about an incident or the fleet. Each step is a small
 * typed step whose grammar chooses among actions: one of the read-only tools (series, log template lines,
 * topology neighbours, similar past incidents) with arguments from enums of what exists, or a final action
 * (answer in words; diagnose or plan the incident). Tool results are added to the next step's context; after
 * ASK_LIMITS.toolSteps tool calls only the final actions remain in the grammar, so the loop always ends.
 * With no model it answers from rules (the diagnosis and plan of the incident, or similar past incidents).
 */
import { randomBytes } from 'node:crypto';
import { AGENT_TOOLS, ASK_LIMITS, type AgentToolCall, type AgentToolName, type AskAction, type AskRecord, type DiagnosisRecord, type Incident } from '@cerebro/shared/api/contract';
import type { AskStore } from './ask-store';
import { incidentContext } from './diagnosis-step';
import type { DiagnosisService } from './diagnosis-service';
import { runStep, type AgentStep, type Generator, type StepCheck, type StepFunctions } from './steps';
import { runTool, toolArgs, ToolArgError, toolBranches, toolFunctions, toolScope, type ToolScope, type ToolSources } from './tools';

export interface OrchestratorDeps {
  readonly generator: Generator | null;
  readonly tools: ToolSources;
  readonly diagnoses: DiagnosisService;
  readonly incidents: { get(id: string): Promise<Incident | null> };
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Offer the tools as node-llama-cpp functions on the first step (default true). */
  readonly functionCalling?: boolean;
  /** Make the first step's function turn start with a call (tests: random weights never call on their own). */
  readonly forceFunctionCall?: boolean;
  /** Where Asks are kept across restarts (each step written through); absent: memory only. */
  readonly store?: AskStore;
}

export class AskError extends Error {
  override readonly name = 'AskError';
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

/** One step's choice: a tool call, or a final action. */
export type Decision = { readonly kind: 'tool'; readonly tool: AgentToolName; readonly args: Record<string, string> } | { readonly kind: 'final'; readonly action: AskAction; readonly answer: string | null };

export interface StepState {
  readonly question: string;
  readonly incident: Incident | null;
  /** The incident as text (diagnosis-step's context), when there is one. */
  readonly context: string | null;
  readonly scope: ToolScope;
  readonly calls: readonly AgentToolCall[];
  /** Tool calls still allowed. */
  readonly toolsLeft: number;
}

const FINAL_ACTIONS = ['answer', 'diagnose', 'plan'] as const;
const KEEP = 200;

function schema(s: StepState): object {
  const branches: object[] = s.toolsLeft > 0 ? toolBranches(s.scope) : [];
  branches.push({ type: 'object', properties: { action: { const: 'answer' }, answer: { type: 'string', maxLength: ASK_LIMITS.answerChars } }, required: ['action', 'answer'] });
  if (s.incident) for (const a of ['diagnose', 'plan'] as const) branches.push({ type: 'object', properties: { action: { const: a } }, required: ['action'] });
  return { oneOf: branches };
}

function check(answer: unknown, s: StepState): StepCheck<Decision> {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return { value: null, invalidRefs: [], problems: ['the answer is not a JSON object'] };
  const a = answer as Record<string, unknown>;
  const action = a['action'];
  if ((AGENT_TOOLS as readonly unknown[]).includes(action)) {
    if (s.toolsLeft <= 0) return { value: null, invalidRefs: [], problems: [`no tool calls are left (at most ${ASK_LIMITS.toolSteps})`] };
    try {
      return { value: { kind: 'tool', tool: action as AgentToolName, args: toolArgs(action as AgentToolName, a, s.scope) }, invalidRefs: [], problems: [] };
    } catch (e) {
      if (!(e instanceof ToolArgError)) throw e;
      return { value: null, invalidRefs: [], problems: [`${String(action)}: ${e.message}`] };
    }
  }
  if (!(FINAL_ACTIONS as readonly unknown[]).includes(action)) return { value: null, invalidRefs: [], problems: [`"action" must be one of ${[...AGENT_TOOLS, ...FINAL_ACTIONS].join(', ')}`] };
  if ((action === 'diagnose' || action === 'plan') && !s.incident) return { value: null, invalidRefs: [], problems: [`"${action}" needs an incident`] };
  if (action === 'answer') {
    const text = typeof a['answer'] === 'string' ? a['answer'].trim() : '';
    if (text === '') return { value: null, invalidRefs: [], problems: ['"answer" must be a non-empty string'] };
    return { value: { kind: 'final', action: 'answer', answer: text.slice(0, ASK_LIMITS.answerChars) }, invalidRefs: [], problems: text.length > ASK_LIMITS.answerChars ? [`"answer" is over ${ASK_LIMITS.answerChars} characters`] : [] };
  }
  return { value: { kind: 'final', action: action as AskAction, answer: null }, invalidRefs: [], problems: [] };
}

/** Rules: an incident is diagnosed (and planned); a fleet question is answered with similar past incidents. */
function fallback(s: StepState): Decision {
  if (s.incident) return { kind: 'final', action: 'diagnose', answer: null };
  const similar = s.calls.find((c) => c.tool === 'similarIncidents');
  return { kind: 'final', action: 'answer', answer: similar ? `No model answered; past incidents matching the question: ${similar.result}` : 'No model is loaded: load one on the Models panel to ask free questions; meanwhile, open an incident and use Diagnose.' };
}

const SYSTEM =
  'You are a senior site reliability engineer with read-only tools. Answer in JSON with one action: call a tool (series, logTemplate, neighbours, similarIncidents) to look at the system, or finish with "answer" (in words), "diagnose" or "plan" (for the incident). Use few tools.';

function prompt(s: StepState): { system: string; user: string } {
  const lines: string[] = [];
  if (s.context) lines.push(s.context, '');
  lines.push(`Question: ${s.question}`);
  for (const [i, c] of s.calls.entries()) lines.push(`Tool call ${i + 1}: ${c.tool}(${Object.entries(c.args).map(([k, v]) => `${k}=${v}`).join(', ')}) → ${c.result}`);
  lines.push(s.toolsLeft > 0 ? `You may call ${s.toolsLeft} more tool${s.toolsLeft === 1 ? '' : 's'}, or finish.` : 'No tool calls are left: finish now.');
  return { system: SYSTEM, user: lines.join('\n') };
}

export const orchestratorStep: AgentStep<StepState, Decision> = {
  name: 'orchestrator',
  maxTokens: 256,
  schema,
  prompt,
  check,
  fallback,
  noModelNote: 'no model is loaded: answered from rules',
};

export class Orchestrator {
  private readonly records = new Map<string, AskRecord>();
  /** Asks running now. */
  private running = 0;

  constructor(private readonly deps: OrchestratorDeps) {
    for (const r of deps.store?.load() ?? []) this.remember(r);
  }

  get(id: string): AskRecord | null {
    return this.records.get(id) ?? null;
  }

  /** Whether an Ask runs now (the memory's background embedding waits meanwhile). */
  busy(): boolean {
    return this.running > 0;
  }

  /** Start an Ask; `started` is the running record (its id names the tokens on the live `diagnosis` topic). */
  async ask(question: string, incidentId: string | null): Promise<{ started: AskRecord; done: Promise<AskRecord> }> {
    const q = question.trim();
    if (q === '' || q.length > ASK_LIMITS.questionChars) throw new AskError('BAD_REQUEST', `"question" must be 1 to ${ASK_LIMITS.questionChars} characters`);
    const incident = incidentId === null ? null : await this.deps.incidents.get(incidentId);
    if (incidentId !== null && !incident) throw new AskError('NOT_FOUND', `no incident with id ${incidentId}; list them with GET /incidents?state=all`);
    const generator = this.deps.generator?.ready() ? this.deps.generator : null;
    const started: AskRecord = {
      id: `ask-${randomBytes(6).toString('hex')}`,
      question: q,
      incidentId,
      state: 'running',
      source: generator ? 'model' : 'rules',
      model: generator?.modelName() ?? null,
      startedMs: Date.now(),
      finishedMs: null,
      action: null,
      answer: null,
      steps: [],
      notes: [],
    };
    this.store(started);
    this.running++;
    const done = this.run(started, incident, generator)
      .catch((e: unknown) => {
        this.deps.log?.('error', `agents: ask ${started.id} failed: ${(e as Error).message}`);
        return this.store({ ...this.records.get(started.id)!, state: 'failed', finishedMs: Date.now(), error: (e as Error).message });
      })
      .finally(() => this.running--);
    return { started, done };
  }

  private async run(record: AskRecord, incident: Incident | null, generator: Generator | null): Promise<AskRecord> {
    const diagnosis = incident ? this.deps.diagnoses.get(incident.id) : null;
    let state: StepState = {
      question: record.question,
      incident,
      context: incident ? incidentContext({ incident, alerts: new Map(), similar: (diagnosis?.similar ?? []).map((h) => ({ incidentId: h.incidentId, title: h.title, score: h.score })) }) : null,
      scope: toolScope(this.deps.tools, incident),
      calls: [],
      toolsLeft: ASK_LIMITS.toolSteps,
    };
    const notes: string[] = [];
    let source: 'model' | 'rules' = generator ? 'model' : 'rules';
    if (!generator && !incident) {
      // A fleet question without a model: the memory is the one tool rules can use.
      const call = await runTool('similarIncidents', { query: record.question.slice(0, 80) }, this.deps.tools);
      state = { ...state, calls: [call], toolsLeft: state.toolsLeft - 1 };
      this.store({ ...record, steps: state.calls });
    }
    const stream = (text: string): void => this.deps.diagnoses.publish({ kind: 'token', incidentId: record.id, text, phase: 'ask' });
    // toolSteps tool calls, then one final step: the loop is bounded by construction.
    for (let step = 0; step <= ASK_LIMITS.toolSteps; step++) {
      // The first step offers the tools as functions too; calls made there count against the same bound.
      const viaFunctions: AgentToolCall[] = [];
      const functions = generator && step === 0 && this.deps.functionCalling !== false ? this.functions(state, viaFunctions, stream) : undefined;
      const r = await runStep(orchestratorStep, state, generator, stream, functions);
      if (viaFunctions.length > 0) {
        state = { ...state, calls: [...state.calls, ...viaFunctions], toolsLeft: state.toolsLeft - viaFunctions.length };
        this.store({ ...record, steps: state.calls, notes });
      }
      notes.push(...r.notes);
      if (r.source === 'rules') source = 'rules';
      const d = r.value;
      if (d.kind === 'tool' && state.toolsLeft > 0) {
        const call = { ...(await runTool(d.tool, d.args, this.deps.tools)), via: 'grammar' as const };
        state = { ...state, calls: [...state.calls, call], toolsLeft: state.toolsLeft - 1 };
        this.store({ ...record, steps: state.calls, notes });
        this.deps.diagnoses.publish({ kind: 'token', incidentId: record.id, text: '\n', phase: 'ask' });
        continue;
      }
      const final = d.kind === 'final' ? d : fallback({ ...state, toolsLeft: 0 });
      if (final.kind !== 'final') break;
      const answer = final.action === 'answer' ? final.answer : await this.diagnoseAndPlan(incident!, final.action === 'plan', generator === null || source === 'rules');
      return this.store({ ...record, state: 'done', source, finishedMs: Date.now(), action: final.action, answer, steps: state.calls, notes });
    }
    throw new Error(`the orchestrator took more than ${ASK_LIMITS.toolSteps + 1} steps`);
  }

  /** The tools as functions for one step: each call checked against the scope and the bound, run, and recorded in `calls`. */
  private functions(state: StepState, calls: AgentToolCall[], stream: (text: string) => void): StepFunctions {
    return {
      specs: toolFunctions(state.scope),
      maxCalls: state.toolsLeft,
      ...(this.deps.forceFunctionCall ? { force: true } : {}),
      onCall: async (name, params) => {
        if (calls.length >= state.toolsLeft) return `no tool calls are left (at most ${ASK_LIMITS.toolSteps}): answer now`;
        if (!(AGENT_TOOLS as readonly string[]).includes(name)) return `there is no tool "${name}"; tools: ${AGENT_TOOLS.join(', ')}`;
        const tool = name as AgentToolName;
        let args: Record<string, string>;
        try {
          args = toolArgs(tool, typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {}, state.scope);
        } catch (e) {
          if (!(e instanceof ToolArgError)) throw e;
          return `${tool}: ${e.message}`;
        }
        const call = { ...(await runTool(tool, args, this.deps.tools)), via: 'function-call' as const };
        calls.push(call);
        stream(`\n[${tool}] ${call.result}\n`);
        return call.result;
      },
    };
  }

  /** Run (or reuse, for `plan`) the incident's diagnosis and plan; the answer in words. */
  private async diagnoseAndPlan(incident: Incident, reuse: boolean, rulesOnly: boolean): Promise<string> {
    const existing = this.deps.diagnoses.get(incident.id);
    const r: DiagnosisRecord = reuse && existing?.state === 'done' ? existing : await this.deps.diagnoses.start(incident.id, { rulesOnly }).done;
    if (r.state !== 'done' || !r.diagnosis) return `The diagnosis of ${incident.id} failed: ${r.error ?? r.state}.`;
    const plan = r.plan?.plan;
    const proposal = plan?.runbookId ? `Proposed runbook: ${plan.runbookId} on ${plan.hostId} (${plan.reason}).` : `No runbook proposed: ${plan?.reason ?? 'no plan'}.`;
    return `${r.diagnosis.summary} Root cause: ${r.diagnosis.rootCause} (confidence ${r.diagnosis.confidence}). ${proposal}`;
  }

  /** Keep and persist a record; a running one too, so a stop mid-Ask is told as such after the restart. */
  private store(record: AskRecord): AskRecord {
    this.remember(record);
    this.deps.store?.save(record);
    return record;
  }

  private remember(record: AskRecord): void {
    this.records.delete(record.id);
    this.records.set(record.id, record);
    while (this.records.size > KEEP) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
      this.deps.store?.delete(oldest);
    }
  }
}
