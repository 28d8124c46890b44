/**
 * Asks persisted in a real LMDB (temp dir): a finished Ask is served by GET /agents/ask/:id after a restart
 * of the orchestrator; one interrupted by a stop comes back as failed, saying so; the newest 200 are kept.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { open } from 'lmdb';
import type { AskRecord } from '@cerebro/shared/api/contract';
import type { ModelHost } from '../models/model-host';
import { ASK_INTERRUPTED, LmdbAskStore } from './ask-store';
import { DiagnosisService } from './diagnosis-service';
import { Orchestrator } from './orchestrator';
import { agentGet } from './routes';
import type { Generator } from './steps';
import { scriptedGenerator } from './test-doubles';
import { incidentFixture } from './test-fixtures';
import type { ToolSources } from './tools';

const f = incidentFixture('inc-ask', 3);

function orchestrator(store: LmdbAskStore, generator: Generator | null): Orchestrator {
  const incidents = { get: async (id: string) => (id === f.incident.id ? f.incident : null), list: async () => [f.incident] };
  const diagnoses = new DiagnosisService({ incidents, alerts: { get: async (id) => f.alerts.get(id) ?? null }, generator });
  const tools = {
    hosts: () => [],
    seriesKeys: () => [],
    latest: () => null,
    range: () => [],
    templates: () => [],
    logLines: () => [],
    topology: () => ({ nodes: [], edges: [] }),
    incidents: async () => [f.incident],
  } satisfies ToolSources;
  return new Orchestrator({ generator, tools, diagnoses, incidents, store, functionCalling: false });
}

test('an Ask survives a restart; one interrupted by the stop comes back failed with why', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-asks-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  let env = open({ path: dir, maxDbs: 8 });
  let store = new LmdbAskStore(env);
  const done = await (await orchestrator(store, scriptedGenerator([JSON.stringify({ action: 'answer', answer: 'db-01 is out of connection slots' })])).ask('Why is db-01 slow?', 'inc-ask')).done;
  assert.equal(done.state, 'done');

  // A model that never answers: the Ask is running (persisted at its start) when the console stops.
  const hanging: Generator = { ready: () => true, modelName: () => 'hang.gguf', generate: () => new Promise(() => undefined) };
  const running = (await orchestrator(store, hanging).ask('And web-01?', null)).started;
  assert.equal(running.state, 'running');
  await store.flushed();
  await env.close();

  env = open({ path: dir, maxDbs: 8 });
  t.after(() => env.close());
  store = new LmdbAskStore(env);
  const after = orchestrator(store, null);
  const deps = { models: null as unknown as ModelHost, diagnoses: null as unknown as DiagnosisService, orchestrator: after };
  const served = (await agentGet(deps, ['agents', 'ask', done.id])) as AskRecord;
  assert.deepEqual(served, done);
  const interrupted = (await agentGet(deps, ['agents', 'ask', running.id])) as AskRecord;
  assert.deepEqual([interrupted.state, interrupted.error, interrupted.question], ['failed', ASK_INTERRUPTED, 'And web-01?']);
  await assert.rejects(agentGet(deps, ['agents', 'ask', 'ask-nope']), /no ask ask-nope/);
});

test('the newest 200 Asks are kept, in the store too', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-asks-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = open({ path: dir, maxDbs: 8 });
  t.after(() => env.close());
  const store = new LmdbAskStore(env);
  const orch = orchestrator(store, null);
  const ids: string[] = [];
  for (let i = 0; i < 203; i++) ids.push((await (await orch.ask(`question ${i}`, null)).done).id);
  await store.flushed();
  const kept = store.load();
  assert.equal(kept.length, 200);
  assert.equal(orch.get(ids[2]!), null);
  assert.ok(kept.every((r) => r.state === 'done') && kept.some((r) => r.id === ids[202]) && !kept.some((r) => r.id === ids[0]));
});
