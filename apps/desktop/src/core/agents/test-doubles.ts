/** Test doubles of the agents' tests: a scripted generator (no model) and the tiny generated model in a real worker. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ModelHost } from '../models/model-host';
import { TINY_SHAPE, writeTestModel } from '../models/test-model';
import type { GenerateRequest } from '../models/worker-protocol';
import type { Generator } from './steps';

/**
 * A generator that answers from a list (one per call; the last repeats) or from a function of the call
 * number and request, streaming each answer whole and recording what it was asked.
 */
export function scriptedGenerator(answers: readonly string[] | ((call: number, req: GenerateRequest) => string)): Generator & { calls: GenerateRequest[] } {
  const calls: GenerateRequest[] = [];
  return {
    calls,
    ready: () => true,
    modelName: () => 'scripted.gguf',
    generate: async (req, onText) => {
      calls.push(req);
      const text = typeof answers === 'function' ? answers(calls.length, req) : answers[Math.min(calls.length - 1, answers.length - 1)]!;
      onText?.(text);
      return { text, timings: { promptTokens: 100, generatedTokens: 20, promptMs: 1, generateMs: 1 } };
    },
  };
}

/** The tiny random-weights model (deterministic from `seed`) loaded in a real model host; closed and removed after the test. */
export async function tinyModelHost(t: TestContext, seed: number): Promise<{ host: ModelHost; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-agents-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  writeTestModel(path.join(dir, 'tiny.gguf'), TINY_SHAPE, seed);
  const host = new ModelHost({ dir, threads: 1 });
  t.after(() => host.close());
  await host.load('tiny.gguf');
  return { host, dir };
}
