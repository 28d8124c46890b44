/** Messages between the model host (console event loop) and its worker thread (node-llama-cpp). */

export interface GenerateRequest {
  /** System message. */
  readonly system: string;
  /** The user message (the incident context and the question). */
  readonly user: string;
  /** JSON schema the answer must follow (node-llama-cpp turns it into a grammar). */
  readonly schema: object;
  /** Most tokens to generate. */
  readonly maxTokens: number;
  /**
   * Read-only functions the model may call first (node-llama-cpp function calling); the host runs each
   * call and answers. Then the model answers under `schema` (grammar and functions cannot share a prompt).
   */
  readonly functions?: readonly FunctionSpec[];
  /** Most function calls before the model must answer (default 4). */
  readonly maxFunctionCalls?: number;
  /** Most tokens of the function-calling turn (default 192). */
  readonly functionTurnTokens?: number;
  /** Start the function-calling turn with the chat wrapper's call prefix, so a call is made (tests, for random-weight models). */
  readonly forceFunctionCall?: boolean;
}

/** A function offered to the model: its name, what it does, and a JSON schema of its params (enums, bounded strings). */
export interface FunctionSpec {
  readonly name: string;
  readonly description: string;
  readonly params: object;
}

export interface GenerateTimings {
  readonly promptTokens: number;
  readonly generatedTokens: number;
  /** From the request reaching the worker to the first generated token (tokenising and evaluating the prompt), ms. */
  readonly promptMs: number;
  /** From the first generated token to the last, ms. */
  readonly generateMs: number;
}

export type ToWorker =
  | { readonly op: 'load'; readonly path: string; readonly threads: number; readonly contextSize: number }
  | { readonly op: 'unload' }
  | ({ readonly op: 'generate'; readonly id: number } & GenerateRequest)
  /** Embedding vectors of texts (the loaded model's embedding context), answered by `embedded`. */
  | { readonly op: 'embed'; readonly id: number; readonly texts: readonly string[] }
  /** The host's answer to a function call (`call` from the worker's message). */
  | { readonly op: 'function-result'; readonly call: number; readonly result: string };

export type FromWorker =
  | { readonly type: 'progress'; readonly fraction: number }
  | { readonly type: 'loaded'; readonly contextSize: number; readonly loadMs: number }
  | { readonly type: 'load-failed'; readonly message: string }
  | { readonly type: 'unloaded' }
  | { readonly type: 'token'; readonly id: number; readonly text: string }
  /** The model called a function of generation `id`; answer with `function-result` and the same `call`. */
  | { readonly type: 'function-call'; readonly id: number; readonly call: number; readonly name: string; readonly params: unknown }
  | { readonly type: 'done'; readonly id: number; readonly text: string; readonly timings: GenerateTimings }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }
  | { readonly type: 'embedded'; readonly id: number; readonly vectors: ReadonlyArray<readonly number[]> };
