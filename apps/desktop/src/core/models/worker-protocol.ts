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
  | ({ readonly op: 'generate'; readonly id: number } & GenerateRequest);

export type FromWorker =
  | { readonly type: 'progress'; readonly fraction: number }
  | { readonly type: 'loaded'; readonly contextSize: number; readonly loadMs: number }
  | { readonly type: 'load-failed'; readonly message: string }
  | { readonly type: 'unloaded' }
  | { readonly type: 'token'; readonly id: number; readonly text: string }
  | { readonly type: 'done'; readonly id: number; readonly text: string; readonly timings: GenerateTimings }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
