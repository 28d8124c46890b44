/**
 * The model host on a real generated GGUF (2 layers, 64 wide): listing with header facts, loading in the
 * worker thread with progress, a schema-constrained generation that parses, and clear errors for a file
 * that is not a GGUF, a truncated copy, a missing file, no folder and no model.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { defaultThreads, ModelError, ModelHost } from './model-host';
import { TINY_SHAPE, writeTestModel } from './test-model';

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-models-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('inference threads: one core left to the console, never fewer than one thread', () => {
  assert.deepEqual([1, 2, 4, 16].map((cores) => defaultThreads(cores)), [1, 1, 3, 15]);
});

test('the test model is deterministic from its seed', (t) => {
  const dir = tempDir(t);
  writeTestModel(path.join(dir, 'a.gguf'), TINY_SHAPE, 7);
  writeTestModel(path.join(dir, 'b.gguf'), TINY_SHAPE, 7);
  writeTestModel(path.join(dir, 'c.gguf'), TINY_SHAPE, 8);
  assert.equal(sha(path.join(dir, 'a.gguf')), sha(path.join(dir, 'b.gguf')));
  assert.notEqual(sha(path.join(dir, 'a.gguf')), sha(path.join(dir, 'c.gguf')));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a.gguf', 'b.gguf', 'c.gguf'], 'no temporary file left behind');
});

test('lists, loads in a worker with progress, and generates JSON that follows the schema', async (t) => {
  const dir = tempDir(t);
  writeTestModel(path.join(dir, 'tiny.gguf'), TINY_SHAPE, 1);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a model');
  const host = new ModelHost({ dir, threads: 1 });
  t.after(() => host.close());
  const view = await host.list();
  assert.equal(view.files.length, 1, 'only .gguf files are listed');
  const f = view.files[0]!;
  assert.deepEqual(
    { file: f.file, architecture: f.architecture, name: f.name, layers: f.blockCount, width: f.embeddingLength, type: f.fileType, error: f.error },
    { file: 'tiny.gguf', architecture: 'llama', name: TINY_SHAPE.name, layers: 2, width: 64, type: 'F16', error: undefined },
  );
  assert.equal(view.status.state, 'none');
  await assert.rejects(host.generate({ system: 's', user: 'u', schema: { type: 'string' }, maxTokens: 4 }), (e: unknown) => e instanceof ModelError && e.code === 'NO_MODEL' && /no model is loaded/.test(e.message));

  const seen: Array<{ state: string; progress: number }> = [];
  host.onStatus((s) => seen.push({ state: s.state, progress: s.progress }));
  const status = await host.load('tiny.gguf');
  assert.equal(status.state, 'loaded');
  assert.equal(status.threads, 1);
  assert.ok(status.loadMs !== null && status.contextSize !== null && status.contextSize > 0);
  assert.equal(seen[0]?.state, 'loading');
  assert.equal(seen.at(-1)?.state, 'loaded');
  const progress = seen.filter((s) => s.state === 'loading').map((s) => s.progress);
  assert.ok(progress.length >= 3, `progress events: ${JSON.stringify(progress)}`);
  assert.deepEqual([...progress].sort((a, b) => a - b), progress, `progress only grows: ${JSON.stringify(progress)}`);

  // No "integer": node-llama-cpp's integer grammar allows an exponent, and random weights wrote 80195E5019548548548548 (Infinity).
  const schema = { type: 'object', properties: { what: { type: 'string', maxLength: 40 }, level: { enum: ['low', 'high'] }, ids: { type: 'array', items: { enum: ['a1', 'b2'] }, maxItems: 2 } }, required: ['what', 'level', 'ids'] };
  let streamed = '';
  const r = await host.generate({ system: 'You answer in JSON.', user: 'web-01 is slow', schema, maxTokens: 200 }, (text) => (streamed += text));
  const answer = JSON.parse(r.text) as { what: string; level: string; ids: string[] };
  assert.equal(streamed, r.text, 'the streamed text is the answer');
  assert.ok(typeof answer.what === 'string' && answer.what.length <= 40);
  assert.ok(['low', 'high'].includes(answer.level));
  assert.ok(answer.ids.length <= 2 && answer.ids.every((id) => id === 'a1' || id === 'b2'));
  assert.ok(r.timings.promptTokens > 5 && r.timings.generatedTokens > 3, JSON.stringify(r.timings));

  const after = await host.unload();
  assert.equal(after.state, 'none');
  await assert.rejects(host.generate({ system: 's', user: 'u', schema, maxTokens: 4 }), /no model is loaded/);
});

test('a file that is not a GGUF, a truncated one, a missing one and no folder give clear errors', async (t) => {
  const dir = tempDir(t);
  writeTestModel(path.join(dir, 'tiny.gguf'), TINY_SHAPE, 1);
  const whole = fs.readFileSync(path.join(dir, 'tiny.gguf'));
  fs.writeFileSync(path.join(dir, 'cut.gguf'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  fs.writeFileSync(path.join(dir, 'header-cut.gguf'), whole.subarray(0, 200));
  fs.writeFileSync(path.join(dir, 'fake.gguf'), '{"this": "is json, not a model"}\n'.repeat(4));
  const host = new ModelHost({ dir, threads: 1 });
  t.after(() => host.close());
  const view = await host.list();
  const errors = Object.fromEntries(view.files.map((f) => [f.file, f.error ?? null]));
  assert.match(errors['fake.gguf'] ?? '', /fake\.gguf is not a GGUF file \(it starts with "\{\\"th"/);
  assert.match(errors['cut.gguf'] ?? '', /cut\.gguf is truncated: its header describes \d+ bytes of tensors, the file has \d+; copy it again/);
  assert.match(errors['header-cut.gguf'] ?? '', /ends inside its GGUF header.*truncated/);
  assert.equal(errors['tiny.gguf'], null);

  const code = (c: string, re: RegExp) => (e: unknown) => e instanceof ModelError && e.code === c && re.test(e.message);
  await assert.rejects(host.load('fake.gguf'), code('NOT_GGUF', /not a GGUF file/));
  await assert.rejects(host.load('cut.gguf'), code('NOT_GGUF', /truncated/));
  await assert.rejects(host.load('absent.gguf'), code('NOT_FOUND', /no file absent\.gguf in the models folder/));
  await assert.rejects(host.load('../tiny.gguf'), code('NOT_FOUND', /not a file name in the models folder/));
  assert.equal(host.current().state, 'none', 'refused files never reach the worker');

  const none = new ModelHost({ dir: null });
  assert.deepEqual((await none.list()).files, []);
  await assert.rejects(none.load('tiny.gguf'), code('NO_MODELS_DIR', /no models folder is configured: start the console with --models-dir/));
});
