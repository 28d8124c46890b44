/**
 * Models and diagnosis in a real console process: `serve --models-dir` lists a generated tiny GGUF and a
 * fake one (with its error), POST /models/load loads it in the bundled model worker with progress on the
 * live `models` topic; a simulated collector's never-seen error line raises a log alert and so an
 * incident, and POST /incidents/:id/diagnose answers from the model with references to that incident,
 * its tokens streamed on the live `diagnosis` topic, with a plan handed to the engine's dry run and an Ask
 * answered in bounded tool steps; with the model unloaded, the rules answer; the record survives a restart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { LIVE_PATH, LIVE_SUBPROTOCOL, routePath, TOKEN_SUBPROTOCOL_PREFIX, type ApiErrorBody, type LiveEvent, type RouteName, type RouteResponses } from '@cerebro/shared/api/contract';
import { TINY_SHAPE, writeTestModel } from '../../apps/desktop/src/core/models/test-model';
import { createTokenFile, ROOT, startConsole, tempDir, waitFor, type RunningConsole } from '../helpers/cerebro';
import { LogCollector } from '../helpers/log-collector';

const HOST = 'it-agents-host';

function cli(home: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs'), ...args], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8', timeout: 60_000 });
}

async function post<N extends RouteName>(con: RunningConsole, name: N, id: string | undefined, body: object): Promise<{ status: number; body: RouteResponses[N] | ApiErrorBody }> {
  const res = await fetch(new URL(routePath(name, id), con.info.apiUrl), { method: 'POST', headers: { authorization: `Bearer ${con.info.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as RouteResponses[N] | ApiErrorBody };
}

test('a real console loads a generated model and diagnoses a real incident with it', { timeout: 120_000 }, async (t) => {
  const home = tempDir(t);
  const models = path.join(home, 'my-models');
  writeTestModel(path.join(models, 'tiny.gguf'), TINY_SHAPE, 5);
  fs.writeFileSync(path.join(models, 'broken.gguf'), 'GGUF but not really');
  const con = await startConsole(t, home, {}, ['--log-learning-minutes', '0', '--models-dir', models, '--model-threads', '1']);

  const list = await con.api('models');
  assert.equal(list.dir, models);
  assert.deepEqual(list.files.map((f) => [f.file, f.architecture, f.error === undefined]), [['broken.gguf', null, false], ['tiny.gguf', 'llama', true]]);
  assert.equal(list.status.state, 'none');
  assert.equal(list.status.threads, 1);

  const ws = new WebSocket(con.info.apiUrl.replace(/^http/, 'ws') + LIVE_PATH, [LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + con.info.apiToken]);
  t.after(() => ws.terminate());
  const events: LiveEvent[] = [];
  ws.on('message', (d: Buffer) => events.push(JSON.parse(d.toString()) as LiveEvent));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ op: 'subscribe', id: 'm', topic: 'models' }));
  ws.send(JSON.stringify({ op: 'subscribe', id: 'd', topic: 'diagnosis' }));

  const bad = await post(con, 'loadModel', undefined, { file: 'broken.gguf' });
  assert.equal(bad.status, 400);
  assert.match((bad.body as ApiErrorBody).error.message, /broken\.gguf/);
  const loaded = await post(con, 'loadModel', undefined, { file: 'tiny.gguf' });
  assert.equal(loaded.status, 200, JSON.stringify(loaded.body));
  assert.equal((loaded.body as RouteResponses['loadModel']).state, 'loaded');
  const statuses = events.flatMap((e) => (e.type === 'models' ? [e.status] : []));
  assert.ok(statuses.some((s) => s.state === 'loading' && s.progress > 0 && s.progress < 1), `load progress on the live topic: ${JSON.stringify(statuses.map((s) => [s.state, s.progress]))}`);

  // A never-seen error template: a log alert, then an incident.
  const token = fs.readFileSync(createTokenFile(home, home), 'utf8').trim();
  const collector = new LogCollector(HOST, token);
  t.after(() => collector.close());
  await collector.connect(con.info.ingestUrl);
  const now = Date.now();
  await collector.send(1, [{ ts: now - 2000, src: 'journal', level: 'info', msg: 'checkout served order 17 in 12 ms' }]);
  await collector.send(2, [{ ts: now - 1000, src: 'journal', level: 'error', msg: 'checkout: connection to postgres refused (pool exhausted, 64 of 64 in use)', unit: 'checkout.service', pid: 812 }]);
  const incident = await waitFor('an incident with the log alert', async () => (await con.api('incidents')).incidents.find((i) => i.alerts.some((a) => a.hostId === HOST && a.seriesKey.startsWith('log.'))), 20_000, 250);

  const missing = await post(con, 'diagnose', 'no-such-incident', { wait: true });
  assert.equal(missing.status, 404);
  assert.match((missing.body as ApiErrorBody).error.message, /no incident with id no-such-incident/);

  const res = await post(con, 'diagnose', incident.id, { wait: true });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const record = res.body as RouteResponses['diagnose'];
  assert.equal(record.state, 'done');
  assert.equal(record.source, 'model', record.notes.join('; '));
  assert.equal(record.model, 'tiny.gguf');
  const d = record.diagnosis!;
  assert.ok(d.summary.length > 0 && ['low', 'medium', 'high'].includes(d.confidence));
  const alert = incident.alerts.find((a) => a.hostId === HOST)!;
  const allowed = new Set(incident.alerts.flatMap((a) => [`alert:${a.id}`, `series:${a.hostId}/${a.seriesKey}`]));
  for (const r of d.evidence) assert.ok(allowed.has(r) || r.startsWith('template:'), `${r} points into the incident`);
  assert.deepEqual(await con.api('diagnosis', incident.id), record);
  await waitFor('the streamed tokens and the record', () => events.some((e) => e.type === 'diagnosis' && e.event.kind === 'record' && e.event.record.state === 'done'), 5000);
  const streamed = events.flatMap((e) => (e.type === 'diagnosis' && e.event.kind === 'token' && e.event.phase === 'diagnosis' ? [e.event.text] : [])).join('');
  assert.deepEqual((JSON.parse(streamed) as { evidence: string[] }).evidence.filter((r) => allowed.has(r) || r.startsWith('template:')), d.evidence);

  // The plan came with it: a runbook whose preconditions hold (or none, with why), persisted with the record.
  const plan = record.plan!;
  assert.ok(plan, 'the record carries the plan');
  if (plan.plan.runbookId !== null) assert.ok(plan.candidates.includes(plan.plan.runbookId), JSON.stringify(plan));
  else assert.ok(plan.plan.reason.length > 0);
  // The executor hands the plan to the engine's dry run (nothing runs), or says why it cannot.
  const dry = await post(con, 'planDryRun', incident.id, { operator: 'it' });
  if (plan.plan.runbookId !== null && plan.plan.missing.length === 0) {
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal((dry.body as RouteResponses['planDryRun']).dryRun.runbookId, plan.plan.runbookId);
  } else {
    assert.equal(dry.status, 400, JSON.stringify(dry.body));
    assert.match((dry.body as ApiErrorBody).error.message, /proposes no runbook|lacks params/);
  }
  assert.equal((await post(con, 'planDryRun', 'no-such-incident', {})).status, 404);

  // Ask: a free question answered in a bounded number of read-only tool steps.
  const asked = await post(con, 'ask', undefined, { question: 'What is wrong with checkout?', incidentId: incident.id, wait: true });
  assert.equal(asked.status, 200, JSON.stringify(asked.body));
  const ask = asked.body as RouteResponses['ask'];
  assert.equal(ask.state, 'done', ask.error);
  assert.ok(ask.steps.length <= 4);
  assert.deepEqual(await con.api('askRecord', ask.id), ask);
  assert.equal((await post(con, 'ask', undefined, { question: '' })).status, 400);

  // The CLI: the folder with the loaded model and the unusable file, and a diagnosis in words.
  const listed = cli(home, ['models']);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /loaded: tiny\.gguf \(1 threads\)/);
  assert.match(listed.stdout, /broken\.gguf .*UNUSABLE: broken\.gguf is 19 bytes: too short for a GGUF file/);
  const said = cli(home, ['diagnose', incident.id]);
  assert.equal(said.status, 0, said.stderr);
  assert.match(said.stdout, /root cause: .+\nconfidence: (low|medium|high) {2}\(from the model tiny\.gguf\)/);
  const nope = cli(home, ['diagnose', 'no-such-incident']);
  assert.notEqual(nope.status, 0);
  assert.match(nope.stderr, /no incident with id no-such-incident/);

  // No model: the rules answer, from the same incident.
  await post(con, 'unloadModel', undefined, {});
  const rules = await post(con, 'diagnose', incident.id, { wait: true });
  const rr = rules.body as RouteResponses['diagnose'];
  assert.equal(rr.source, 'rules');
  assert.match(rr.notes.join(' '), /no model is loaded/);
  assert.ok(rr.diagnosis!.evidence.includes(`alert:${alert.id}`), JSON.stringify(rr.diagnosis));
  assert.ok(rr.plan, 'the rules plan too');

  // Persisted: after a restart the console serves the same record, plan included.
  collector.close();
  assert.equal(await con.proc.stop('SIGINT'), 0, con.proc.tail());
  const again = await startConsole(t, home, {}, ['--log-learning-minutes', '0', '--models-dir', models, '--model-threads', '1']);
  assert.deepEqual(await again.api('diagnosis', incident.id), rr);
});
