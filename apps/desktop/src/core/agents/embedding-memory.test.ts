/**
 * The agents' memory against a real LMDB in a temp dir: vectors persist across a restart of the store (as
 * unit Float32 bytes), a changed document or another model is embedded again and stale vectors are
 * dropped, the background pass reports done / total, cosine search orders vectors built by hand, BM25
 * answers (saying why) with no model, a failing or slow embedder, or rules only; the tiny generated model
 * embeds real documents (meaningless but deterministic vectors) and a diagnosis cites by cosine. Also
 * prints two measured figures: the tiny model's embedding time per document and one search over 10,000 vectors.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { open, type RootDatabase } from 'lmdb';
import type { ActionRun, Incident, MemoryStatus, Runbook } from '@cerebro/shared/api/contract';
import { defaultRunbookDir, loadRunbooks } from '../remediation/loader';
import { DiagnosisService } from './diagnosis-service';
import { EmbeddingMemory, type Embedder } from './embedding-memory';
import { EMBED_CHARS, incidentDoc, type MemoryCorpus } from './memory-docs';
import { cosineTopK, LmdbVectorStore, unitVector } from './memory-store';
import { tinyModelHost } from './test-doubles';
import { incidentFixture } from './test-fixtures';
import { runTool, type ToolSources } from './tools';
import { modelEmbedder } from './wiring';

const runbooks: Runbook[] = [...loadRunbooks(defaultRunbookDir()).runbooks.values()];

/**
 * An LMDB environment in a temp dir; `open()` closes the one open before (a restart: one environment per
 * path and process, as in the console), and the last is closed after the test.
 */
function tempEnv(t: TestContext): { open(): Promise<RootDatabase> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-memory-'));
  let current: RootDatabase | null = null;
  t.after(async () => {
    await current?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    open: async () => {
      await current?.close();
      current = open({ path: dir, maxDbs: 16 });
      return current;
    },
  };
}

const mk = (id: string, title: string, explanation = ''): Incident => {
  const base = incidentFixture(id, 1).incident;
  return { ...base, title, alerts: [], services: [], causes: explanation ? [{ ...base.causes[0]!, explanation }] : [] };
};

/** Topic vectors: [disk, cpu, postgres, memory, 0.01]: deterministic, and similar texts point the same way. */
function topicVector(text: string): number[] {
  const n = (re: RegExp): number => (text.toLowerCase().match(re) ?? []).length;
  return [n(/disk|filesystem|fs\b/g), n(/cpu|load/g), n(/postgres/g), n(/memory|oom|rss/g), 0.01];
}

function fakeEmbedder(model = 'fake-a'): Embedder & { calls: string[][]; model: string; loaded: boolean; fail: string | null; delayMs: number } {
  const e = {
    calls: [] as string[][],
    model,
    loaded: true,
    fail: null as string | null,
    delayMs: 0,
    ready: () => e.loaded,
    identity: async () => (e.loaded ? e.model : null),
    embed: async (texts: readonly string[]) => {
      e.calls.push([...texts]);
      if (e.delayMs > 0) await new Promise((r) => setTimeout(r, e.delayMs));
      if (e.fail) throw new Error(e.fail);
      return texts.map(topicVector);
    },
  };
  return e;
}

function corpus(incidents: Incident[], runs: ActionRun[] = [], books: Runbook[] = []): MemoryCorpus & { incidentList: Incident[]; books: Runbook[] } {
  const c = { incidentList: incidents, books, incidents: async () => c.incidentList, runs: () => runs, runbooks: () => c.books };
  return c;
}

const past = [mk('p-disk', 'disk full on db-02', 'filesystem /var/lib/postgresql filling'), mk('p-cpu', 'cpu spike on web-02', 'nginx workers load'), mk('p-mem', 'memory leak in cache', 'redis rss growing, oom')];
const run = (id: string, runbookId: string, state: ActionRun['state'], incidentId: string): ActionRun => ({
  id,
  runbookId,
  hostId: 'host-db-02',
  incidentId,
  params: {},
  actor: { type: 'operator', name: 'op' },
  state,
  steps: [],
  rollback: [],
  verification: { ok: state === 'succeeded', checks: [], atMs: 2 },
  createdMs: 1,
  updatedMs: 2,
  summary: state === 'succeeded' ? 'freed 4 GiB on /var/lib/postgresql' : 'disk still full',
});

test('cosine top-k orders hand-built vectors, skips other dimensions and the excluded id; unit vectors refuse zeros', () => {
  const q = unitVector([1, 0, 0])!;
  const entries = [
    { id: 'same', vector: unitVector([2, 0, 0])! },
    { id: 'near', vector: unitVector([1, 0.2, 0])! },
    { id: 'far', vector: unitVector([0, 1, 0])! },
    { id: 'opposite', vector: unitVector([-1, 0, 0])! },
    { id: 'other-dim', vector: unitVector([1, 0])! },
  ];
  const top = cosineTopK(q, entries, 3);
  assert.deepEqual(top.map((h) => h.id), ['same', 'near', 'far']);
  assert.ok(Math.abs(top[0]!.score - 1) < 1e-6 && Math.abs(top[2]!.score) < 1e-6);
  assert.deepEqual(cosineTopK(q, entries, 2, 'same').map((h) => h.id), ['near', 'far']);
  assert.equal(unitVector([0, 0]), null);
  assert.equal(unitVector([]), null);
  assert.equal(unitVector([Number.NaN, 1]), null);
});

test('vectors persist across a restart of the store as unit Float32 bytes', async (t) => {
  const env = tempEnv(t);
  const store = new LmdbVectorStore(await env.open());
  assert.equal(store.put('incident', 'i1', 'h1', 'm1', [3, 4]), true);
  assert.equal(store.put('runbook', 'r1', 'h2', 'm1', [0, 0]), false, 'a zero vector is not stored');
  store.put('runbook', 'r2', 'h3', 'm1', [1, 2, 2]);
  store.delete('runbook', 'r2');
  const again = new LmdbVectorStore(await env.open());
  const e = again.get('incident', 'i1')!;
  assert.deepEqual([e.hash, e.model, [...e.vector]], ['h1', 'm1', [0.6000000238418579, 0.800000011920929]]);
  assert.ok(e.vector instanceof Float32Array);
  assert.equal(again.count('runbook'), 0);
});

test('a pass embeds every document with progress, a restart embeds nothing again, a change re-embeds only it, another model re-embeds all and drops the old vectors', async (t) => {
  const env = tempEnv(t);
  const c = corpus([...past], [run('run-1', 'fs-delete-old-files', 'succeeded', 'p-disk'), run('run-2', 'fs-truncate-log', 'refused', 'p-disk')], runbooks.slice(0, 3));
  const emb = fakeEmbedder();
  const store = new LmdbVectorStore(await env.open());
  const memory = new EmbeddingMemory({ store, corpus: c, embedder: emb, batch: 2 });
  const seen: MemoryStatus[] = [];
  memory.onStatus((s) => seen.push(s));
  await memory.refresh();
  // 3 incidents + 1 ended run (the refused one never ran) + 3 runbooks, two a request.
  assert.deepEqual(emb.calls.map((b) => b.length), [2, 2, 2, 1]);
  assert.deepEqual(seen.filter((s) => s.state === 'embedding').map((s) => `${s.done}/${s.total}`), ['0/7', '2/7', '4/7', '6/7', '7/7']);
  const status = memory.status();
  assert.deepEqual([status.state, status.model, status.vectors, status.dimension], ['idle', 'fake-a', { incident: 3, resolution: 1, runbook: 3 }, 5]);
  assert.ok(emb.calls.flat().every((text) => text.length <= EMBED_CHARS));
  await store.flushed();

  // Restart: a new store on the same environment finds every vector; nothing is embedded again.
  const store2 = new LmdbVectorStore(await env.open());
  const emb2 = fakeEmbedder();
  const memory2 = new EmbeddingMemory({ store: store2, corpus: c, embedder: emb2 });
  await memory2.refresh();
  assert.equal(emb2.calls.length, 0, 'vectors survive the restart');
  assert.equal(memory2.status().vectors.incident, 3);

  // One incident changes, one runbook leaves the library: only the change is embedded, the runbook's vector goes.
  c.incidentList = [mk('p-disk', 'disk full on db-02 again', 'filesystem /var/lib/postgresql filling'), past[1]!, past[2]!];
  c.books = runbooks.slice(0, 2);
  await memory2.refresh();
  assert.deepEqual(emb2.calls.flat().length, 2, 'the changed incident and its resolution (whose text names the incident)');
  assert.equal(store2.count('runbook'), 2);
  assert.equal(store2.get('runbook', runbooks[2]!.id), null);

  // Another model: everything again, the first model's vectors dropped.
  emb2.model = 'fake-b';
  await memory2.refresh();
  assert.equal(emb2.calls.flat().length, 2 + 3 + 1 + 2);
  for (const k of ['incident', 'resolution', 'runbook'] as const) for (const e of store2.entries(k)) assert.equal(e.model, 'fake-b');
});

test('search: cosine when vectors are there, else BM25 saying why (no model, rules only, nothing embedded, embedding failed or too slow)', async (t) => {
  const env = tempEnv(t);
  const c = corpus([...past], [run('run-1', 'fs-delete-old-files', 'succeeded', 'p-disk')], runbooks);
  const emb = fakeEmbedder();
  const memory = new EmbeddingMemory({ store: new LmdbVectorStore(await env.open()), corpus: c, embedder: emb, queryTimeoutMs: 200 });
  const now = mk('now', 'postgres disk filling on db-01', 'filesystem nearly full');

  const before = await memory.similarIncidents(now, 2);
  assert.match(before.method, /^bm25 \(no incident is embedded yet by this model/);
  await memory.refresh();
  const r = await memory.similarIncidents(now, 2);
  assert.equal(r.method, 'cosine');
  assert.equal(r.hits.length, 2);
  assert.equal(r.hits[0]!.id, 'p-disk', 'the one pointing the same way (disk, postgres) comes first');
  assert.ok(r.hits[0]!.score > 0.9 && r.hits[0]!.score > r.hits[1]!.score);
  // A known incident's stored vector is its query: no embedding call.
  const calls = emb.calls.length;
  const self = await memory.similarIncidents(past[0]!, 3);
  assert.equal(emb.calls.length, calls);
  assert.ok(!self.hits.some((h) => h.id === 'p-disk'), 'the incident itself is not cited');
  // A text query is embedded once, then cached.
  await memory.search('resolution', 'disk full', 2);
  await memory.search('resolution', 'disk full', 2);
  assert.equal(emb.calls.length, calls + 1);
  const res = await memory.search('resolution', 'disk full', 2);
  assert.deepEqual([res.method, res.hits.map((h) => h.id)], ['cosine', ['run-1']]);
  assert.match(res.hits[0]!.title, /on host-db-02: succeeded/);

  assert.match((await memory.similarIncidents(now, 2, { embed: false })).method, /^bm25 \(rules only/);
  emb.fail = 'no embedding context';
  const failed = await memory.search('incident', 'memory leak', 2);
  assert.equal(failed.method, 'bm25 (embedding failed: no embedding context)');
  assert.equal(failed.hits[0]?.id, 'p-mem');
  emb.fail = null;
  emb.delayMs = 400;
  assert.match((await memory.search('incident', 'cpu spike', 2)).method, /^bm25 \(embedding the query took over 200 ms\)/);
  emb.delayMs = 0;
  emb.loaded = false;
  const off = await memory.search('incident', 'cpu spike', 2);
  assert.deepEqual([off.method, off.hits[0]?.id], ['bm25 (no embedding model loaded)', 'p-cpu']);
  assert.equal(memory.status().state, 'off');
  // A model whose pass has not covered everything yet says so.
  emb.loaded = true;
  c.incidentList = [...past, mk('p-new', 'disk slow on db-03', 'filesystem io')];
  const partial = await memory.similarIncidents(now, 2);
  assert.equal(partial.method, 'cosine (3 of 4 incidents embedded so far)');
});

test('a pass in the background never blocks a search, waits while the model is busy, and a failing pass says why', async (t) => {
  const env = tempEnv(t);
  const many = Array.from({ length: 40 }, (_, i) => mk(`p${i}`, `${i % 2 ? 'disk' : 'cpu'} trouble ${i}`));
  const emb = fakeEmbedder();
  emb.delayMs = 20;
  let busy = true;
  const memory = new EmbeddingMemory({ store: new LmdbVectorStore(await env.open()), corpus: corpus(many), embedder: emb, batch: 4, busy: () => busy });
  const pass = memory.refresh();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual([emb.calls.length, memory.status().state, memory.status().done], [0, 'embedding', 0], 'nothing embedded while a diagnosis uses the model');
  busy = false;
  await new Promise((r) => setTimeout(r, 350));
  const t0 = performance.now();
  const r = await memory.search('incident', 'disk', 3);
  assert.ok(performance.now() - t0 < 1000);
  assert.match(r.method, /^cosine \(\d+ of 40 incidents embedded so far\)$/);
  assert.equal(memory.status().state, 'embedding');
  await pass;
  assert.deepEqual([memory.status().done, memory.status().total], [40, 40]);

  emb.fail = 'worker gone';
  many.push(mk('p-late', 'late'));
  await memory.refresh();
  assert.deepEqual([memory.status().state, memory.status().error], ['failed', 'worker gone']);
  await memory.close();
});

test('the diagnosis cites similar incidents with the method, and past resolutions and runbooks; the Ask tools search the memory', async (t) => {
  const env = tempEnv(t);
  const f = incidentFixture('inc-now', 6);
  const older = incidentFixture('inc-old', 3, Date.UTC(2026, 9, 1));
  const c = corpus([f.incident, older.incident, ...past], [run('run-1', 'cpu-hog-renice', 'succeeded', 'inc-old')], runbooks);
  const emb = fakeEmbedder();
  const memory = new EmbeddingMemory({ store: new LmdbVectorStore(await env.open()), corpus: c, embedder: emb });
  await memory.refresh();
  const incidents = new Map(c.incidentList.map((i) => [i.id, i]));
  const svc = new DiagnosisService({
    incidents: { get: async (id) => incidents.get(id) ?? null, list: async () => c.incidentList },
    alerts: { get: async (id) => f.alerts.get(id) ?? null },
    generator: null,
    memory,
  });
  const r = await svc.start('inc-now').done;
  assert.equal(r.state, 'done');
  // No model for the diagnosis: rules only, so the memory answers by BM25 and says so.
  assert.match(r.similarMethod!, /^bm25 \(rules only/);
  assert.equal(r.similar[0]?.by, 'bm25');
  assert.ok(!r.similar.some((s) => s.incidentId === 'inc-now'));
  const input = await svc.input('inc-now', { embed: true });
  assert.equal(input.memory?.incidentsMethod, 'cosine');
  assert.equal(input.memory?.similar[0]?.by, 'cosine');
  assert.equal(input.memory?.similar[0]?.incidentId, 'inc-old', 'the same fixture with fewer alerts points the same way');
  assert.deepEqual(input.memory?.resolutions.map((h) => h.id), ['run-1']);
  assert.equal(input.memory?.runbooks.length, 3);

  const sources = { incidents: async () => c.incidentList, memory } as unknown as ToolSources;
  const tool = await runTool('similarResolutions', { query: 'postgres cpu hog' }, sources);
  assert.equal(tool.ok, true);
  assert.match(tool.result, /^resolutions: run-1 \(/);
  assert.match(tool.result, /\[by cosine\]/);
  assert.match((await runTool('similarIncidents', { query: 'postgres' }, sources)).result, /\[by cosine\]$/);
});

test('the tiny model embeds the memory in its worker: vectors of its width, persisted, searched by cosine; figures printed', async (t) => {
  const env = tempEnv(t);
  const { host } = await tinyModelHost(t, 7);
  const incidents = Array.from({ length: 50 }, (_, i) => incidentFixture(`inc-${i}`, 2 + (i % 5), Date.UTC(2026, 10, 1) + i * 60_000).incident);
  const c = corpus(incidents, [], runbooks);
  const embedder = modelEmbedder(host);
  const identity = await embedder.identity();
  assert.match(identity!, /^tiny\.gguf:\d+:\d+$/);
  const store = new LmdbVectorStore(await env.open());
  const memory = new EmbeddingMemory({ store, corpus: c, embedder });
  const t0 = performance.now();
  await memory.refresh();
  const embedMs = performance.now() - t0;
  const docs = incidents.length + runbooks.length;
  const s = memory.status();
  assert.deepEqual([s.state, s.done, s.total, s.dimension, s.vectors.incident], ['idle', docs, docs, 64, 50]);
  const r = await memory.similarIncidents(incidents[0]!, 3);
  assert.equal(r.method, 'cosine');
  assert.equal(r.hits.length, 3);
  // Deterministic: the same model and text give the stored vector again.
  const again = unitVector((await host.embed([incidentDoc(incidents[0]!).text]))[0]!)!;
  const stored = store.get('incident', 'inc-0')!.vector;
  assert.ok(again.every((x, i) => Math.abs(x - stored[i]!) < 1e-5));

  // One search over 10,000 stored vectors of the tiny model's width (brute force).
  const big = new LmdbVectorStore(await tempEnv(t).open());
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
  for (let i = 0; i < 10_000; i++) big.put('incident', `v${i}`, 'h', 'm', Array.from({ length: 64 }, rnd));
  const q = unitVector(Array.from({ length: 64 }, rnd))!;
  const entries = [...big.entries('incident')];
  cosineTopK(q, entries, 3);
  const runs = 20;
  const t1 = performance.now();
  for (let i = 0; i < runs; i++) cosineTopK(q, entries, 3);
  const searchMs = (performance.now() - t1) / runs;
  t.diagnostic(`memory figures: embedded ${docs} docs with the tiny model in ${embedMs.toFixed(0)} ms (${(embedMs / docs).toFixed(2)} ms a doc); one cosine top-3 over 10,000 vectors of 64 dims: ${searchMs.toFixed(2)} ms`);
  assert.ok(searchMs < 200, `${searchMs} ms`);
});
