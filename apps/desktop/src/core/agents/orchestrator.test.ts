/**
 * The orchestrator (Ask): its tool loop stops within its bound even when the model always wants another
 * tool; tool arguments naming what does not exist are rejected and asked again; the tools are read-only
 * views of the TSDB, the log store, the topology and the memory; with no model it answers from rules; the
 * tiny model's every step parses and validates, and its tokens stream under the ask's id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT_TOOLS, ASK_LIMITS, type DiagnosisEvent } from '@cerebro/shared/api/contract';
import type { GenerateRequest } from '../models/worker-protocol';
import { DiagnosisService } from './diagnosis-service';
import { Orchestrator, orchestratorStep } from './orchestrator';
import type { Generator } from './steps';
import { scriptedGenerator, tinyModelHost } from './test-doubles';
import { incidentFixture } from './test-fixtures';
import { runTool, toolScope, type ToolSources } from './tools';

const f = incidentFixture('inc-ask', 6);
const past = incidentFixture('inc-past', 3, Date.UTC(2026, 9, 1));

function tools(reads: string[]): ToolSources {
  return {
    hosts: () => [{ id: 'host-db-01', hostname: 'db-01' }],
    seriesKeys: () => ['cpu.util_pct'],
    latest: (h, k) => (reads.push(`latest ${h} ${k}`), h === 'host-db-01' ? { t: Date.UTC(2026, 10, 25, 12), v: 96 } : null),
    range: (h, k) => (reads.push(`range ${h} ${k}`), [[1, 10] as const, [2, 96] as const]),
    templates: () => [{ id: 't3ea', text: 'postgres[<*>]: FATAL: remaining connection slots are reserved' }],
    logLines: (t) => (reads.push(`lines ${t}`), [{ ts: Date.UTC(2026, 10, 25, 12), hostId: 'host-db-01', msg: 'postgres[4102]: FATAL: remaining connection slots are reserved' }]),
    topology: () => ({ nodes: [{ id: 'host:host-db-01', kind: 'host', label: 'db-01', hostId: 'host-db-01', pid: null, status: 'live', ports: [] } as never], edges: [{ from: 'host:host-web-01', to: 'host:host-db-01', kind: 'connects', port: 5432, count: 3 }] }),
    incidents: async () => [f.incident, past.incident],
    now: () => Date.UTC(2026, 10, 25, 12),
  };
}

function setup(generator: Generator | null, reads: string[] = []): { orch: Orchestrator; diagnoses: DiagnosisService; events: DiagnosisEvent[] } {
  const incidents = new Map([f, past].map((x) => [x.incident.id, x.incident]));
  const diagnoses = new DiagnosisService({
    incidents: { get: async (id) => incidents.get(id) ?? null, list: async () => [...incidents.values()] },
    alerts: { get: async (id) => f.alerts.get(id) ?? past.alerts.get(id) ?? null },
    generator,
  });
  const events: DiagnosisEvent[] = [];
  diagnoses.onEvent((e) => events.push(e));
  return { orch: new Orchestrator({ generator, tools: tools(reads), diagnoses, incidents: { get: async (id) => incidents.get(id) ?? null } }), diagnoses, events };
}


/** The actions a step's schema offers. */
const offered = (req: GenerateRequest): string[] => (req.schema as { oneOf: Array<{ properties: { action: { const: string } } }> }).oneOf.map((b) => b.properties.action.const);

test('a model that always wants another tool is stopped after the bound, then must finish', async () => {
  const reads: string[] = [];
  const g = scriptedGenerator(() => JSON.stringify({ action: 'series', hostId: 'host-db-01', key: 'cpu.util_pct{x=1}', window: '15m' }).replace('cpu.util_pct{x=1}', f.incident.alerts[0]!.seriesKey));
  const { orch } = setup(g, reads);
  const r = await (await orch.ask('Why is db-01 slow?', 'inc-ask')).done;
  assert.equal(r.state, 'done');
  assert.equal(r.steps.length, ASK_LIMITS.toolSteps, 'exactly the bound of tool calls');
  // After the bound the grammar offers only final actions; the model's tool call is rejected, asked again, then rules finish.
  const afterBound = g.calls.slice(ASK_LIMITS.toolSteps);
  assert.ok(afterBound.length >= 1 && afterBound.length <= 2, `${g.calls.length} generations`);
  for (const req of afterBound) assert.deepEqual(offered(req).sort(), ['answer', 'diagnose', 'plan']);
  for (const req of g.calls.slice(0, ASK_LIMITS.toolSteps)) assert.ok(offered(req).includes('series'));
  assert.match(r.notes.join('\n'), /no tool calls are left/);
  assert.equal(r.source, 'rules');
  assert.equal(r.action, 'diagnose', 'the rules diagnose the incident');
  assert.match(r.answer!, /Root cause: /);
  assert.ok(reads.every((x) => /^(latest|range) /.test(x)), 'the tools only read');
});

test('a tool call naming something that does not exist is rejected and asked again', async () => {
  const g = scriptedGenerator((n) =>
    n === 1 ? JSON.stringify({ action: 'neighbours', node: 'host:made-up' }) : n === 2 ? JSON.stringify({ action: 'neighbours', node: 'host:host-db-01' }) : JSON.stringify({ action: 'answer', answer: 'db-01 is called by web-01 on 5432.' }),
  );
  const { orch, events } = setup(g);
  const { started, done } = await orch.ask('Who calls db-01?', 'inc-ask');
  assert.equal(started.state, 'running');
  const r = await done;
  assert.equal(r.source, 'model');
  assert.equal(r.action, 'answer');
  assert.equal(r.answer, 'db-01 is called by web-01 on 5432.');
  assert.deepEqual(r.steps.map((s) => [s.tool, s.args]), [['neighbours', { node: 'host:host-db-01' }]]);
  assert.match(r.steps[0]!.result, /db-01: called by host:host-web-01/);
  assert.match(r.notes[0]!, /orchestrator: first answer rejected \(neighbours: "node" must be one of the offered values, got "host:made-up"\); asked again/);
  assert.ok(!events.some((e) => e.kind === 'record'), 'an answer in words diagnoses nothing');
  assert.deepEqual(orch.get(r.id), r);
  await assert.rejects(orch.ask('', null), /"question" must be 1 to 500 characters/);
  await assert.rejects(orch.ask('hi', 'no-such'), /no incident with id no-such/);
});

test('the tools read the TSDB, the log store, the topology and the memory, and say when there is nothing', async () => {
  const s = tools([]);
  assert.match((await runTool('series', { hostId: 'host-db-01', key: 'cpu.util_pct', window: '1h' }, s)).result, /cpu\.util_pct on host-db-01, last 1h: min 10, max 96, latest 96/);
  assert.match((await runTool('series', { hostId: 'host-x', key: 'cpu.util_pct', window: 'latest' }, s)).result, /host-x has no series cpu\.util_pct/);
  assert.match((await runTool('logTemplate', { templateId: 't3ea' }, s)).result, /template t3ea \("postgres.*newest lines: .*FATAL/);
  assert.match((await runTool('similarIncidents', { query: 'postgres connection slots' }, s)).result, /inc-ask|inc-past/);
  const scope = toolScope(s, f.incident);
  assert.deepEqual(scope.hosts, f.incident.hostIds);
  assert.ok(scope.templates.includes('t3ea'));
  assert.deepEqual(toolScope(s, null).hosts, ['host-db-01']);
  // Every branch of the first step's grammar is a known action.
  const schema = orchestratorStep.schema({ question: 'q', incident: f.incident, context: null, scope, calls: [], toolsLeft: 4 }) as { oneOf: Array<{ properties: { action: { const: string } } }> };
  for (const b of schema.oneOf) assert.ok([...AGENT_TOOLS, 'answer', 'diagnose', 'plan'].includes(b.properties.action.const));
});

test('with no model: an incident question is diagnosed by the rules; a fleet question cites similar past incidents', async () => {
  const { orch } = setup(null);
  const r = await (await orch.ask('What is wrong?', 'inc-ask')).done;
  assert.equal(r.source, 'rules');
  assert.equal(r.action, 'diagnose');
  assert.match(r.answer!, /Root cause: postgres \(pid 4100\)/);
  const fleet = await (await orch.ask('postgres connection slots', null)).done;
  assert.equal(fleet.action, 'answer');
  assert.deepEqual(fleet.steps.map((s) => s.tool), ['similarIncidents']);
  assert.match(fleet.answer!, /No model answered; past incidents matching the question: /);
});

test('the tiny model: every step parses and validates, the loop ends within its bound, tokens stream under the ask id', async (t) => {
  const { host } = await tinyModelHost(t, 11);
  const { orch, events } = setup(host);
  for (const incidentId of ['inc-ask', null]) {
    const { started, done } = await orch.ask('Why is the database slow?', incidentId);
    const r = await done;
    assert.equal(r.state, 'done', r.error);
    assert.ok(r.steps.length <= ASK_LIMITS.toolSteps);
    for (const s of r.steps) assert.ok(AGENT_TOOLS.includes(s.tool));
    assert.ok(r.action === 'answer' ? (r.answer ?? '').length > 0 : incidentId !== null, JSON.stringify(r));
    const streamed = events.filter((e) => e.kind === 'token' && e.incidentId === started.id).length;
    assert.ok(streamed > 0, 'tokens streamed under the ask id');
    // A rejected step (the only way to the rules with a model) is said so.
    if (r.source === 'rules') assert.match(r.notes.join(' '), /orchestrator: /);
  }
});

test('the first step offers the tools as node-llama-cpp functions: a call runs the read-only tool, within the same bound', async (t) => {
  const { host } = await tinyModelHost(t, 13);
  const reads: string[] = [];
  const incidents = new Map([[f.incident.id, f.incident]]);
  const diagnoses = new DiagnosisService({ incidents: { get: async (id) => incidents.get(id) ?? null, list: async () => [f.incident] }, alerts: { get: async (id) => f.alerts.get(id) ?? null }, generator: host });
  // Random weights never choose to call on their own: the turn is started with the wrapper's call prefix.
  const orch = new Orchestrator({ generator: host, tools: tools(reads), diagnoses, incidents: { get: async (id) => incidents.get(id) ?? null }, forceFunctionCall: true });
  const r = await (await orch.ask('Which hosts does db-01 talk to?', 'inc-ask')).done;
  assert.equal(r.state, 'done', r.error);
  const viaFunctions = r.steps.filter((s) => s.via === 'function-call');
  assert.ok(viaFunctions.length >= 1, `a function call ran: ${JSON.stringify(r.steps)}`);
  assert.ok(r.steps.length <= ASK_LIMITS.toolSteps);
  for (const s of viaFunctions) assert.ok(AGENT_TOOLS.includes(s.tool));
});
