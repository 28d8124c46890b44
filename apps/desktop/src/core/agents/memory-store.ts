/**
 * The memory's embedding vectors, persisted in the console's LMDB environment: one record per document
 * (kind and id) holding the hash of the text it was computed from and the identity of the model that
 * computed it, so a changed document or another model is embedded again; the vector is stored as the bytes
 * of a unit-length Float32Array (4 bytes a dimension: 3.5 KiB for a 896-wide model). Reads come from
 * memory (loaded at start); writes go through. Search is brute force: one dot product per stored vector.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { MemoryKind } from '@cerebro/shared/api/contract';

export interface VectorEntry {
  readonly kind: MemoryKind;
  readonly id: string;
  /** Hash of the text embedded (memory-docs.ts). */
  readonly hash: string;
  /** Identity of the embedding model (file, size, modification time). */
  readonly model: string;
  /** Unit length (so cosine similarity is a dot product). */
  readonly vector: Float32Array;
}

interface StoredVector {
  readonly kind: MemoryKind;
  readonly id: string;
  readonly hash: string;
  readonly model: string;
  /** Float32 little-endian bytes of the unit vector. */
  readonly bytes: Uint8Array;
}

const keyOf = (kind: MemoryKind, id: string): string => `${kind}\u0000${id}`;

/** The vector scaled to unit length, as a Float32Array; null when it is empty, all zeros or not finite. */
export function unitVector(v: ArrayLike<number>): Float32Array | null {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  if (v.length === 0 || !(n > 0) || !Number.isFinite(n)) return null;
  const s = 1 / Math.sqrt(n);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * s;
  return out;
}

/** The best `k` entries by cosine similarity to the unit vector `q` (entries of another dimension are skipped), best first. */
export function cosineTopK(q: Float32Array, entries: Iterable<{ readonly id: string; readonly vector: Float32Array }>, k: number, exclude?: string): Array<{ id: string; score: number }> {
  const top: Array<{ id: string; score: number }> = [];
  const d = q.length;
  for (const e of entries) {
    const v = e.vector;
    if (v.length !== d || e.id === exclude) continue;
    let dot = 0;
    for (let i = 0; i < d; i++) dot += q[i]! * v[i]!;
    if (top.length === k && dot <= top[k - 1]!.score) continue;
    let at = top.length;
    while (at > 0 && top[at - 1]!.score < dot) at--;
    top.splice(at, 0, { id: e.id, score: dot });
    if (top.length > k) top.pop();
  }
  return top;
}

export class LmdbVectorStore {
  private readonly db: Database<StoredVector, string>;
  private readonly byKind = new Map<MemoryKind, Map<string, VectorEntry>>();

  constructor(env: RootDatabase) {
    this.db = env.openDB<StoredVector, string>({ name: 'agent-memory-vectors' });
    for (const { value } of this.db.getRange({})) {
      // The bytes may sit at any offset of a shared buffer: copy them to an aligned one.
      const bytes = new Uint8Array(value.bytes);
      this.remember({ kind: value.kind, id: value.id, hash: value.hash, model: value.model, vector: new Float32Array(bytes.buffer, 0, bytes.byteLength >> 2) });
    }
  }

  get(kind: MemoryKind, id: string): VectorEntry | null {
    return this.byKind.get(kind)?.get(id) ?? null;
  }

  /** The stored entries of a kind (any model; callers check `model` and `hash`). */
  entries(kind: MemoryKind): Iterable<VectorEntry> {
    return this.byKind.get(kind)?.values() ?? [];
  }

  count(kind: MemoryKind): number {
    return this.byKind.get(kind)?.size ?? 0;
  }

  /** Store the vector of a document (scaled to unit length); false when the vector is unusable (empty, zero, not finite). */
  put(kind: MemoryKind, id: string, hash: string, model: string, vector: ArrayLike<number>): boolean {
    const unit = unitVector(vector);
    if (!unit) return false;
    this.remember({ kind, id, hash, model, vector: unit });
    void this.db.put(keyOf(kind, id), { kind, id, hash, model, bytes: new Uint8Array(unit.buffer, unit.byteOffset, unit.byteLength) });
    return true;
  }

  delete(kind: MemoryKind, id: string): void {
    if (this.byKind.get(kind)?.delete(id)) void this.db.remove(keyOf(kind, id));
  }

  /** Resolves once the writes so far are committed (tests; a stopping console). */
  flushed(): Promise<boolean> {
    return this.db.flushed;
  }

  private remember(e: VectorEntry): void {
    let m = this.byKind.get(e.kind);
    if (!m) this.byKind.set(e.kind, (m = new Map()));
    m.set(e.id, e);
  }
}
