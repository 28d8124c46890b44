/**
 * The console's local model host: lists the GGUF files of the models folder the operator chose, loads one
 * into a worker thread (node-llama-cpp never runs on the console's event loop), reports loading progress,
 * and runs schema-constrained generations one at a time. The worker starts at the first load. Nothing here
 * downloads anything: a model is a file the operator copied into the folder.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelFile, ModelStatus, ModelsView } from '@cerebro/shared/api/contract';
import { GgufError, readGgufHeader } from './gguf-header';
import type { FromWorker, GenerateRequest, GenerateTimings, ToWorker } from './worker-protocol';

export type ModelErrorCode = 'NO_MODELS_DIR' | 'NOT_FOUND' | 'NOT_GGUF' | 'NO_MODEL' | 'LOAD_FAILED' | 'GENERATION_FAILED' | 'CLOSED';

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ModelHostOptions {
  /** The models folder; null: none configured (listing says so, loading refuses). */
  readonly dir: string | null;
  /** Inference threads; default: the cores this process may use. */
  readonly threads?: number;
  /** Context tokens (capped by the model's training context); default 4096. */
  readonly contextSize?: number;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * Threads for inference: one per core this process may run on, less one left to ingest and the API, at
 * least one. llama.cpp's threads spin at their barriers, so any other work on their cores stalls them all:
 * more threads than cores made generation 100–500× slower on 2-core machines (../shared/LOCAL-MODELS.md;
 * node-llama-cpp's default is 4), and on a busy 2-core machine here 2 threads generated at 2–4 tokens/s
 * where 1 thread did 34 (docs/benchmarks.md, agents).
 */
export function defaultThreads(cores = os.availableParallelism()): number {
  return Math.max(1, cores - 1);
}

export type StatusListener = (status: ModelStatus) => void;

/** Runs a function the model called (read-only tools); its answer goes back to the model as text. */
export type FunctionCallHandler = (name: string, params: unknown) => Promise<string>;

interface Pending {
  readonly resolve: (r: { text: string; timings: GenerateTimings }) => void;
  readonly reject: (e: Error) => void;
  readonly onText: ((text: string) => void) | undefined;
  readonly onCall: FunctionCallHandler | undefined;
}

/**
 * The worker beside this module: the bundled cerebro-model-worker.mjs, or worker.ts when running from
 * source under tsx (whose loader a worker thread does not inherit in Node 20, so it registers it first).
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./cerebro-model-worker.mjs', here));
  const entry = JSON.stringify(new URL('./worker.ts', here).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); }).catch((e) => { throw e; });`, { eval: true });
}

export class ModelHost {
  readonly threads: number;
  private worker: Worker | null = null;
  private status: ModelStatus;
  private readonly listeners = new Set<StatusListener>();
  private readonly pending = new Map<number, Pending>();
  private readonly embeds = new Map<number, { readonly resolve: (v: number[][]) => void; readonly reject: (e: Error) => void }>();
  private nextId = 1;
  private loadWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private closed = false;
  /** Timings of the latest finished generation (the agents benchmark reads them). */
  lastTimings: GenerateTimings | null = null;
  private unloading = false;

  constructor(private readonly options: ModelHostOptions) {
    this.threads = options.threads ?? defaultThreads();
    this.status = { state: 'none', file: null, progress: 0, threads: this.threads, contextSize: null, loadMs: null };
  }

  get dir(): string | null {
    return this.options.dir;
  }

  current(): ModelStatus {
    return this.status;
  }

  /** The loaded model's file name, or null. */
  modelName(): string | null {
    return this.status.state === 'loaded' ? this.status.file : null;
  }

  /** A model is loaded and can generate. */
  ready(): boolean {
    return this.status.state === 'loaded';
  }

  onStatus(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The folder's .gguf files with their header facts (an invalid file is listed with its error). */
  async list(): Promise<ModelsView> {
    const dir = this.options.dir;
    if (dir === null) return { dir, files: [], status: this.status };
    let names: string[];
    try {
      names = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.gguf')).map((e) => e.name).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { dir, files: [], status: this.status };
      throw new ModelError('NO_MODELS_DIR', `cannot read the models folder ${dir}: ${(e as Error).message}`);
    }
    const files: ModelFile[] = [];
    for (const file of names) {
      try {
        files.push({ file, ...(await readGgufHeader(path.join(dir, file))) });
      } catch (e) {
        const bytes = await fs.stat(path.join(dir, file)).then((s) => s.size, () => 0);
        files.push({ file, bytes, architecture: null, name: null, contextLength: null, embeddingLength: null, blockCount: null, fileType: null, tensorCount: null, error: (e as Error).message });
      }
    }
    return { dir, files, status: this.status };
  }

  /** Load `file` (a name in the models folder), replacing the loaded model; resolves once it can generate. */
  async load(file: string): Promise<ModelStatus> {
    if (this.closed) throw new ModelError('CLOSED', 'the model host is stopping');
    const dir = this.options.dir;
    if (dir === null) throw new ModelError('NO_MODELS_DIR', 'no models folder is configured: start the console with --models-dir DIR (or set it in the console options) and copy a .gguf file there');
    if (file === '' || file !== path.basename(file) || file.startsWith('.')) throw new ModelError('NOT_FOUND', `"${file}" is not a file name in the models folder; pick one from GET /models`);
    const full = path.join(dir, file);
    try {
      await fs.access(full);
    } catch {
      throw new ModelError('NOT_FOUND', `no file ${file} in the models folder ${dir}; copy the .gguf file there (GET /models lists what is there)`);
    }
    try {
      await readGgufHeader(full);
    } catch (e) {
      throw new ModelError('NOT_GGUF', e instanceof GgufError ? e.message : `cannot read ${file}: ${(e as Error).message}`);
    }
    if (this.loadWaiter) throw new ModelError('LOAD_FAILED', `a model (${this.status.file}) is loading; wait for it, then load ${file}`);
    const worker = this.ensureWorker();
    this.setStatus({ state: 'loading', file, progress: 0, threads: this.threads, contextSize: null, loadMs: null });
    this.options.log?.('info', `models: loading ${file} with ${this.threads} threads`);
    await new Promise<void>((resolve, reject) => {
      this.loadWaiter = { resolve, reject };
      this.post(worker, { op: 'load', path: full, threads: this.threads, contextSize: this.options.contextSize ?? 4096 });
    });
    return this.status;
  }

  async unload(): Promise<ModelStatus> {
    if (this.worker && this.status.state !== 'none') {
      const worker = this.worker;
      this.unloading = true;
      await new Promise<void>((resolve) => {
        const on = (m: FromWorker): void => {
          if (m.type === 'unloaded') {
            worker.off('message', on);
            resolve();
          }
        };
        worker.on('message', on);
        this.post(worker, { op: 'unload' });
      }).finally(() => (this.unloading = false));
      this.idleCheck();
    }
    this.setStatus({ state: 'none', file: null, progress: 0, threads: this.threads, contextSize: null, loadMs: null });
    return this.status;
  }

  /**
   * Generate an answer constrained by `req.schema`; `onText` hears the text as it is written; `onCall` runs
   * the functions of `req.functions` the model calls (none offered: no function-calling turn).
   */
  generate(req: GenerateRequest, onText?: (text: string) => void, onCall?: FunctionCallHandler): Promise<{ text: string; timings: GenerateTimings }> {
    if (!this.ready() || !this.worker) return Promise.reject(new ModelError('NO_MODEL', 'no model is loaded: load one with POST /models/load (GET /models lists the folder)'));
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onText, onCall });
      this.post(worker, { op: 'generate', id, ...req });
    });
  }

  /** Embedding vectors of `texts` from the loaded model (its embedding context, made at the first call). */
  embed(texts: readonly string[]): Promise<number[][]> {
    if (!this.ready() || !this.worker) return Promise.reject(new ModelError('NO_MODEL', 'no model is loaded: load one with POST /models/load (GET /models lists the folder)'));
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.embeds.set(id, { resolve, reject });
      this.post(worker, { op: 'embed', id, texts });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    const err = new ModelError('CLOSED', 'the model host stopped');
    this.loadWaiter?.reject(err);
    this.loadWaiter = null;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const p of this.embeds.values()) p.reject(err);
    this.embeds.clear();
  }

  /** The worker keeps the process alive only while something waits on it (a stopping console must not hang on it). */
  private post(worker: Worker, m: ToWorker): void {
    worker.ref();
    worker.postMessage(m);
  }

  private idleCheck(): void {
    if (this.worker && this.pending.size === 0 && this.embeds.size === 0 && this.loadWaiter === null && !this.unloading) this.worker.unref();
  }

  private setStatus(s: ModelStatus): void {
    this.status = s;
    for (const l of this.listeners) l(s);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.workerGone(`the model worker failed: ${e.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.workerGone(`the model worker exited (code ${code})`);
    });
    this.worker = worker;
    return worker;
  }

  private workerGone(message: string): void {
    this.worker = null;
    if (!this.closed) this.options.log?.('error', `models: ${message}`);
    const err = new ModelError(this.closed ? 'CLOSED' : 'GENERATION_FAILED', message);
    this.loadWaiter?.reject(err);
    this.loadWaiter = null;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const p of this.embeds.values()) p.reject(err);
    this.embeds.clear();
    if (!this.closed) this.setStatus({ state: 'failed', file: this.status.file, progress: 0, threads: this.threads, contextSize: null, loadMs: null, error: message });
  }

  private onMessage(m: FromWorker): void {
    this.handle(m);
    this.idleCheck();
  }

  private handle(m: FromWorker): void {
    switch (m.type) {
      case 'progress':
        if (this.status.state === 'loading') this.setStatus({ ...this.status, progress: m.fraction });
        return;
      case 'loaded':
        this.setStatus({ state: 'loaded', file: this.status.file, progress: 1, threads: this.threads, contextSize: m.contextSize, loadMs: m.loadMs });
        this.options.log?.('info', `models: ${this.status.file} loaded in ${m.loadMs} ms (context ${m.contextSize} tokens)`);
        this.loadWaiter?.resolve();
        this.loadWaiter = null;
        return;
      case 'load-failed': {
        const message = `cannot load ${this.status.file}: ${m.message}`;
        this.setStatus({ state: 'failed', file: this.status.file, progress: 0, threads: this.threads, contextSize: null, loadMs: null, error: message });
        this.loadWaiter?.reject(new ModelError('LOAD_FAILED', message));
        this.loadWaiter = null;
        return;
      }
      case 'unloaded':
        return;
      case 'token':
        this.pending.get(m.id)?.onText?.(m.text);
        return;
      case 'function-call': {
        const onCall = this.pending.get(m.id)?.onCall;
        const worker = this.worker;
        const answer = onCall ? onCall(m.name, m.params).catch((e: unknown) => `${m.name} failed: ${(e as Error).message}`) : Promise.resolve(`${m.name} is not available`);
        void answer.then((result) => worker?.postMessage({ op: 'function-result', call: m.call, result } satisfies ToWorker));
        return;
      }
      case 'done':
        this.lastTimings = m.timings;
        this.pending.get(m.id)?.resolve({ text: m.text, timings: m.timings });
        this.pending.delete(m.id);
        return;
      case 'failed':
        this.pending.get(m.id)?.reject(new ModelError('GENERATION_FAILED', `the model failed to answer: ${m.message}`));
        this.pending.delete(m.id);
        this.embeds.get(m.id)?.reject(new ModelError('GENERATION_FAILED', m.message));
        this.embeds.delete(m.id);
        return;
      case 'embedded':
        this.embeds.get(m.id)?.resolve(m.vectors.map((v) => [...v]));
        this.embeds.delete(m.id);
        return;
    }
  }
}
