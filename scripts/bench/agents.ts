/**
 * `agents`: the diagnosis pipeline on a random-weights model of the shape of a ~0.5B chat model (Qwen2.5-0.5B
 * dimensions, Q4_0 by default; speed depends on shape and format, not on weight values), for an incident
 * whose context is ~1,500 tokens. The pipeline (context building, BM25 over past incidents, the model
 * worker, grammar, validation) is timed from "diagnose this incident" to the validated diagnosis; then raw
 * node-llama-cpp in this process generates from the same prompt the same number of tokens with the same
 * grammar, so the overhead is a ratio. The planner does not exist yet: the time covers the diagnosis only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaChatSession, type Llama, type LlamaModel } from 'node-llama-cpp';
import type { Incident } from '@cerebro/shared/api/contract';
import { DiagnosisService, type DiagnosisSources } from '../../apps/desktop/src/core/agents/diagnosis-service';
import { diagnosisStep, type DiagnosisInput } from '../../apps/desktop/src/core/agents/diagnosis-step';
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

function memorySources(current: IncidentFixture, past: readonly IncidentFixture[]): DiagnosisSources {
  const all = new Map<string, Incident>([current, ...past].map((f) => [f.incident.id, f.incident]));
  const alerts = new Map([current, ...past].flatMap((f) => [...f.alerts]));
  return { incidents: { get: async (id) => all.get(id) ?? null, list: async () => [...all.values()] }, alerts: { get: async (id) => alerts.get(id) ?? null }, generator: null };
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

/** Plain node-llama-cpp: a chat session, the grammar from the same schema, the same prompt and token budget. */
async function rawRun(llama: Llama, model: LlamaModel, threads: number, input: DiagnosisInput, maxTokens: number): Promise<RawRun> {
  const context = await model.createContext({ contextSize: 4096, threads, sequences: 1 });
  try {
    const { system, user } = diagnosisStep.prompt(input);
    const t0 = performance.now();
    const grammar = await llama.createGrammarForJsonSchema(diagnosisStep.schema(input) as never);
    const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: system });
    let first = 0;
    let last = 0;
    let generated = 0;
    const text = await session.prompt(user, {
      grammar,
      maxTokens,
      temperature: 0,
      onToken: (t) => {
        const now = performance.now();
        if (first === 0) first = now;
        last = now;
        generated += t.length;
      },
    });
    const end = performance.now();
    return { ms: end - t0, promptMs: first - t0, generateMs: last - first, generated, text };
  } finally {
    await context.dispose();
  }
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
      const service = new DiagnosisService({ ...sources, generator: host });
      const input = await service.input(fixture.incident.id);

      const pipelineRun = async (label: string): Promise<{ ms: number; promptTokens: number; generated: number; promptMs: number; generateMs: number }> => {
        const t0 = performance.now();
        const record = await service.start(fixture.incident.id).done;
        const ms = performance.now() - t0;
        if (record.state !== 'done' || record.source !== 'model') throw new Error(`the pipeline did not answer from the model: ${record.state} ${record.source} ${record.notes.join('; ')} ${record.error ?? ''}`);
        const timings = host.lastTimings;
        if (!timings) throw new Error('the model host reported no timings');
        log(`${label} pipeline: ${Math.round(ms)} ms (${timings.promptTokens} prompt tokens in ${timings.promptMs} ms, ${timings.generatedTokens} generated in ${timings.generateMs} ms); ${record.notes.length} notes; confidence ${record.diagnosis?.confidence}, ${record.diagnosis?.evidence.length} references`);
        return { ms, promptTokens: timings.promptTokens, generated: timings.generatedTokens, promptMs: timings.promptMs, generateMs: timings.generateMs };
      };
      const rawTimed = async (label: string, tokens: number): Promise<RawRun> => {
        const r = await rawRun(llama, raw, threads, input, tokens);
        log(`${label} raw:      ${Math.round(r.ms)} ms (prompt ${Math.round(r.promptMs)} ms, ${r.generated} generated in ${Math.round(r.generateMs)} ms)`);
        return r;
      };
      // One untimed run of each first (page cache, first-use allocations), then pairs in alternating order
      // so that a slow moment of this shared machine does not always fall on the same side.
      const warm = await pipelineRun('warm-up');
      await rawTimed('warm-up', warm.generated);
      const pipeline: Array<Awaited<ReturnType<typeof pipelineRun>>> = [];
      const raws: RawRun[] = [];
      const ratios: number[] = [];
      for (let i = 0; i < repeat; i++) {
        let p: Awaited<ReturnType<typeof pipelineRun>>;
        let r: RawRun;
        if (i % 2 === 0) {
          p = await pipelineRun(`run ${i + 1}`);
          r = await rawTimed(`run ${i + 1}`, p.generated);
        } else {
          r = await rawTimed(`run ${i + 1}`, warm.generated);
          p = await pipelineRun(`run ${i + 1}`);
        }
        pipeline.push(p);
        raws.push(r);
        ratios.push(p.ms / r.ms);
      }
      const last = pipeline.at(-1)!;
      const diagnosisMs = median(pipeline.map((p) => p.ms))!;
      const rawMs = median(raws.map((r) => r.ms))!;
      const promptTokPerSec = median(pipeline.map((p) => (p.promptTokens * 1000) / p.promptMs))!;
      const genTokPerSec = median(pipeline.map((p) => ((p.generated - 1) * 1000) / Math.max(1, p.generateMs)))!;
      return {
        bench: NAME,
        figures: {
          promptTokPerSec: round(promptTokPerSec, 1),
          genTokPerSec: round(genTokPerSec, 1),
          diagnosisMs: Math.round(diagnosisMs),
          overheadRatio: round(median(ratios), 3),
          overheadRatios: ratios.map((x) => round(x, 3)),
          rawMs: Math.round(rawMs),
          rawPromptTokPerSec: round(median(raws.map((r) => (last.promptTokens * 1000) / r.promptMs)), 1),
          rawGenTokPerSec: round(median(raws.map((r) => ((r.generated - 1) * 1000) / Math.max(1, r.generateMs))), 1),
          promptTokens: last.promptTokens,
          generatedTokens: last.generated,
          runs: repeat,
          threads,
          format,
          modelMB: Math.round(fs.statSync(model.file).size / 1e6),
          modelLoadMs: host.current().loadMs,
          modelGeneratedMs: model.generatedMs === null ? null : Math.round(model.generatedMs),
          planIncluded: false,
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
