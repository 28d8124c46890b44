/**
 * `agents`: the diagnosis and planning pipeline on a random-weights model of the shape of a ~0.5B chat model
 * (Qwen2.5-0.5B dimensions, Q4_0 by default; speed depends on shape and format, not on weight values), for
 * an incident whose context is ~1,500 tokens. The pipeline (context building, BM25 over past incidents, the
 * model worker, grammars, validation, the runbook candidates whose preconditions hold, the plan) is timed
 * from "diagnose this incident" to the record with both the validated diagnosis and the validated plan;
 * then raw node-llama-cpp in this process replays every generation the pipeline made (same prompt, same
 * grammar, same number of generated tokens), so the overhead is a ratio. Last, the memory: embedding its
 * documents with this model (ms a document) and one brute-force cosine search over 10,000 vectors of its width.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaChatSession, type Llama, type LlamaModel } from 'node-llama-cpp';
import type { Incident } from '@cerebro/shared/api/contract';
import type { Host } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { DiagnosisService, type DiagnosisSources } from '../../apps/desktop/src/core/agents/diagnosis-service';
import { diagnosisStep } from '../../apps/desktop/src/core/agents/diagnosis-step';
import { incidentDoc } from '../../apps/desktop/src/core/agents/memory-docs';
import { cosineTopK, unitVector } from '../../apps/desktop/src/core/agents/memory-store';
import type { PlannerSources } from '../../apps/desktop/src/core/agents/planning';
import type { Generator } from '../../apps/desktop/src/core/agents/steps';
import type { GenerateRequest, GenerateTimings } from '../../apps/desktop/src/core/models/worker-protocol';
import { defaultRunbookDir, loadRunbooks } from '../../apps/desktop/src/core/remediation/loader';
import { incidentFixture, type IncidentFixture } from '../../apps/desktop/src/core/agents/test-fixtures';
import { defaultThreads, ModelHost } from '../../apps/desktop/src/core/models/model-host';
import { HALF_B_SHAPE, testModelFileName, writeTestModel, type TensorFormat } from '../../apps/desktop/src/core/models/test-model';
import { numberOption, parseOptions, UsageError } from './args';
import type { Bench } from './bench';
import { progress, type BenchResult } from './report';
import { median, round } from './stats';

const NAME = 'agents';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODELS_DIR = path.join(REPO_ROOT, 'build/models');
const log = (m: string): void => progress(NAME, m);

const options = {
  format: { type: 'string', help: 'tensor format of the generated model: Q4_0 or Q8_0', default: 'Q4_0' },
  threads: { type: 'string', help: 'inference threads', default: "the console's: cores - 1, at least 1" },
  tokens: { type: 'string', help: 'target prompt size, tokens', default: '1500' },
  repeat: { type: 'string', help: 'measured pairs of pipeline and raw runs, after one warm-up pair (medians reported; overheadRatio is the median of the pairs\' ratios)', default: '3' },
  seed: { type: 'string', help: 'seed of the generated weights', default: '1' },
} as const;

/** The generated model, written once per shape, format and seed (build/models is gitignored). */
function ensureModel(format: TensorFormat, seed: number): { file: string; parameters: number | null; generatedMs: number | null } {
  const shape = { ...HALF_B_SHAPE, format };
  const file = path.join(MODELS_DIR, testModelFileName(shape, seed));
  if (fs.existsSync(file)) {
    log(`model ${path.relative(REPO_ROOT, file)} already generated (${(fs.statSync(file).size / 1e6).toFixed(0)} MB)`);
    return { file, parameters: null, generatedMs: null };
  }
  log(`generating ${path.relative(REPO_ROOT, file)} (${shape.layers} layers, ${shape.embedding} wide, vocabulary ${shape.vocab}, ${format})`);
  const t0 = performance.now();
  let last = -1;
  const { parameters, bytes } = writeTestModel(file, shape, seed, (f) => {
    const pct = Math.floor(f * 10) * 10;
    if (pct > last) {
      last = pct;
      log(`  ${pct} %`);
    }
  });
  const generatedMs = performance.now() - t0;
  log(`  ${(parameters / 1e6).toFixed(0)} M parameters, ${(bytes / 1e6).toFixed(0)} MB in ${(generatedMs / 1000).toFixed(1)} s`);
  return { file, parameters, generatedMs };
}

/** The incidents as the store holds them; `touch` makes the current one a new version (as a newly opened incident is to the memory's vector cache). */
function memorySources(current: IncidentFixture, past: readonly IncidentFixture[]): DiagnosisSources & { touch(): void } {
  const all = new Map<string, Incident>([current, ...past].map((f) => [f.incident.id, f.incident]));
  const alerts = new Map([current, ...past].flatMap((f) => [...f.alerts]));
  let version = 0;
  return {
    incidents: { get: async (id) => all.get(id) ?? null, list: async () => [...all.values()] },
    alerts: { get: async (id) => alerts.get(id) ?? null },
    generator: null,
    touch: () => void all.set(current.incident.id, { ...current.incident, updatedMs: current.incident.updatedMs + ++version }),
  };
}

/**
 * The shipped runbook library, and a view of the fixture's hosts in which the top cause (postgres, pid
 * 4100 on db-01) runs and every host is connected Linux: the CPU runbooks' preconditions hold, so the
 * planner asks the model to choose among real candidates.
 */
function benchPlanner(): PlannerSources {
  const runbooks = [...loadRunbooks(defaultRunbookDir()).runbooks.values()];
  const hog: ProcessRow = { pid: 4100, ppid: 1, name: 'postgres', cmd: 'postgres -D /var/lib/postgresql', user: 'postgres', state: 'R', cpuPct: 96, rssBytes: 2e8, threads: 8, fds: 64, startMs: Date.UTC(2026, 10, 25, 11) };
  return {
    runbooks: () => runbooks,
    view: {
      host: (id) => ({ id, hostname: id.replace(/^host-/, ''), connected: true, inventory: { os: { platform: 'linux' } } }) as unknown as Host,
      latest: () => ({ t: Date.now(), v: 96 }),
      processes: () => ({ ts: Date.now(), procs: [hog] }),
    },
  };
}

/** The model host as the pipeline's generator, recording every generation (request and timings) for the raw replay. */
function recording(host: ModelHost): Generator & { readonly log: Array<{ req: GenerateRequest; timings: GenerateTimings }> } {
  const log: Array<{ req: GenerateRequest; timings: GenerateTimings }> = [];
  return {
    log,
    ready: () => host.ready(),
    modelName: () => host.modelName(),
    // The memory's embedding rerank runs as in the console (vectors cached per incident version).
    embed: (texts) => host.embed(texts),
    generate: async (req, onText) => {
      const r = await host.generate(req, onText);
      log.push({ req, timings: r.timings });
      return r;
    },
  };
}

/** The alert count whose prompt (system + context, in the model's tokens) comes closest to `target` tokens. */
function sizeIncident(model: LlamaModel, target: number): { fixture: IncidentFixture; tokens: number } {
  let best: { fixture: IncidentFixture; tokens: number } | null = null;
  for (let n = 2; n <= 60; n++) {
    const fixture = incidentFixture('bench-incident', n);
    const { system, user } = diagnosisStep.prompt({ incident: fixture.incident, alerts: fixture.alerts, similar: [] });
    const tokens = model.tokenize(system + user).length;
    if (best === null || Math.abs(tokens - target) < Math.abs(best.tokens - target)) best = { fixture, tokens };
    if (tokens > target) break;
  }
  return best!;
}

interface RawRun {
  readonly ms: number;
  readonly promptMs: number;
  readonly generateMs: number;
  readonly generated: number;
  readonly text: string;
}

/**
 * Plain node-llama-cpp replaying the pipeline's generations: for each, a fresh sequence and chat session,
 * the grammar of the same schema, the same prompt, the number of tokens the pipeline generated. Grammars
 * are built once per schema outside the timed span, as the model worker caches them.
 */
async function rawRun(llama: Llama, model: LlamaModel, threads: number, gens: ReadonlyArray<{ req: GenerateRequest; timings: GenerateTimings }>, grammars: Map<string, Awaited<ReturnType<Llama['createGrammarForJsonSchema']>>>): Promise<RawRun> {
  for (const g of gens) {
    const key = JSON.stringify(g.req.schema);
    if (!grammars.has(key)) grammars.set(key, await llama.createGrammarForJsonSchema(g.req.schema as never));
  }
  const context = await model.createContext({ contextSize: 4096, threads, sequences: 1 });
  try {
    const t0 = performance.now();
    let promptMs = 0;
    let generateMs = 0;
    let generated = 0;
    let text = '';
    for (const g of gens) {
      const s0 = performance.now();
      const sequence = context.getSequence();
      const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: g.req.system, autoDisposeSequence: true });
      let first = 0;
      let last = 0;
      try {
        text = await session.prompt(g.req.user, {
          grammar: grammars.get(JSON.stringify(g.req.schema))!,
          maxTokens: Math.max(1, g.timings.generatedTokens),
          temperature: 0,
          onToken: (t) => {
            const now = performance.now();
            if (first === 0) first = now;
            last = now;
            generated += t.length;
          },
        });
      } finally {
        session.dispose();
      }
      promptMs += first - s0;
      generateMs += last - first;
    }
    const end = performance.now();
    return { ms: end - t0, promptMs, generateMs, generated, text };
  } finally {
    await context.dispose();
  }
}

/** Memory figures: ms to embed one document (median of a batch after a warm-up) and one cosine top-3 over 10,000 vectors. */
async function memoryFigures(host: ModelHost, texts: readonly string[]): Promise<{ memoryEmbedMsPerDoc: number | null; memorySearchMs: number | null; memoryVectors: number; memoryDimension: number }> {
  const [first] = await host.embed(texts.slice(0, 1));
  const t0 = performance.now();
  await host.embed(texts);
  const memoryEmbedMsPerDoc = (performance.now() - t0) / texts.length;
  const dim = first?.length ?? 0;
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
  const vectors = Array.from({ length: 10_000 }, (_, i) => ({ id: `v${i}`, vector: unitVector(Array.from({ length: dim }, rnd))! }));
  const q = unitVector(first ?? [])!;
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const t = performance.now();
    cosineTopK(q, vectors, 3);
    times.push(performance.now() - t);
  }
  const memorySearchMs = median(times.slice(1))!;
  log(`memory: ${memoryEmbedMsPerDoc.toFixed(1)} ms to embed a document (${texts.length} in one request); cosine top-3 over ${vectors.length} vectors of ${dim}: ${memorySearchMs.toFixed(2)} ms`);
  return { memoryEmbedMsPerDoc: round(memoryEmbedMsPerDoc, 1), memorySearchMs: round(memorySearchMs, 2), memoryVectors: vectors.length, memoryDimension: dim };
}

export const agentsBench: Bench = {
  name: NAME,
  summary: 'diagnosis on a generated ~0.5B-shaped model: prompt and generated tokens/s, diagnosis ms, overhead over raw node-llama-cpp',
  options,
  async run(argv): Promise<BenchResult> {
    const values = parseOptions(NAME, argv, options);
    const format = (values['format'] ?? 'Q4_0') as string;
    if (format !== 'Q4_0' && format !== 'Q8_0') throw new UsageError(`${NAME}: --format must be Q4_0 or Q8_0, got "${format}"`);
    const threads = numberOption(NAME, values, 'threads', defaultThreads(), 1, 256);
    const target = numberOption(NAME, values, 'tokens', 1500, 100, 3500);
    const repeat = numberOption(NAME, values, 'repeat', 3, 1, 10);
    const seed = numberOption(NAME, values, 'seed', 1, 0, 1_000_000);
    const model = ensureModel(format, seed);

    log(`loading it in this process (raw node-llama-cpp, ${threads} thread${threads === 1 ? '' : 's'})`);
    const llama = await getLlama({ gpu: false, build: 'never', progressLogs: false });
    const raw = await llama.loadModel({ modelPath: model.file });
    const { fixture, tokens } = sizeIncident(raw, target);
    log(`incident: ${fixture.incident.alerts.length} alerts, ${fixture.incident.causes.length} ranked causes; prompt ${tokens} tokens before the chat template`);
    const past = Array.from({ length: 20 }, (_, i) => incidentFixture(`past-${i}`, 2 + (i % 5), Date.UTC(2026, 9, 1 + i)));

    log('loading it in the model host (worker thread)');
    const host = new ModelHost({ dir: path.dirname(model.file), threads });
    try {
      const status = await host.load(path.basename(model.file));
      log(`  loaded in ${status.loadMs} ms, context ${status.contextSize} tokens`);
      const sources = memorySources(fixture, past);
      const generator = recording(host);
      const service = new DiagnosisService({ ...sources, generator, planner: benchPlanner() });
      const grammars = new Map<string, Awaited<ReturnType<Llama['createGrammarForJsonSchema']>>>();

      type PipelineRun = { ms: number; promptTokens: number; generated: number; promptMs: number; generateMs: number; gens: Array<{ req: GenerateRequest; timings: GenerateTimings }>; planRunbook: string | null; candidates: number };
      const pipelineRun = async (label: string): Promise<PipelineRun> => {
        generator.log.length = 0;
        // Each run diagnoses the incident as new: the memory embeds it again (the past ones stay cached).
        sources.touch();
        const t0 = performance.now();
        const record = await service.start(fixture.incident.id).done;
        const ms = performance.now() - t0;
        if (record.state !== 'done' || record.source !== 'model') throw new Error(`the pipeline did not answer from the model: ${record.state} ${record.source} ${record.notes.join('; ')} ${record.error ?? ''}`);
        const plan = record.plan;
        if (!plan || plan.source !== 'model') throw new Error(`the plan did not come from the model: ${plan?.source ?? 'none'} ${plan?.notes.join('; ') ?? ''}`);
        const gens = [...generator.log];
        const sum = (f: (t: GenerateTimings) => number): number => gens.reduce((a, g) => a + f(g.timings), 0);
        const run = { ms, promptTokens: sum((t) => t.promptTokens), generated: sum((t) => t.generatedTokens), promptMs: sum((t) => t.promptMs), generateMs: sum((t) => t.generateMs), gens, planRunbook: plan.plan.runbookId, candidates: plan.candidates.length };
        log(
          `${label} pipeline: ${Math.round(ms)} ms, ${gens.length} generations (${run.promptTokens} prompt tokens in ${run.promptMs} ms, ${run.generated} generated in ${run.generateMs} ms); ${record.notes.length + plan.notes.length} notes; confidence ${record.diagnosis?.confidence}, ${record.diagnosis?.evidence.length} references; plan ${plan.plan.runbookId ?? 'none'} of ${plan.candidates.length} candidates`,
        );
        return run;
      };
      const rawTimed = async (label: string, gens: PipelineRun['gens']): Promise<RawRun> => {
        const r = await rawRun(llama, raw, threads, gens, grammars);
        log(`${label} raw:      ${Math.round(r.ms)} ms (prompt ${Math.round(r.promptMs)} ms, ${r.generated} generated in ${Math.round(r.generateMs)} ms)`);
        return r;
      };
      // One untimed run of each first (page cache, first-use allocations), then pairs in alternating order
      // so that a slow moment of this shared machine does not always fall on the same side.
      const warm = await pipelineRun('warm-up');
      await rawTimed('warm-up', warm.gens);
      const pipeline: PipelineRun[] = [];
      const raws: RawRun[] = [];
      const ratios: number[] = [];
      for (let i = 0; i < repeat; i++) {
        let p: PipelineRun;
        let r: RawRun;
        if (i % 2 === 0) {
          p = await pipelineRun(`run ${i + 1}`);
          r = await rawTimed(`run ${i + 1}`, p.gens);
        } else {
          // Greedy decoding: the same prompts give the same generations, so the previous run's stand in.
          r = await rawTimed(`run ${i + 1}`, (pipeline.at(-1) ?? warm).gens);
          p = await pipelineRun(`run ${i + 1}`);
        }
        pipeline.push(p);
        raws.push(r);
        ratios.push(p.ms / r.ms);
      }
      const memory = await memoryFigures(host, past.map((p) => incidentDoc(p.incident).text));
      const last = pipeline.at(-1)!;
      const diagnosisMs = median(pipeline.map((p) => p.ms))!;
      const rawMs = median(raws.map((r) => r.ms))!;
      const promptTokPerSec = median(pipeline.map((p) => (p.promptTokens * 1000) / p.promptMs))!;
      const genTokPerSec = median(pipeline.map((p) => ((p.generated - p.gens.length) * 1000) / Math.max(1, p.generateMs)))!;
      return {
        bench: NAME,
        figures: {
          promptTokPerSec: round(promptTokPerSec, 1),
          genTokPerSec: round(genTokPerSec, 1),
          diagnosisMs: Math.round(diagnosisMs),
          overheadRatio: round(median(ratios), 3),
          overheadRatios: ratios.map((x) => round(x, 3)),
          rawMs: Math.round(rawMs),
          rawPromptTokPerSec: round(median(raws.map((r) => (last.promptTokens * 1000) / Math.max(1, r.promptMs))), 1),
          rawGenTokPerSec: round(median(raws.map((r) => ((r.generated - last.gens.length) * 1000) / Math.max(1, r.generateMs))), 1),
          promptTokens: last.promptTokens,
          generatedTokens: last.generated,
          runs: repeat,
          threads,
          format,
          modelMB: Math.round(fs.statSync(model.file).size / 1e6),
          modelLoadMs: host.current().loadMs,
          modelGeneratedMs: model.generatedMs === null ? null : Math.round(model.generatedMs),
          planIncluded: true,
          generations: last.gens.length,
          planCandidates: last.candidates,
          planRunbook: last.planRunbook,
          ...memory,
          goal: { diagnosisMs: 30_000, overheadRatio: 1.1 },
        },
        skipped: model.generatedMs === null ? { modelGeneratedMs: 'the model was already in build/models from an earlier run' } : {},
      };
    } finally {
      await host.close();
      await raw.dispose();
      await llama.dispose();
    }
  },
};
