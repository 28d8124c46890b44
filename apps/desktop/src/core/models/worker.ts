/**
 * The model worker: node-llama-cpp on its own thread, so evaluation (seconds of CPU) never blocks ingest or
 * the API. One model, one context, one generation at a time; the host queues requests.
 */
import { parentPort } from 'node:worker_threads';
import { defineChatSessionFunction, getLlama, LlamaChatSession, TokenBias, type ChatSessionModelFunctions, type Llama, type LlamaContext, type LlamaEmbeddingContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import type { FromWorker, GenerateRequest, ToWorker } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('models/worker.ts runs as a worker thread of the model host, not on its own');
const send = (m: FromWorker): void => port.postMessage(m);

let llama: Llama | null = null;
let model: LlamaModel | null = null;
let context: LlamaContext | null = null;
/** Created at the first embedding request (most consoles never ask for one). */
let embedding: LlamaEmbeddingContext | null = null;
let loadedThreads = 1;
const grammars = new Map<string, LlamaGrammar>();

async function unload(): Promise<void> {
  grammars.clear();
  await embedding?.dispose();
  embedding = null;
  await context?.dispose();
  await model?.dispose();
  context = null;
  model = null;
}

async function load(path: string, threads: number, contextSize: number): Promise<void> {
  await unload();
  const t0 = performance.now();
  try {
    llama ??= await getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, progressLogs: false, logLevel: 'error' as never });
    let last = -1;
    model = await llama.loadModel({
      modelPath: path,
      onLoadProgress: (p) => {
        // Tens of events a second at most: the UI shows whole percents.
        const pct = Math.floor(p * 100);
        if (pct > last) {
          last = pct;
          send({ type: 'progress', fraction: p });
        }
      },
    });
    const trained = model.trainContextSize;
    context = await model.createContext({ contextSize: Math.min(contextSize, trained), threads, sequences: 1 });
    loadedThreads = threads;
    send({ type: 'loaded', contextSize: context.contextSize, loadMs: Math.round(performance.now() - t0) });
  } catch (e) {
    await unload().catch(() => undefined);
    send({ type: 'load-failed', message: (e as Error).message });
  }
}

async function grammarFor(schema: object): Promise<LlamaGrammar> {
  const key = JSON.stringify(schema);
  let g = grammars.get(key);
  if (!g) {
    g = await llama!.createGrammarForJsonSchema(schema as never);
    if (grammars.size > 16) grammars.clear();
    grammars.set(key, g);
  }
  return g;
}

/** Function calls waiting for the host's result, by call number. */
const pendingCalls = new Map<number, (result: string) => void>();
let nextCall = 1;

const DEFAULT_MAX_FUNCTION_CALLS = 4;
const DEFAULT_FUNCTION_TURN_TOKENS = 192;

/**
 * The function-calling turn: the model may call the offered functions (each answered by the host) until it
 * stops, runs out of tokens, or reaches the call bound (then the turn is cut short). Its text streams too.
 */
async function functionTurn(id: number, session: LlamaChatSession, req: GenerateRequest, onToken: (n: number) => void): Promise<void> {
  const max = req.maxFunctionCalls ?? DEFAULT_MAX_FUNCTION_CALLS;
  const stop = new AbortController();
  let calls = 0;
  const functions: Record<string, ChatSessionModelFunctions[string]> = {};
  for (const f of req.functions ?? []) {
    functions[f.name] = defineChatSessionFunction({
      description: f.description,
      params: f.params as never,
      handler: async (params: unknown) => {
        if (calls >= max) {
          stop.abort();
          return `no more function calls (at most ${max}): answer now`;
        }
        calls++;
        const call = nextCall++;
        const result = new Promise<string>((resolve) => pendingCalls.set(call, resolve));
        send({ type: 'function-call', id, call, name: f.name, params });
        const text = await result;
        if (calls >= max) stop.abort();
        return text;
      },
    });
  }
  await session.prompt(req.user, {
    functions,
    maxTokens: req.functionTurnTokens ?? DEFAULT_FUNCTION_TURN_TOKENS,
    temperature: 0,
    signal: stop.signal,
    stopOnAbortSignal: true,
    ...(req.forceFunctionCall ? { tokenBias: forcedPrefix(session) } : {}),
    onToken: (tokens) => onToken(tokens.length),
    onTextChunk: (chunk) => send({ type: 'token', id, text: chunk }),
  });
}

/**
 * A token bias that makes the first sampled tokens spell the chat wrapper's function-call prefix (then
 * nothing): node-llama-cpp sees a call start and constrains the rest with the functions' grammar. The
 * sampler asks for the bias once per token. (A response prefix is not scanned for calls, so it cannot do this.)
 */
function forcedPrefix(session: LlamaChatSession): () => TokenBias {
  const prefix: unknown = session.chatWrapper.settings.functions.call.prefix;
  const none = TokenBias.for(model!);
  if (typeof prefix !== 'string') return () => none;
  const steps = model!.tokenize(prefix).map((t) => TokenBias.for(model!).set(t, { logit: 1000 }));
  let k = 0;
  return () => steps[k++] ?? none;
}

async function generate(id: number, req: GenerateRequest): Promise<void> {
  if (!context || !model) {
    send({ type: 'failed', id, message: 'no model is loaded' });
    return;
  }
  const t0 = performance.now();
  const sequence = context.getSequence();
  // Every request starts from an empty context: answers must not depend on the previous incident.
  const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: req.system, autoDisposeSequence: true });
  let first = 0;
  let last = 0;
  let generated = 0;
  try {
    const grammar = await grammarFor(req.schema);
    let question = req.user;
    if (req.functions && req.functions.length > 0) {
      await functionTurn(id, session, req, (n) => {
        const now = performance.now();
        if (first === 0) first = now;
        last = now;
        generated += n;
      });
      question = 'Now give your answer in JSON.';
    }
    const text = await session.prompt(question, {
      grammar,
      maxTokens: req.maxTokens,
      temperature: 0,
      onToken: (tokens) => {
        const now = performance.now();
        if (first === 0) first = now;
        last = now;
        generated += tokens.length;
      },
      onTextChunk: (chunk) => send({ type: 'token', id, text: chunk }),
    });
    const promptTokens = sequence.tokenMeter.usedInputTokens;
    send({ type: 'done', id, text, timings: { promptTokens, generatedTokens: generated, promptMs: Math.round(first - t0), generateMs: Math.round(last - first) } });
  } catch (e) {
    send({ type: 'failed', id, message: (e as Error).message });
  } finally {
    session.dispose();
  }
}

/** Texts longer than this many characters are cut before embedding (the context is 512 tokens). */
const EMBED_CHARS = 1_000;

async function embed(id: number, texts: readonly string[]): Promise<void> {
  if (!model) {
    send({ type: 'failed', id, message: 'no model is loaded' });
    return;
  }
  try {
    embedding ??= await model.createEmbeddingContext({ threads: loadedThreads, contextSize: Math.min(512, model.trainContextSize) });
    const vectors: number[][] = [];
    for (const t of texts) vectors.push([...(await embedding.getEmbeddingFor(t.slice(0, EMBED_CHARS))).vector]);
    send({ type: 'embedded', id, vectors });
  } catch (e) {
    send({ type: 'failed', id, message: `embedding failed: ${(e as Error).message}` });
  }
}

/** Requests run one after another, in order. */
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  // A function's result answers a generation that is running: it cannot wait in the queue behind it.
  if (m.op === 'function-result') {
    pendingCalls.get(m.call)?.(m.result);
    pendingCalls.delete(m.call);
    return;
  }
  queue = queue.then(async () => {
    switch (m.op) {
      case 'load':
        await load(m.path, m.threads, m.contextSize);
        return;
      case 'unload':
        await unload();
        send({ type: 'unloaded' });
        return;
      case 'generate':
        await generate(m.id, m);
        return;
      case 'embed':
        await embed(m.id, m.texts);
        return;
    }
  });
});
