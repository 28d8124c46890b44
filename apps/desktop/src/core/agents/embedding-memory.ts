/**
 * The agents' memory: past incidents, their resolutions and the runbooks (memory-docs.ts), embedded by the
 * loaded model in the background (a pass embeds what has no vector for this model and text, a few documents
 * per request to the model worker, with progress done / total) and searched by cosine similarity over the
 * stored vectors (memory-store.ts). BM25 over the same texts answers when no model is loaded, nothing of
 * that kind is embedded yet, or embedding the query fails or takes too long; the answer says which ran.
 * A search never waits for a pass: it embeds only its query (one short request between the pass's batches),
 * and the pass pauses while a diagnosis or an Ask uses the model.
 */
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { MEMORY_KINDS, MEMORY_LIMITS, type Incident, type MemoryKind, type MemoryMethod, type MemoryStatus, type SimilarMemoryDoc } from '@cerebro/shared/api/contract';
import { Bm25Index } from './memory';
import { incidentDoc, memoryDocs, type MemoryCorpus, type MemoryDoc } from './memory-docs';
import { cosineTopK, unitVector, type LmdbVectorStore } from './memory-store';

/** What the memory needs from the model host (ModelHost with its file's identity; tests pass fakes). */
export interface Embedder {
  ready(): boolean;
  /** Identity of the loaded model (file, size, modification time): vectors of another identity are not compared. Null: none loaded. */
  identity(): Promise<string | null>;
  embed(texts: readonly string[]): Promise<number[][]>;
}

export interface MemorySearchResult {
  readonly hits: readonly SimilarMemoryDoc[];
  readonly method: MemoryMethod;
}

/** What the diagnosis service and the tools search (EmbeddingMemory implements it). */
export interface MemorySearch {
  /** Documents of `kind` similar to the text (or to the document, whose stored vector is reused), best first. */
  search(kind: MemoryKind, query: string | MemoryDoc, k: number, options?: SearchOptions): Promise<MemorySearchResult>;
  /** Past incidents similar to `incident` (not itself), best first. */
  similarIncidents(incident: Incident, k: number, options?: SearchOptions): Promise<MemorySearchResult>;
}

export interface SearchOptions {
  /** false: BM25 even when a model is loaded (a rules-only diagnosis). */
  readonly embed?: boolean;
  /** A document id left out of the hits (the incident at hand). */
  readonly exclude?: string;
}

export interface EmbeddingMemoryOptions {
  readonly store: LmdbVectorStore;
  readonly corpus: MemoryCorpus;
  /** null: BM25 only. */
  readonly embedder: Embedder | null;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /**
   * Documents per request to the model worker during a pass: the worker runs requests one at a time, so a
   * search's query (and a generation) waits behind at most one batch. Default 1: a ~0.5B model embeds a
   * 600-character document in about 1.3 s on one thread here (`npm run bench -- agents`, memoryEmbedMsPerDoc).
   */
  readonly batch?: number;
  /** While true, the pass waits before its next batch (a diagnosis or an Ask is using the model). */
  readonly busy?: () => boolean;
  /** How long a search waits for its query's vector before answering with BM25. Default 5000 ms. */
  readonly queryTimeoutMs?: number;
}

/** How often a pass paused for a busy model looks again, ms. */
const BUSY_POLL_MS = 250;
/** Query vectors kept (64 × 3.5 KiB at most for a 896-wide model). */
const QUERY_CACHE = 64;
const round = (x: number): number => Math.round(x * 1000) / 1000;

class QueryTimeout extends Error {}

interface Progress {
  readonly state: MemoryStatus['state'];
  readonly model: string | null;
  readonly done: number;
  readonly total: number;
  readonly lastPassMs: number | null;
  readonly error: string | undefined;
}

export class EmbeddingMemory implements MemorySearch {
  private readonly batch: number;
  private readonly queryTimeoutMs: number;
  private progress: Progress = { state: 'off', model: null, done: 0, total: 0, lastPassMs: null, error: undefined };
  private pass: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly listeners = new Set<(s: MemoryStatus) => void>();
  /** Vectors of recent queries, by model and text (a diagnosis searches three kinds with one text). */
  private readonly queries = new Map<string, Float32Array>();

  constructor(private readonly o: EmbeddingMemoryOptions) {
    this.batch = o.batch ?? 1;
    this.queryTimeoutMs = o.queryTimeoutMs ?? 5_000;
  }

  status(): MemoryStatus {
    const vectors = Object.fromEntries(MEMORY_KINDS.map((k) => [k, this.o.store.count(k)])) as Record<MemoryKind, number>;
    let dimension: number | null = null;
    for (const k of MEMORY_KINDS) {
      for (const e of this.o.store.entries(k)) {
        dimension = e.vector.length;
        break;
      }
      if (dimension !== null) break;
    }
    const p = this.progress;
    const state = p.state !== 'failed' && !this.o.embedder?.ready() ? 'off' : p.state;
    return { state, model: p.model, done: p.done, total: p.total, vectors, dimension, limits: MEMORY_LIMITS, lastPassMs: p.lastPassMs, ...(state === 'failed' && p.error ? { error: p.error } : {}) };
  }

  /** Hear progress (each batch) and the end of each pass. */
  onStatus(listener: (s: MemoryStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Run a pass after `delayMs` (changes close together make one pass); while one runs, another follows it. */
  schedule(delayMs = 2_000): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, delayMs);
    this.timer.unref();
  }

  /** One pass now (or, while one runs, one more after it); resolves when the pass that covers this call ends. */
  refresh(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.again = false;
          await this.runPass();
        } while (this.again && !this.closed);
      } finally {
        this.pass = null;
      }
    };
    this.pass = run();
    return this.pass;
  }

  /** Stop scheduling; a pass running ends after its current batch. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass?.catch(() => undefined);
  }

  async similarIncidents(incident: Incident, k: number, options: SearchOptions = {}): Promise<MemorySearchResult> {
    return this.search('incident', incidentDoc(incident), k, { ...options, exclude: incident.id });
  }

  async search(kind: MemoryKind, query: string | MemoryDoc, k: number, options: SearchOptions = {}): Promise<MemorySearchResult> {
    const docs = await memoryDocs(this.o.corpus, kind);
    const text = typeof query === 'string' ? query : query.text;
    const bm25 = (why: string): MemorySearchResult => ({ hits: bm25Search(docs, text, k, options.exclude), method: `bm25 (${why})` });
    const e = this.o.embedder;
    if (options.embed === false) return bm25('rules only: the model is not used');
    if (!e?.ready()) return bm25('no embedding model loaded');
    let model: string | null;
    try {
      model = await e.identity();
    } catch (err) {
      return bm25(`the model's identity is unknown: ${(err as Error).message}`);
    }
    if (model === null) return bm25('no embedding model loaded');
    const current = new Map(docs.map((d) => [d.id, d]));
    const usable = [...this.o.store.entries(kind)].filter((v) => v.model === model && current.get(v.id)?.hash === v.hash);
    const others = docs.filter((d) => d.id !== options.exclude).length;
    if (usable.filter((v) => v.id !== options.exclude).length === 0) return bm25(others === 0 ? 'nothing to search' : `no ${kind} is embedded yet by this model: the background pass has done ${this.progress.done} of ${this.progress.total}`);
    // The query's vector: the document's own stored one (any kind), one embedded lately, or embedded now.
    const own = typeof query === 'string' ? null : this.o.store.get(query.kind, query.id);
    const cacheKey = `${model}\u0000${text}`;
    let q = own && typeof query !== 'string' && own.model === model && own.hash === query.hash ? own.vector : (this.queries.get(cacheKey) ?? null);
    if (!q) {
      try {
        q = unitVector((await this.embedQuery(e, text))[0] ?? []);
      } catch (err) {
        return bm25(err instanceof QueryTimeout ? err.message : `embedding failed: ${(err as Error).message}`);
      }
      if (!q) return bm25('embedding failed: the model gave an empty or zero vector');
      this.queries.set(cacheKey, q);
      while (this.queries.size > QUERY_CACHE) this.queries.delete(this.queries.keys().next().value as string);
    }
    const hits = cosineTopK(q, usable, k, options.exclude).map((h) => ({ kind, id: h.id, title: current.get(h.id)?.title ?? '', score: round(h.score) }));
    const embedded = usable.filter((v) => v.id !== options.exclude).length;
    return { hits, method: embedded < others ? `cosine (${embedded} of ${others} ${kind}s embedded so far)` : 'cosine' };
  }

  private async embedQuery(e: Embedder, text: string): Promise<number[][]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueryTimeout(`embedding the query took over ${this.queryTimeoutMs} ms`)), this.queryTimeoutMs);
    });
    try {
      return await Promise.race([e.embed([text]), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private setProgress(p: Partial<Progress>): void {
    this.progress = { ...this.progress, ...p };
    if (this.listeners.size > 0) {
      const s = this.status();
      for (const l of this.listeners) l(s);
    }
  }

  /** Drop the vectors of documents gone or of another model, then embed what has no vector for this text and model. */
  private async runPass(): Promise<void> {
    const e = this.o.embedder;
    if (this.closed || !e?.ready()) {
      this.setProgress({ state: 'off', done: 0, total: 0 });
      return;
    }
    const t0 = performance.now();
    let model: string | null = null;
    try {
      model = await e.identity();
      if (model === null) return this.setProgress({ state: 'off', model: null, done: 0, total: 0 });
      const todo: MemoryDoc[] = [];
      for (const kind of MEMORY_KINDS) {
        const docs = await memoryDocs(this.o.corpus, kind);
        const wanted = new Map(docs.map((d) => [d.id, d]));
        for (const v of [...this.o.store.entries(kind)]) if (v.model !== model || !wanted.has(v.id)) this.o.store.delete(kind, v.id);
        for (const d of docs) if (this.o.store.get(kind, d.id)?.hash !== d.hash) todo.push(d);
      }
      this.setProgress({ state: todo.length > 0 ? 'embedding' : 'idle', model, done: 0, total: todo.length, error: undefined });
      for (let i = 0; i < todo.length; i += this.batch) {
        if (this.closed || !e.ready() || (await e.identity()) !== model) {
          this.o.log?.('info', `agents: memory pass stopped at ${i} of ${todo.length} (${this.closed ? 'closing' : 'the model changed'})`);
          this.setProgress({ state: this.closed || !e.ready() ? 'off' : 'idle' });
          this.again ||= !this.closed;
          return;
        }
        while (this.o.busy?.() && !this.closed) await sleep(BUSY_POLL_MS);
        const part = todo.slice(i, i + this.batch);
        const vectors = await e.embed(part.map((d) => d.text));
        part.forEach((d, j) => this.o.store.put(d.kind, d.id, d.hash, model!, vectors[j] ?? []));
        this.setProgress({ done: i + part.length });
        // Let the API and ingest run between batches.
        await yieldToLoop();
      }
      this.setProgress({ state: 'idle', lastPassMs: Date.now() });
      if (todo.length > 0) this.o.log?.('info', `agents: memory embedded ${todo.length} documents with ${model} in ${Math.round(performance.now() - t0)} ms`);
    } catch (err) {
      const message = (err as Error).message;
      this.setProgress({ state: this.closed ? 'off' : 'failed', error: message, lastPassMs: Date.now() });
      if (!this.closed) this.o.log?.('warn', `agents: memory embedding failed (searches use BM25 for what has no vector): ${message}`);
    }
  }
}

/** BM25 over the documents' texts, best first, with their titles. */
export function bm25Search(docs: readonly MemoryDoc[], text: string, k: number, exclude?: string): SimilarMemoryDoc[] {
  const index = new Bm25Index();
  const byId = new Map<string, MemoryDoc>();
  for (const d of docs) {
    if (d.id === exclude) continue;
    index.add(d.id, d.text);
    byId.set(d.id, d);
  }
  return index.search(text, k).map((h) => ({ kind: byId.get(h.id)!.kind, id: h.id, title: byId.get(h.id)!.title, score: round(h.score) }));
}
