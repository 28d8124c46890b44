/**
 * The planner and the executor: candidates are the library's runbooks that fit the incident and whose
 * preconditions hold; the grammar can name only those; the tiny model's plan parses and validates; a
 * runbook that is not a candidate is rejected and asked again; params the runbook refuses are asked again
 * and then dropped with why; with remediation off the plan says so; the executor only hands the plan to
 * the engine (dry run first; a live run is a separate call) and persists nothing itself.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { open } from 'lmdb';
import type { Actor, DryRunView, Host, Incident } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { defaultRunbookDir, loadRunbooks } from '../remediation/loader';
import { DiagnosisService } from './diagnosis-service';
import { LmdbDiagnosisStore } from './diagnosis-store';
import { ExecutorError, PlanExecutor, type PlanEngine } from './executor';
import { NO_RUNBOOK, paramProblems, planStep } from './plan-step';
import { planningInput, REMEDIATION_OFF, type PlannerSources } from './planning';
import type { Generator } from './steps';
import { scriptedGenerator, tinyModelHost } from './test-doubles';
import { incidentFixture } from './test-fixtures';

const lib = loadRunbooks(defaultRunbookDir());
const runbooks = [...lib.runbooks.values()];
const HOST = 'host-db-01';
const hog: ProcessRow = { pid: 4100, ppid: 1, name: 'postgres', cmd: 'postgres -D /var/lib/pg', user: 'postgres', state: 'R', cpuPct: 96, rssBytes: 1e8, threads: 4, fds: 30, startMs: 1_764_000_000_000 };

/** The fixture incident (top cause: postgres pid 4100 on db-01, CPU alerts), with the hog running or not; `known`: the console knows the hosts. */
function planner(running: boolean, known = true): PlannerSources {
  return {
    runbooks: () => runbooks,
    view: {
      host: (id) => (known ? ({ id, hostname: id.replace(/^host-/, ''), connected: true, inventory: { os: { platform: 'linux' } } } as unknown as Host) : null),
      latest: () => ({ t: Date.now(), v: 96 }),
      processes: () => ({ ts: Date.now(), procs: running ? [hog] : [] }),
    },
  };
}

function service(generator: Generator | null, sources: PlannerSources | null, extra: Partial<ConstructorParameters<typeof DiagnosisService>[0]> = {}): { svc: DiagnosisService; incident: Incident } {
  const f = incidentFixture('inc-plan', 6);
  return {
    incident: f.incident,
    svc: new DiagnosisService({
      incidents: { get: async (id) => (id === f.incident.id ? f.incident : null), list: async () => [f.incident] },
      alerts: { get: async (id) => f.alerts.get(id) ?? null },
      generator,
      planner: sources,
      ...extra,
    }),
  };
}


/** The runbook ids a oneOf schema lets the model name. */
function schemaIds(schema: object): string[] {
  return (schema as { oneOf: Array<{ properties: { runbookId: { const: string } } }> }).oneOf.map((b) => b.properties.runbookId.const);
}

test('the candidates are the fitting runbooks whose preconditions hold, and the grammar names only them', () => {
  const { incident } = service(null, null);
  const ok = planningInput(incident, null, planner(true));
  const ids = ok.candidates.map((c) => c.runbook.id);
  assert.ok(ids.includes('cpu-hog-renice') && ids.includes('cpu-hog-stop'), `CPU runbooks for a CPU incident: ${ids.join(', ')}`);
  for (const id of ids) assert.ok(lib.runbooks.has(id), `${id} exists in the library`);
  assert.ok(!ids.includes('fs-delete-old-files'));
  const renice = ok.candidates.find((c) => c.runbook.id === 'cpu-hog-renice')!;
  assert.deepEqual(renice.params, { pid: 4100, startMs: hog.startMs }, 'params from the top cause and the process table');
  assert.deepEqual(schemaIds(planStep.schema(ok)).sort(), [...ids, NO_RUNBOOK].sort());
  // What the incident fixes (which process) is not the model's to choose: only the rest is in the grammar.
  const branch = (planStep.schema(ok) as { oneOf: Array<{ properties: { runbookId: { const: string }; params?: { properties: Record<string, object> } } }> }).oneOf.find((b) => b.properties.runbookId.const === 'cpu-hog-renice')!;
  assert.deepEqual(Object.keys(branch.properties.params!.properties), ['nice']);
  assert.deepEqual(branch.properties.params!.properties['nice'], { enum: Array.from({ length: 20 }, (_, i) => i) });

  // The process is gone: the CPU runbooks' preconditions fail, so the grammar cannot name them, and why is kept.
  const gone = planningInput(incident, null, planner(false));
  for (const id of ['cpu-hog-renice', 'cpu-hog-stop']) {
    assert.ok(gone.excluded.some((e) => e.runbookId === id && /precondition not met: /.test(e.why)), JSON.stringify(gone.excluded));
    assert.ok(!schemaIds(planStep.schema(gone)).includes(id));
  }
  assert.deepEqual(schemaIds(planStep.schema(gone)).sort(), [...gone.candidates.map((c) => c.runbook.id), NO_RUNBOOK].sort());

  // A host the console does not know: nothing can run there.
  const unknown = planningInput(incident, null, planner(true, false));
  assert.deepEqual(unknown.candidates, []);
  assert.deepEqual(schemaIds(planStep.schema(unknown)), [NO_RUNBOOK]);
  assert.match(unknown.unavailable!, /no runbook's preconditions hold now.*knows no host host-db-01/);
  assert.ok(unknown.excluded.every((e) => /knows no host host-db-01/.test(e.why)));
});

test('with no model the rules plan the top proposal; with remediation off the plan says so', async () => {
  const { svc } = service(null, planner(true));
  const r = await svc.start('inc-plan').done;
  assert.equal(r.state, 'done');
  assert.equal(r.plan!.source, 'rules');
  assert.match(r.plan!.notes.join(' '), /no model is loaded: plan from the rule-based proposals/);
  const p = r.plan!.plan;
  assert.ok(p.runbookId !== null && r.plan!.candidates.includes(p.runbookId), JSON.stringify(p));
  assert.equal(p.hostId, HOST);
  assert.deepEqual(paramProblems(lib.runbooks.get(p.runbookId)!, p.params), []);

  const off = await service(null, null).svc.start('inc-plan').done;
  assert.equal(off.state, 'done', 'the diagnosis still comes');
  assert.equal(off.plan!.plan.runbookId, null);
  assert.equal(off.plan!.plan.reason, REMEDIATION_OFF);
  assert.deepEqual(off.plan!.candidates, []);
});

test('a runbook that is not a candidate is rejected and asked again; refused params are asked again, then dropped with why', async () => {
  const diag = JSON.stringify({ summary: 'Postgres burns CPU.', rootCause: 'postgres on db-01', confidence: 'high', evidence: [] });
  const good = JSON.stringify({ runbookId: 'cpu-hog-renice', hostId: HOST, params: { pid: 4100, startMs: hog.startMs, nice: 19 }, reason: 'lower its priority' });
  const invented = JSON.stringify({ runbookId: 'wipe-the-disk', hostId: HOST, params: {}, reason: 'why not' });
  const g1 = scriptedGenerator([diag, invented, good]);
  const r1 = await service(g1, planner(true)).svc.start('inc-plan').done;
  assert.equal(g1.calls.length, 3, 'diagnosis, plan, plan again');
  assert.equal(r1.plan!.source, 'model');
  assert.deepEqual(r1.plan!.plan, { runbookId: 'cpu-hog-renice', hostId: HOST, params: { pid: 4100, startMs: hog.startMs, nice: 19 }, missing: [], reason: 'lower its priority' });
  // The fixed params are filled in when the answer leaves them out (the grammar does not ask for them).
  const lean = JSON.stringify({ runbookId: 'cpu-hog-renice', params: { nice: 10 }, reason: 'lower it' });
  const r0 = await service(scriptedGenerator([diag, lean]), planner(true)).svc.start('inc-plan').done;
  assert.deepEqual(r0.plan!.plan.params, { pid: 4100, startMs: hog.startMs, nice: 10 });
  const hijack = JSON.stringify({ runbookId: 'cpu-hog-renice', params: { pid: 1, nice: 10 }, reason: 'another process' });
  const rh = await service(scriptedGenerator([diag, hijack, hijack]), planner(true)).svc.start('inc-plan').done;
  assert.match(rh.plan!.notes.join(' '), /param "pid" is 4100 in this incident, got 1/);
  assert.match(r1.plan!.notes[0]!, /plan: first answer rejected \(references to nothing in the incident: runbook:wipe-the-disk\); asked again/);

  const badParams = JSON.stringify({ runbookId: 'cpu-hog-renice', hostId: HOST, params: { pid: 4100, startMs: hog.startMs, nice: 40 }, reason: 'be nicer' });
  const g2 = scriptedGenerator([diag, badParams, badParams]);
  const r2 = await service(g2, planner(true)).svc.start('inc-plan').done;
  assert.equal(g2.calls.length, 3);
  assert.equal(r2.plan!.plan.runbookId, null, 'dropped');
  assert.match(r2.plan!.plan.reason, /dropped cpu-hog-renice: param "nice" must be at most 19, got 40/);
  assert.match(r2.plan!.notes.join('\n'), /first answer rejected .*asked again\n.*second answer kept without what was wrong/);
});

test('the tiny model in the worker writes a plan that parses, names a candidate (or none) and validates', async (t) => {
  const { host, dir } = await tinyModelHost(t, 7);
  const env = open({ path: path.join(dir, 'db') });
  t.after(() => env.close());
  const tokens: string[] = [];
  const { svc } = service(host, planner(true), { store: new LmdbDiagnosisStore(env) });
  svc.onEvent((e) => e.kind === 'token' && e.phase === 'plan' && tokens.push(e.text));
  const r = await svc.start('inc-plan').done;
  assert.equal(r.state, 'done');
  const plan = r.plan!;
  assert.equal(plan.source, 'model', plan.notes.join('; '));
  assert.ok(tokens.join('').length > 0, 'the plan streamed');
  // What streamed is the JSON the grammar allowed: it parses, and names a candidate or none.
  const last = JSON.parse(tokens.join('').split(/(?<=\})(?=\{)/).at(-1)!) as { runbookId: string };
  assert.ok([...plan.candidates, NO_RUNBOOK].includes(last.runbookId), last.runbookId);
  if (plan.plan.runbookId !== null) {
    assert.ok(plan.candidates.includes(plan.plan.runbookId));
    assert.deepEqual(paramProblems(lib.runbooks.get(plan.plan.runbookId)!, plan.plan.params), []);
  } else assert.ok(plan.plan.reason.length > 0);

  // Persisted: a new service on the same LMDB finds the record, plan included.
  await env.flushed;
  const again = service(null, planner(true), { store: new LmdbDiagnosisStore(env) }).svc;
  assert.deepEqual(again.get('inc-plan'), r);
});

test('the executor hands the plan to the engine: a dry run first, a live run only when asked; never runs anything itself', async () => {
  const calls: Array<{ op: string; req: { runbookId: string; hostId: string; actor: Actor; incidentId?: string } }> = [];
  const engine: PlanEngine = {
    dryRun: (req) => {
      calls.push({ op: 'dryRun', req });
      return { runbookId: req.runbookId, hostId: req.hostId } as DryRunView;
    },
    execute: (req) => {
      calls.push({ op: 'execute', req });
      return { run: { id: 'run-1', state: 'awaiting-approval' } as never };
    },
  };
  const { svc } = service(null, planner(true));
  const ex = new PlanExecutor(engine, (id) => svc.plan(id));
  assert.throws(() => ex.dryRun('inc-plan', 'ann'), (e: unknown) => e instanceof ExecutorError && e.code === 'NOT_FOUND' && /has no plan yet/.test(e.message));
  const r = await svc.start('inc-plan').done;
  const dry = ex.dryRun('inc-plan', 'ann');
  assert.deepEqual(calls.map((c) => c.op), ['dryRun'], 'a dry run only');
  assert.equal(dry.plan.runbookId, r.plan!.plan.runbookId);
  assert.deepEqual(calls[0]!.req.actor, { type: 'operator', name: 'ann' });
  assert.equal(calls[0]!.req.incidentId, 'inc-plan');
  ex.execute('inc-plan', 'ann');
  assert.deepEqual(calls.map((c) => c.op), ['dryRun', 'execute']);

  const off = new PlanExecutor(null, (id) => svc.plan(id));
  assert.throws(() => off.dryRun('inc-plan', 'ann'), /remediation is off/);
  const { svc: none } = service(null, planner(true, false));
  await none.start('inc-plan').done;
  assert.throws(() => new PlanExecutor(engine, (id) => none.plan(id)).dryRun('inc-plan', 'ann'), (e: unknown) => e instanceof ExecutorError && e.code === 'BAD_REQUEST' && /proposes no runbook/.test(e.message));
});
