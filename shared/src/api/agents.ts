/**
 * Local models and the diagnosis agent in the console's local API (re-exported by contract.ts). Models are
 * GGUF files in a folder the operator chooses; one is loaded at a time, in a worker of the console core.
 * A diagnosis comes from the loaded model (JSON constrained by a schema) or, with no model, from the
 * root-cause ranking alone (`source: 'rules'`): both have the same shape.
 */

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
  /** Past incidents cited as similar (BM25 over their text), best first. */
  readonly similar: ReadonlyArray<{ readonly incidentId: string; readonly title: string; readonly score: number }>;
  /** Prompt tokens and generated tokens (model only). */
  readonly promptTokens: number | null;
  readonly generatedTokens: number | null;
  /** Why it failed (state `failed`). */
  readonly error?: string;
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
  | { readonly kind: 'token'; readonly incidentId: string; readonly text: string }
  | { readonly kind: 'record'; readonly record: DiagnosisRecord };
