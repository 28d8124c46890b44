/**
 * The agents' memory in the console's local API (re-exported by agents.ts, so by contract.ts): past
 * incidents, their resolutions (remediation runs that ended) and the runbooks, embedded by the loaded
 * model in the background and searched by cosine similarity; BM25 over the same texts when no embedding
 * model is loaded, the vectors are not there yet, or embedding fails. Every search says which method ran.
 */

export type MemoryKind = 'incident' | 'resolution' | 'runbook';
export const MEMORY_KINDS: readonly MemoryKind[] = ['incident', 'resolution', 'runbook'];

/** The newest documents of each kind kept in the memory (and embedded); older ones are dropped with their vectors. */
export const MEMORY_LIMITS: Readonly<Record<MemoryKind, number>> = { incident: 500, resolution: 1000, runbook: 500 };

/** A past resolution or runbook the memory found similar (offered to the planner and the Ask tools). */
export interface SimilarMemoryDoc {
  readonly kind: MemoryKind;
  /** Incident id, remediation run id or runbook id. */
  readonly id: string;
  readonly title: string;
  /** Cosine similarity (−1 to 1) when `method` is cosine; a BM25 score (0 and up, unbounded) otherwise. */
  readonly score: number;
}

/**
 * Which search ran: "cosine" (the loaded model's embeddings; "cosine (N of M embedded so far)" while the
 * background pass has not reached them all), or "bm25 (WHY)": no embedding model loaded, rules only,
 * no vectors yet, embedding failed.
 */
export type MemoryMethod = string;

/** GET /agents/memory: the background embedding of the memory. */
export interface MemoryStatus {
  /** off: no model loaded (BM25 only); embedding: a pass runs; idle: every document has a vector; failed: the last pass failed (`error`). */
  readonly state: 'off' | 'idle' | 'embedding' | 'failed';
  /** Identity of the model the vectors belong to (file name, size, modification time); null when none is loaded. */
  readonly model: string | null;
  /** Documents embedded so far in the current (or last) pass, and how many it had to embed. */
  readonly done: number;
  readonly total: number;
  /** Vectors stored, per kind (of the current model, once a pass has dropped the others). */
  readonly vectors: Readonly<Record<MemoryKind, number>>;
  /** Dimension of the stored vectors; null when none. */
  readonly dimension: number | null;
  readonly limits: Readonly<Record<MemoryKind, number>>;
  /** When the last pass ended, ms since the epoch; null before the first. */
  readonly lastPassMs: number | null;
  /** Why the last pass failed (state `failed`). */
  readonly error?: string;
}
