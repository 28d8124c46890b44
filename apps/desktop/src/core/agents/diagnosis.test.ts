/**
 * The diagnosis agent: the rule-based answer with no model, the model's answer (the generated tiny GGUF in
 * the model worker) validated against its schema, references to nothing rejected, retried once and then
 * dropped, and BM25 citing the similar past incident.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIAGNOSIS_CONFIDENCE, DIAGNOSIS_LIMITS, type Diagnosis, type DiagnosisEvent, type Incident } from '@cerebro/shared/api/contract';
import { DiagnosisService } from './diagnosis-service';
import { diagnosisStep, incidentContext, incidentRefs } from './diagnosis-step';
import { cosine, similarIncidents, similarIncidentsRanked } from './memory';
import type { Generator } from './steps';
import { scriptedGenerator, tinyModelHost } from './test-doubles';
import { incidentFixture, type IncidentFixture } from './test-fixtures';

function service(fixtures: readonly IncidentFixture[], generator: Generator | null): DiagnosisService {
  const incidents = new Map(fixtures.map((f) => [f.incident.id, f.incident]));
  const alerts = new Map(fixtures.flatMap((f) => [...f.alerts]));
  return new DiagnosisService({
    incidents: { get: async (id) => incidents.get(id) ?? null, list: async () => [...incidents.values()] },
    alerts: { get: async (id) => alerts.get(id) ?? null },
    generator,
  });
}

/** Every field within the schema's limits, every reference backed by the incident. */
function assertValid(d: Diagnosis, f: IncidentFixture): void {
  const refs = new Set(incidentRefs({ incident: f.incident, alerts: f.alerts, similar: [] }));
  assert.ok(d.summary.length > 0 && d.summary.length <= DIAGNOSIS_LIMITS.summaryChars, d.summary);
  assert.ok(d.rootCause.length > 0 && d.rootCause.length <= DIAGNOSIS_LIMITS.rootCauseChars, d.rootCause);
  assert.ok(DIAGNOSIS_CONFIDENCE.includes(d.confidence));
  assert.ok(d.evidence.length <= DIAGNOSIS_LIMITS.evidence);
  for (const r of d.evidence) assert.ok(refs.has(r), `reference ${r} is not in the incident`);
}


test('with no model, the rules diagnose from the ranked causes', async () => {
  const f = incidentFixture('inc-rules', 6);
  const svc = service([f], null);
  const { started, done } = svc.start('inc-rules');
  assert.equal((await started).state, 'running');
  const r = await done;
  assert.equal(r.state, 'done');
  assert.equal(r.source, 'rules');
  assert.match(r.notes.join(' '), /no model is loaded/);
  assertValid(r.diagnosis!, f);
  assert.equal(r.diagnosis!.rootCause, f.incident.causes[0]!.explanation.slice(0, DIAGNOSIS_LIMITS.rootCauseChars));
  assert.equal(r.diagnosis!.confidence, 'high', 'top cause 0.62, next 0.21');
  assert.ok(r.diagnosis!.evidence.every((e) => !e.startsWith('alert:') || f.incident.alerts.find((a) => `alert:${a.id}` === e)?.hostId === 'host-db-01'), 'evidence from the top cause host');
  assert.deepEqual(svc.get('inc-rules'), r);

  // Fewer clues, less confidence: no causes at all.
  const bare = incidentFixture('inc-bare', 2);
  const noCauses: IncidentFixture = { incident: { ...bare.incident, causes: [] }, alerts: bare.alerts };
  const r2 = await service([noCauses], null).start('inc-bare').done;
  assert.equal(r2.diagnosis!.confidence, 'low');
  assertValid(r2.diagnosis!, noCauses);
  await assert.rejects(service([], null).start('missing').started, /no incident with id missing/);
});

test('references to nothing are rejected, asked for again once, then dropped, and the notes say so', async () => {
  const f = incidentFixture('inc-refs', 6);
  const good = `alert:${f.incident.alerts[0]!.id}`;
  const invented = (refs: string[]): string => JSON.stringify({ summary: 'Postgres is out of connections.', rootCause: 'Connection pool exhausted on db-01.', confidence: 'medium', evidence: refs });
  // Invented twice: the second answer is kept without the invented reference.
  const twice = scriptedGenerator([invented([good, 'alert:made-up', 'series:host-x/cpu.util_pct']), invented([good, 'template:deadbeef'])]);
  const r = await service([f], twice).start('inc-refs').done;
  assert.equal(twice.calls.length, 2);
  assert.equal(r.source, 'model');
  assert.deepEqual(r.diagnosis!.evidence, [good]);
  assert.match(r.notes[0]!, /first answer rejected \(references to nothing in the incident: alert:made-up, series:host-x\/cpu\.util_pct\); asked again/);
  assert.match(r.notes[1]!, /second answer kept without what was wrong \(references to nothing in the incident: template:deadbeef\)/);
  assertValid(r.diagnosis!, f);

  // Invented once, right the second time: nothing dropped.
  const once = scriptedGenerator([invented(['alert:made-up']), invented([good])]);
  const r2 = await service([f], once).start('inc-refs').done;
  assert.equal(once.calls.length, 2);
  assert.deepEqual(r2.diagnosis!.evidence, [good]);
  assert.equal(r2.notes.length, 1);

  // Unusable twice (not JSON, then a missing field): the rules answer.
  const broken = scriptedGenerator(['not json', JSON.stringify({ summary: 'x', confidence: 'high', evidence: [] })]);
  const r3 = await service([f], broken).start('inc-refs').done;
  assert.equal(r3.source, 'rules');
  assert.match(r3.notes.join('\n'), /the answer is not JSON.*\n.*"rootCause" must be a non-empty string.*answered from rules/);
  assertValid(r3.diagnosis!, f);
});

test('the schema the model is held to names only the incident\'s references, with bounded strings and arrays', () => {
  const f = incidentFixture('inc-schema', 6);
  const input = { incident: f.incident, alerts: f.alerts, similar: [] };
  const schema = diagnosisStep.schema(input) as { properties: { summary: { maxLength: number }; rootCause: { maxLength: number }; confidence: { enum: string[] }; evidence: { items: { enum: string[] }; maxItems: number } } };
  assert.equal(schema.properties.summary.maxLength, DIAGNOSIS_LIMITS.summaryChars);
  assert.equal(schema.properties.rootCause.maxLength, DIAGNOSIS_LIMITS.rootCauseChars);
  assert.deepEqual(schema.properties.confidence.enum, [...DIAGNOSIS_CONFIDENCE]);
  assert.equal(schema.properties.evidence.maxItems, DIAGNOSIS_LIMITS.evidence);
  const refs = schema.properties.evidence.items.enum;
  // 6 alerts, 6 series, 2 log templates (every third alert).
  assert.equal(refs.length, 14);
  assert.ok(refs.includes('template:t3ea') && refs.includes(`series:host-db-01/${f.incident.alerts[2]!.seriesKey}`));
  const text = incidentContext(input);
  for (const r of refs) assert.ok(text.includes(r), `the context shows ${r}`);
  assert.match(text, /1\. process postgres \(pid 4100\) on db-01, score 0\.62/);
});

test('the tiny model in the worker writes a diagnosis that parses and validates, streamed token by token', async (t) => {
  const { host } = await tinyModelHost(t, 3);
  const f = incidentFixture('inc-model', 9);
  const svc = service([f, incidentFixture('inc-old', 3)], host);
  const events: DiagnosisEvent[] = [];
  svc.onEvent((e) => events.push(e));
  const r = await svc.start('inc-model').done;
  assert.equal(r.state, 'done');
  assert.equal(r.source, 'model', r.notes.join('; '));
  assert.equal(r.model, 'tiny.gguf');
  assertValid(r.diagnosis!, f);
  assert.ok((r.promptTokens ?? 0) > 200 && (r.generatedTokens ?? 0) > 10, `${r.promptTokens} prompt, ${r.generatedTokens} generated tokens`);
  const streamed = events.filter((e) => e.kind === 'token' && e.phase === 'diagnosis').map((e) => (e.kind === 'token' ? e.text : '')).join('');
  // Streamed text is the model's JSON, the same diagnosis once parsed (the grammar ends it, so nothing follows).
  const parsed = JSON.parse(streamed) as Diagnosis;
  assert.equal(parsed.confidence, r.diagnosis!.confidence);
  assert.deepEqual(parsed.evidence, r.diagnosis!.evidence);
  // Running (diagnosis), running (plan: with no runbook library, remediation off, said without asking the model), done.
  assert.deepEqual(events.filter((e) => e.kind === 'record').map((e) => (e.kind === 'record' ? `${e.record.state} ${e.record.phase ?? ''}` : '')), ['running diagnosis', 'running plan', 'done ']);
  assert.equal(r.plan?.plan.runbookId, null);
  assert.match(r.plan!.plan.reason, /remediation is off/);
  assert.deepEqual(r.similar.map((s) => s.incidentId), ['inc-old']);
  assert.equal(r.similar[0]!.by, 'bm25+embedding', 'the loaded model reranks the memory with its embeddings');

  // rulesOnly skips the loaded model.
  const rules = await svc.start('inc-model', { rulesOnly: true }).done;
  assert.equal(rules.source, 'rules');
});

test('BM25 cites the past incident that shares the most terms', () => {
  const mk = (id: string, title: string, explanation: string): Incident => ({ ...incidentFixture(id, 1).incident, title, causes: [{ ...incidentFixture(id, 1).incident.causes[0]!, explanation }], alerts: [], services: [] });
  const now = mk('now', 'disk full on db-01', 'filesystem /var/lib/postgresql filling at 2 GiB/h');
  const past = [mk('p1', 'cpu spike on web-02', 'nginx workers busy'), mk('p2', 'disk full on db-02', 'filesystem /var/lib/postgresql full, WAL archiving stuck'), mk('p3', 'memory leak in cache', 'redis rss growing')];
  const hits = similarIncidents(now, past, 2);
  assert.equal(hits[0]?.incidentId, 'p2');
  assert.ok(hits.every((h) => h.score > 0));
  assert.ok(!hits.some((h) => h.incidentId === 'now'));
  assert.deepEqual(similarIncidents(now, [], 3), []);
});

test('the memory reranks BM25\'s best by embedding similarity, caches vectors per incident version, and falls back to BM25 on failure', async () => {
  const mk = (id: string, title: string): Incident => ({ ...incidentFixture(id, 1).incident, title, alerts: [], services: [], causes: [] });
  const now = mk('now', 'postgres connections exhausted on db-01');
  const past = [mk('p1', 'postgres connections slow on db-02'), mk('p2', 'postgres connections refused on db-01 pool')];
  // Fake vectors: p1 points the same way as the current incident, p2 away from it.
  const vec: Record<string, number[]> = { 'postgres connections exhausted on db-01': [1, 0], 'postgres connections slow on db-02': [1, 0.1], 'postgres connections refused on db-01 pool': [0, 1] };
  const asked: string[][] = [];
  const embed = async (texts: readonly string[]): Promise<number[][]> => (asked.push([...texts]), texts.map((t) => vec[Object.keys(vec).find((k) => t.startsWith(k))!]!));
  const cache = new Map<string, number[]>();
  const bm25 = similarIncidents(now, past, 2);
  assert.equal(bm25[0]?.incidentId, 'p2', 'BM25 alone prefers the one sharing db-01');
  const r = await similarIncidentsRanked(now, past, embed, cache, 2);
  assert.deepEqual(r.hits.map((h) => [h.incidentId, h.by]), [['p1', 'bm25+embedding'], ['p2', 'bm25+embedding']]);
  assert.equal(asked.length, 1);
  await similarIncidentsRanked(now, past, embed, cache, 2);
  assert.equal(asked.length, 1, 'vectors are cached per incident version');
  const failing = await similarIncidentsRanked(now, past, async () => Promise.reject(new Error('no embedding context')), new Map(), 2);
  assert.deepEqual(failing.hits.map((h) => [h.incidentId, h.by]), [['p2', 'bm25'], ['p1', 'bm25']]);
  assert.match(failing.note!, /similar incidents by BM25 only: no embedding context/);
  assert.equal(cosine([1, 0], [0, 1]), 0);
});
