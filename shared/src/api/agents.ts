/**
 * Local models and the diagnosis agent in the console's local API (re-exported by contract.ts). Models are
 * GGUF files in a folder the operator chooses; one is loaded at a time, in a worker of the console core.
 * A diagnosis comes from the loaded model (JSON constrained by a schema) or, with no model, from the
 * root-cause ranking alone (`source: 'rules'`): both have the same shape.
 */

import type { MemoryMethod, SimilarMemoryDoc } from './memory';
import type { DryRunView } from './remediation';

export * from './memory';

/** One GGUF file in the models folder, with what its header says. */
export interface ModelFile {
  /** File name inside the models folder (what POST /models/load takes). */
  readonly file: string;
  readonly bytes: number;
  /** From the GGUF header; null where the file is not a valid GGUF (see `error`). */
  readonly architecture: string | null;
  readonly name: string | null;
  readonly contextLength: number | null;
  readonly embeddingLength: number | null;
  readonly blockCount: number | null;
  /** Tensor format, e.g. "Q4_0", "Q8_0", "F16", "MOSTLY_Q4_K_M"; null when unknown. */
  readonly fileType: string | null;
  readonly tensorCount: number | null;
  /** Why the file cannot be loaded (not a GGUF, truncated, unreadable); absent when it looks valid. */
  readonly error?: string;
}

export type ModelState = 'none' | 'loading' | 'loaded' | 'failed';

export interface ModelStatus {
  readonly state: ModelState;
  /** The file loading or loaded (name inside the folder); null when none. */
  readonly file: string | null;
  /** Loading progress 0–1 (1 once loaded). */
  readonly progress: number;
  /** Inference threads (chosen from the machine's cores unless configured). */
  readonly threads: number;
  /** Tokens of context the loaded model runs with. */
  readonly contextSize: number | null;
  /** Load time, ms; null until loaded. */
  readonly loadMs: number | null;
  /** Why the last load failed (state `failed`). */
  readonly error?: string;
}

/** GET /models. */
export interface ModelsView {
  /** The models folder; null when none is configured. */
  readonly dir: string | null;
  readonly files: readonly ModelFile[];
  readonly status: ModelStatus;
}

/** Body of POST /models/load. */
export interface LoadModelRequest {
  /** A file name from GET /models. */
  readonly file: string;
}

export type DiagnosisConfidence = 'low' | 'medium' | 'high';
export const DIAGNOSIS_CONFIDENCE: readonly DiagnosisConfidence[] = ['low', 'medium', 'high'];

/** Limits the schema (and so the grammar) puts on a diagnosis. */
export const DIAGNOSIS_LIMITS = { summaryChars: 240, rootCauseChars: 160, evidence: 6 } as const;

/**
 * A reference from a diagnosis to something the incident holds: `alert:<alert id>`,
 * `series:<host id>/<series key>` or `template:<log template id>`.
 */
export type EvidenceRef = string;

/** What the diagnosis agent answers (the model's JSON, after validation; or the rule-based one). */
export interface Diagnosis {
  /** One or two sentences: what is wrong. */
  readonly summary: string;
  /** The most likely cause, in words. */
  readonly rootCause: string;
  readonly confidence: DiagnosisConfidence;
  /** Each points at an alert, series or log template of the incident. */
  readonly evidence: readonly EvidenceRef[];
}

export type DiagnosisState = 'running' | 'done' | 'failed';

/** A diagnosis of one incident, as stored and served (GET /incidents/:id/diagnosis). */
export interface DiagnosisRecord {
  readonly incidentId: string;
  readonly state: DiagnosisState;
  /** model: the loaded model wrote it; rules: the root-cause ranking did (no model loaded, or the model failed). */
  readonly source: 'model' | 'rules';
  /** The model file, when `source` is model. */
  readonly model: string | null;
  readonly startedMs: number;
  readonly finishedMs: number | null;
  /** Set when `state` is done. */
  readonly diagnosis: Diagnosis | null;
  /** What the validation had to do: references dropped, a retry, a fallback (one line each). */
  readonly notes: readonly string[];
  /**
   * Past incidents cited as similar, best first: cosine similarity of the loaded model's embeddings (`by`
   * cosine), or BM25 over their text (reranked by embeddings, `bm25+embedding`, where no persisted memory is wired).
   */
  readonly similar: ReadonlyArray<{ readonly incidentId: string; readonly title: string; readonly score: number; readonly by?: 'bm25' | 'bm25+embedding' | 'cosine' }>;
  /** Which search found `similar` ("cosine", "bm25 (no embedding model loaded)", …); absent where no memory is wired. */
  readonly similarMethod?: MemoryMethod;
  /** Past resolutions (remediation runs that ended) similar to the incident, best first; offered to the planner. */
  readonly similarResolutions?: readonly SimilarMemoryDoc[];
  /** Runbooks whose text is similar to the incident, best first; offered to the planner. */
  readonly similarRunbooks?: readonly SimilarMemoryDoc[];
  /** Prompt tokens and generated tokens (model only). */
  readonly promptTokens: number | null;
  readonly generatedTokens: number | null;
  /** Why it failed (state `failed`). */
  readonly error?: string;
  /** What runs now while `state` is running: the diagnosis, then the plan. */
  readonly phase?: 'diagnosis' | 'plan';
  /** The planner's proposal, once the diagnosis is done (null while it runs or when it failed). */
  readonly plan?: PlanRecord | null;
}

/** Body of POST /incidents/:id/diagnose. */
export interface DiagnoseRequest {
  /** Answer only once the diagnosis is done (default false: answer at once with the running record). */
  readonly wait?: boolean;
  /** Use the rules even when a model is loaded. */
  readonly rulesOnly?: boolean;
}

/** Live `models`: load progress and status changes. */
export interface ModelStatusEvent {
  readonly status: ModelStatus;
}

/** Live `diagnosis`: tokens as the model writes them, then the finished record. */
export type DiagnosisEvent =
  /** `phase`: which answer the text belongs to (absent: the diagnosis); an Ask's tokens carry its id in `incidentId`. */
  | { readonly kind: 'token'; readonly incidentId: string; readonly text: string; readonly phase?: 'diagnosis' | 'plan' | 'ask' }
  | { readonly kind: 'record'; readonly record: DiagnosisRecord };

/** Limits the planner's schema puts on a plan. */
export const PLAN_LIMITS = { reasonChars: 120, stringParamChars: 64 } as const;

/**
 * What the planner proposes for an incident: one runbook of the library whose preconditions hold, on one
 * host, with its params (validated against the runbook's params); or none (`runbookId` null) with why.
 * It is only a proposal: running it goes through the remediation engine (dry run first, then the policy).
 */
export interface Plan {
  readonly runbookId: string | null;
  readonly hostId: string | null;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** Required params nothing gave (the operator completes them in the remediation drawer). */
  readonly missing: readonly string[];
  /** Why this runbook (or why none), one sentence. */
  readonly reason: string;
}

/** The plan part of a DiagnosisRecord. */
export interface PlanRecord {
  readonly source: 'model' | 'rules';
  readonly plan: Plan;
  /** Runbook ids the planner could choose from: those that exist and whose preconditions hold now. */
  readonly candidates: readonly string[];
  /** Runbooks that fit the incident but were left out, with why (a precondition that does not hold). */
  readonly excluded: ReadonlyArray<{ readonly runbookId: string; readonly why: string }>;
  /** What the validation had to do (a retry, params dropped, remediation off), one line each. */
  readonly notes: readonly string[];
  readonly promptTokens: number | null;
  readonly generatedTokens: number | null;
}

/** Read-only tools the orchestrator may call while answering (at most ASK_LIMITS.toolSteps calls). */
/** `similarResolutions`: past resolutions and runbooks similar to a text (offered where the console has a memory). */
export const AGENT_TOOLS = ['series', 'logTemplate', 'neighbours', 'similarIncidents', 'similarResolutions'] as const;
export type AgentToolName = (typeof AGENT_TOOLS)[number];

export const ASK_LIMITS = { questionChars: 500, answerChars: 600, toolSteps: 4 } as const;

/** One tool call of an Ask, with its result as the model read it (clipped text). */
export interface AgentToolCall {
  readonly tool: AgentToolName;
  readonly args: Readonly<Record<string, string>>;
  readonly ok: boolean;
  readonly result: string;
  /** How the model asked: a node-llama-cpp function call, or an action of the step's grammar. */
  readonly via?: 'function-call' | 'grammar';
}

/** What the orchestrator finally chose: answer in words, or run the diagnosis (and plan) of the incident. */
export type AskAction = 'answer' | 'diagnose' | 'plan';

/** A free question to the agents (POST /agents/ask), as stored and served (GET /agents/ask/:id). */
export interface AskRecord {
  readonly id: string;
  readonly question: string;
  /** The incident the question is about, if any. */
  readonly incidentId: string | null;
  readonly state: DiagnosisState;
  readonly source: 'model' | 'rules';
  readonly model: string | null;
  readonly startedMs: number;
  readonly finishedMs: number | null;
  readonly action: AskAction | null;
  readonly answer: string | null;
  /** The tool calls made, in order (never more than ASK_LIMITS.toolSteps). */
  readonly steps: readonly AgentToolCall[];
  readonly notes: readonly string[];
  readonly error?: string;
}

/** Body of POST /agents/ask. */
export interface AskRequest {
  readonly question: string;
  readonly incidentId?: string;
  /** Answer only once done (default false: the running record at once; tokens on the live `diagnosis` topic under the ask's id). */
  readonly wait?: boolean;
}

/** Body of POST /incidents/:id/plan/dry-run and /plan/execute. */
export interface PlanRunRequest {
  /** Who asks (default "operator"). */
  readonly operator?: string;
}

/** POST /incidents/:id/plan/dry-run: the plan handed to the remediation engine's dry run, and its answer. */
export interface PlanDryRunView {
  readonly incidentId: string;
  readonly plan: Plan;
  readonly dryRun: DryRunView;
}
