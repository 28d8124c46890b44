/**
 * The model worker: node-llama-cpp on its own thread, so evaluation (seconds of CPU) never blocks ingest or
 * the API. One model, one context, one generation at a time; the host queues requests.
 */
import { parentPort } from 'node:worker_threads';
import { getLlama, LlamaChatSession, type Llama, type LlamaContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import type { FromWorker, GenerateRequest, ToWorker } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('models/worker.ts runs as a worker thread of the model host, not on its own');
const send = (m: FromWorker): void => port.postMessage(m);

let llama: Llama | null = null;
let model: LlamaModel | null = null;
let context: LlamaContext | null = null;
const grammars = new Map<string, LlamaGrammar>();

async function unload(): Promise<void> {
  grammars.clear();
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
    const text = await session.prompt(req.user, {
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

/** Requests run one after another, in order. */
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
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
    }
  });
});
