/**
 * `node --import tsx scripts/make-test-model.ts [--shape tiny|0.5b] [--format F16|Q8_0|Q4_0] [--seed N] [--out FILE]`:
 * writes a deterministic random-weights llama GGUF (apps/desktop/src/core/models/test-model.ts) under
 * build/models/ (gitignored). For tests and benchmarks only: its answers are noise, its speed is real.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HALF_B_SHAPE, testModelFileName, TINY_SHAPE, writeTestModel, type ModelShape, type TensorFormat } from '../apps/desktop/src/core/models/test-model';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where generated models go (gitignored with build/). */
export const TEST_MODELS_DIR = path.join(REPO_ROOT, 'build/models');

function main(): number {
  const { values } = parseArgs({ options: { shape: { type: 'string', default: 'tiny' }, format: { type: 'string' }, seed: { type: 'string', default: '1' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('Usage: node --import tsx scripts/make-test-model.ts [--shape tiny|0.5b] [--format F32|F16|Q8_0|Q4_0] [--seed N] [--out FILE]\n');
    return 0;
  }
  const base: ModelShape | undefined = values.shape === 'tiny' ? TINY_SHAPE : values.shape === '0.5b' ? HALF_B_SHAPE : undefined;
  if (!base) throw new Error(`--shape must be "tiny" or "0.5b", got "${values.shape}"`);
  const formats: readonly TensorFormat[] = ['F32', 'F16', 'Q8_0', 'Q4_0'];
  const format = values.format ?? base.format;
  if (!formats.includes(format as TensorFormat)) throw new Error(`--format must be one of ${formats.join(', ')}, got "${format}"`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got "${values.seed}"`);
  const shape = { ...base, format: format as TensorFormat };
  const file = path.resolve(values.out ?? path.join(TEST_MODELS_DIR, testModelFileName(shape, seed)));
  const t0 = performance.now();
  let last = -1;
  const { bytes, parameters } = writeTestModel(file, shape, seed, (f, tensor) => {
    const pct = Math.floor(f * 100);
    if (pct >= last + 10) {
      last = pct;
      process.stderr.write(`[make-test-model] ${pct}% ${tensor}\n`);
    }
  });
  process.stderr.write(`[make-test-model] ${(parameters / 1e6).toFixed(1)} M parameters, ${(bytes / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - t0)} ms\n`);
  process.stdout.write(file + '\n');
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`make-test-model: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
