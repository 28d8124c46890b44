import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST_LOST_KEY, type ActionRun, type Alert } from '@cerebro/shared/api/contract';
import { Correlator, type CorrelationContext } from './correlator';
import { ExpectedEffects } from './expected-effects';

const T0 = Date.UTC(2026, 0, 1, 10);
let n = 0;
function alert(seriesKey: string, startMs: number, extra: Partial<Alert> = {}): Alert {
  return { id: `a${++n}`, hostId: 'h1', seriesKey, severity: 'warning', state: 'open', startMs, peakScore: 0.6, lastScore: 0.6, evidence: { baseline: 1, points: [[startMs, 9]] }, noise: false, ...extra };
}
const supervisorLine = (msg: string, startMs: number): Alert =>
  alert('log.new{template=5f00}', startMs, { evidence: { baseline: 0, points: [[startMs, 1]], log: { kind: 'new', templateId: '5f00', text: msg, level: 'info', samples: [{ ts: startMs, src: 'file:/var/log/supervisor/supervisord.log', msg, unit: 'supervisord', pid: 99 }] } } });

function run(state: ActionRun['state'], params: Record<string, unknown>, updatedMs: number, extra: Partial<ActionRun> = {}): ActionRun {
  return { id: 'run-1', runbookId: 'restart-service', hostId: 'h1', params, actor: { type: 'policy', name: 'autonomous' }, state, steps: [], rollback: [], createdMs: T0, updatedMs, summary: state, incidentId: 'inc-x', ...extra };
}

function step(status: string): ActionRun['steps'][number] {
  return { id: 'restart', action: 'restart-service', params: { service: 'payments' }, status, message: status, startedMs: T0, endedMs: T0 + 1_000 };
}

test('a run that ended without any command reaching the host expects nothing: a real exit after it is not hidden', () => {
  for (const status of ['NOT_CONNECTED', 'refused']) {
    const fx = new ExpectedEffects();
    fx.observeRun(run('running', { service: 'payments' }, T0), () => undefined);
    assert.notEqual(fx.explain(alert('event.proc_exit{name=payments,pid=4242}', T0 + 500)), null, 'in flight: expected');
    fx.observeRun(run('failed', { service: 'payments' }, T0 + 1_000, { steps: [step(status)] }), () => undefined);
    assert.equal(fx.explain(alert('event.proc_exit{name=payments,pid=4242}', T0 + 2_000)), null, `${status}: the service's exit is its own`);
    assert.equal(fx.explain(supervisorLine('WARN exited: payments (terminated by SIGKILL; not expected)', T0 + 2_000)), null);
  }
  // A step that ran and failed did act (it may have stopped the service): its effects stay expected.
  const fx = new ExpectedEffects();
  fx.observeRun(run('running', { service: 'payments' }, T0), () => undefined);
  fx.observeRun(run('failed', { service: 'payments' }, T0 + 1_000, { steps: [step('ok'), step('failed')] }), () => undefined);
  assert.notEqual(fx.explain(alert('event.proc_exit{name=payments,pid=4242}', T0 + 2_000)), null);
});

test('a run that restarts a service: its exit and its supervisor\'s lines about it are expected, nothing else is', () => {
  const fx = new ExpectedEffects({ graceMs: 60_000 });
  const procs = new Map([[4242, 'payments']]);
  fx.observeRun(run('running', { service: 'payments' }, T0), (_h, pid) => procs.get(pid));
  assert.match(fx.explain(alert('event.proc_exit{name=payments,pid=4242}', T0 + 1_000))?.reason ?? '', /event\.proc_exit of payments, which run run-1 \(restart-service\) acted on/);
  assert.equal(fx.explain(supervisorLine('WARN stopped: payments (terminated by SIGTERM)', T0 + 1_500))?.incidentId, 'inc-x');
  // The same line whose writer the collector could not name: still the supervisor's, by its format; a line
  // in no supervisor's format with no writer is not.
  const noWriter = (x: Alert): Alert => ({ ...x, evidence: { ...x.evidence, log: { ...x.evidence.log!, samples: x.evidence.log!.samples.map(({ unit: _u, pid: _p, ...rest }) => rest) } } });
  assert.notEqual(fx.explain(noWriter(supervisorLine('2026-11-26 08:18:55,953 WARN stopped: payments (terminated by SIGTERM)', T0 + 1_500))), null);
  assert.equal(fx.explain(noWriter(supervisorLine('ERROR payments: cannot open its database', T0 + 1_500))), null);
  // Not expected: another process's exit, another process named in the supervisor's log, a word inside a
  // longer name, the service's own lines, a rising metric, an alert before the run, another host.
  assert.equal(fx.explain(alert('event.proc_exit{name=ledger,pid=77}', T0 + 1_000)), null);
  assert.equal(fx.explain(supervisorLine('WARN exited: ledger (exit status 1; not expected)', T0 + 1_500)), null);
  assert.equal(fx.explain(supervisorLine('INFO spawned: payments-worker with pid 5', T0 + 1_500)), null);
  const own = supervisorLine('ERROR payments cannot open its database', T0 + 2_000);
  assert.equal(fx.explain({ ...own, evidence: { ...own.evidence, log: { ...own.evidence.log!, samples: own.evidence.log!.samples.map((s) => ({ ...s, unit: 'payments' })) } } }), null);
  assert.equal(fx.explain(alert('cpu.util_pct', T0 + 1_000)), null);
  assert.equal(fx.explain(alert('event.restart_loop{name=payments}', T0 + 3_000)), null, 'a restart loop after a restart: the remedy did not hold');
  assert.equal(fx.explain(alert('event.proc_exit{name=payments,pid=4000}', T0 - 5_000)), null);
  assert.equal(fx.explain({ ...alert('event.proc_exit{name=payments,pid=4242}', T0 + 1_000), hostId: 'h2' }), null);
  // The run ends; its effects may come until the grace is over, not after.
  fx.observeRun(run('succeeded', { service: 'payments' }, T0 + 10_000, { steps: [step('ok')] }), () => undefined);
  assert.notEqual(fx.explain(supervisorLine('INFO stopped: payments (exit status 0)', T0 + 69_000)), null);
  assert.equal(fx.explain(supervisorLine('INFO stopped: payments (exit status 0)', T0 + 71_000)), null);
});

test('a run that signals a pid expects that process\'s exit by name; a cleanup expects its filesystem to fall, not rise', () => {
  const fx = new ExpectedEffects();
  fx.observeRun(run('running', { pid: 4242, startMs: 1, signal: 'SIGTERM' }, T0, { id: 'run-2', runbookId: 'cpu-hog-stop' }), (_h, pid) => (pid === 4242 ? 'burn' : undefined));
  assert.equal(fx.explain(alert('event.proc_exit{name=burn,pid=4242}', T0 + 500))?.runId, 'run-2');
  fx.observeRun(run('running', { mount: '/data', dir: '/data/backups' }, T0, { id: 'run-3', runbookId: 'fs-delete-old-files' }), () => undefined);
  const falling = alert('fs.used_pct{mount=/data}', T0 + 3_000, { evidence: { baseline: 93, points: [[T0 + 3_000, 40]] } });
  assert.equal(fx.explain(falling)?.runId, 'run-3');
  assert.equal(fx.explain(alert('fs.used_pct{mount=/data}', T0 + 3_000, { evidence: { baseline: 40, points: [[T0 + 3_000, 95]] } })), null, 'still filling: not the remedy');
  assert.equal(fx.explain({ ...falling, seriesKey: 'fs.used_pct{mount=/}' }), null);
  // Runs that sent nothing set nothing off.
  const quiet = new ExpectedEffects();
  quiet.observeRun(run('refused', { service: 'payments' }, T0), () => undefined);
  quiet.observeRun(run('awaiting-approval', { service: 'payments' }, T0, { id: 'run-4' }), () => undefined);
  assert.equal(quiet.explain(alert('event.proc_exit{name=payments,pid=1}', T0 + 1_000)), null);
});

test('the correlator folds a run\'s expected effects into its incident and lets them open none', () => {
  const fx = new ExpectedEffects();
  const ctx: CorrelationContext = { hostDistance: (a, b) => (a === b ? 0 : Infinity), hostName: (id) => id, expectedEffect: (a) => fx.explain(a) };
  const c = new Correlator(ctx, { windowMs: 5 * 60_000, quietMs: 2 * 60_000 });
  const fault = alert('event.proc_exit{name=payments,pid=10}', T0 - 20_000);
  const [opened] = c.alertChanged('opened', fault, T0 - 20_000);
  const incId = opened!.incident.id;
  fx.observeRun(run('running', { service: 'payments' }, T0, { incidentId: incId }), () => undefined);
  const stopLine = { ...supervisorLine('WARN stopped: payments (terminated by SIGTERM)', T0 + 1_000), severity: 'critical' as const };
  const [folded] = c.alertChanged('opened', stopLine, T0 + 1_000);
  assert.equal(folded?.incident.id, incId);
  assert.deepEqual(folded?.incident.alerts.map((r) => r.id), [fault.id], 'not listed: it does not hold the incident open');
  assert.deepEqual(folded?.incident.suppressed.alertIds, [stopLine.id]);
  assert.equal(folded?.incident.severity, 'warning', 'the remedy working does not raise the severity');
  // The fault clears: the incident goes quiet although the supervisor's new-template alert stays open.
  const [quiet] = c.alertChanged('resolved', { ...fault, state: 'resolved', endMs: T0 + 5_000 }, T0 + 5_000);
  assert.equal(quiet?.incident.quietSinceMs, T0 + 5_000);
  const resolved = c.tick(T0 + 5_000 + 2 * 60_000);
  assert.equal(resolved[0]?.change, 'resolved');
  // With its incident resolved, another effect of the run opens nothing; an unrelated alert still does.
  const late = supervisorLine('INFO spawned: payments with pid 11', T0 + 6_000);
  assert.deepEqual(c.alertChanged('opened', late, T0 + 130_000), []);
  assert.equal(c.alertChanged('opened', alert('fs.used_pct{mount=/}', T0 + 130_000), T0 + 130_000)[0]?.change, 'opened');
  // Once the run is forgotten (more runs than maxRuns since), an update of that effect is still not new trouble.
  for (let i = 0; i < fx.options.maxRuns; i++) fx.observeRun(run('running', { service: `other-${i}` }, T0, { id: `run-x${i}` }), () => undefined);
  assert.equal(fx.explain(late), null, 'the run is forgotten');
  assert.deepEqual(c.alertChanged('updated', { ...late, lastScore: 0.9 }, T0 + 200_000), []);
});

test("a folded expected effect that is refreshed (its score rises) leaves its incident's severity alone; another folded alert's refresh raises it", () => {
  const fx = new ExpectedEffects();
  const ctx: CorrelationContext = { hostDistance: (a, b) => (a === b ? 0 : Infinity), hostName: (id) => id, expectedEffect: (a) => fx.explain(a) };
  const c = new Correlator(ctx, { windowMs: 5 * 60_000, quietMs: 2 * 60_000 });
  const fault = alert('event.proc_exit{name=payments,pid=10}', T0 - 20_000);
  const incId = c.alertChanged('opened', fault, T0 - 20_000)[0]!.incident.id;
  fx.observeRun(run('running', { service: 'payments' }, T0, { incidentId: incId }), () => undefined);
  const stopLine = supervisorLine('WARN stopped: payments (terminated by SIGTERM)', T0 + 1_000);
  assert.deepEqual(c.alertChanged('opened', stopLine, T0 + 1_000)[0]?.incident.suppressed.alertIds, [stopLine.id]);
  // The alert store's refresh of the same alert: its peak crossed the critical score.
  assert.deepEqual(c.alertChanged('updated', { ...stopLine, severity: 'critical', peakScore: 0.95, lastScore: 0.95 }, T0 + 2_000), []);
  const inc = c.get(incId)!;
  assert.equal(inc.severity, 'warning');
  assert.deepEqual(inc.suppressed, { count: 1, alertIds: [stopLine.id] }, 'refreshed, not counted again');
  assert.equal(inc.updatedMs, T0 + 1_000, 'nothing changed, nothing stored');

  // The control, on the same path (a folded alert refreshed): an alert folded behind a lost host is not
  // the remedy working, and its rise to critical raises its incident.
  const lostHost = c.alertChanged('opened', { ...alert(HOST_LOST_KEY, T0 + 3_000), hostId: 'h2' }, T0 + 3_000)[0]!.incident;
  const behind = { ...alert('cpu.util_pct', T0 + 4_000), hostId: 'h2' };
  assert.deepEqual(c.alertChanged('opened', behind, T0 + 4_000)[0]?.incident.suppressed.alertIds, [behind.id]);
  const [raised] = c.alertChanged('updated', { ...behind, severity: 'critical' }, T0 + 5_000);
  assert.equal(raised?.incident.id, lostHost.id);
  assert.equal(raised?.incident.severity, 'critical');
});

test('the time a run on an incident was verified is kept for the correlator; a failed run leaves none', () => {
  const fx = new ExpectedEffects();
  assert.equal(fx.remediatedMs('inc-x'), null);
  fx.observeRun(run('running', { service: 'payments' }, T0), () => undefined);
  fx.observeRun(run('failed', { service: 'payments' }, T0 + 5_000, { steps: [step('failed')] }), () => undefined);
  assert.equal(fx.remediatedMs('inc-x'), null);
  fx.observeRun(run('succeeded', { service: 'payments' }, T0 + 9_000, { id: 'run-9', steps: [step('ok')], verification: { ok: true, checks: [], atMs: T0 + 8_500 } }), () => undefined);
  assert.equal(fx.remediatedMs('inc-x'), T0 + 8_500);
});
