import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert, AlertChangeEvent } from '@cerebro/shared/api/contract';
import { alertActionDone, alertActionFailed, alertActionStarted, alertSelected, alertWindowLoaded, alertsChanged, alertsLoaded, hostAlertsLoaded } from './alert-actions';
import { hostAlertList, isActive, pruneAlerts, sameTallies, tallyAll, tallyByHost, tallyRank } from './alerts';
import { initialState, type AppState } from './types';

function apply<P>(s: AppState, action: (s: AppState, p: P) => Partial<AppState>, p: P): AppState {
  return { ...s, ...action(s, p) };
}

function alert(id: string, o: Partial<Alert> = {}): Alert {
  return { id, hostId: 'h1', seriesKey: 'cpu.util_pct', severity: 'warning', state: 'open', startMs: 1000, peakScore: 0.6, lastScore: 0.6, evidence: { baseline: 5, points: [[1000, 80]] }, noise: false, ...o };
}

const change = (c: AlertChangeEvent['change'], a: Alert): AlertChangeEvent => ({ change: c, alert: a });

test('live changes replace in order: opened, updated, acked, resolved', () => {
  let s = apply(initialState(), alertsLoaded, []);
  assert.equal(s.alerts.load.status, 'ready');
  s = apply(s, alertsChanged, [change('opened', alert('a1'))]);
  s = apply(s, alertsChanged, [change('updated', alert('a1', { peakScore: 0.9, severity: 'critical' })), change('acked', alert('a1', { peakScore: 0.9, severity: 'critical', ackBy: 'sre', ackMs: 5 }))]);
  assert.equal(s.alerts.byId['a1']?.ackBy, 'sre');
  assert.equal(s.alerts.byId['a1']?.severity, 'critical');
  s = apply(s, alertsChanged, [change('resolved', alert('a1', { state: 'resolved', endMs: 9000, peakScore: 0.9, severity: 'critical', ackBy: 'sre', ackMs: 5 }))]);
  assert.equal(s.alerts.byId['a1']?.state, 'resolved');
  assert.deepEqual(apply(s, alertsChanged, []), s, 'an empty event changes nothing');
});

test('a query that answers after a newer live change does not take the alert back', () => {
  let s = apply(initialState(), alertsChanged, [change('resolved', alert('a1', { state: 'resolved', endMs: 9000, peakScore: 0.9, severity: 'critical', noise: true, ackBy: 'sre', ackMs: 5 }))]);
  // The query's snapshot was taken while the alert was still open, unacknowledged.
  s = apply(s, alertsLoaded, [alert('a1', { lastScore: 0.7, snoozedUntilMs: 50 })]);
  const a = s.alerts.byId['a1'] as Alert;
  assert.deepEqual([a.state, a.endMs, a.peakScore, a.severity, a.noise, a.ackBy, a.snoozedUntilMs, a.lastScore], ['resolved', 9000, 0.9, 'critical', true, 'sre', 50, 0.7]);
  // And a newer query result moves the alert forward.
  s = apply(s, alertsLoaded, [alert('a2')]);
  s = apply(s, alertsLoaded, [alert('a2', { state: 'resolved', endMs: 3000 })]);
  assert.equal(s.alerts.byId['a2']?.state, 'resolved');
});

test('the noise mark follows the copy whose mark changed last: a stale query neither takes it back nor restores it', () => {
  // Marked live at 100, then a query whose snapshot predates the mark.
  let s = apply(initialState(), alertsChanged, [change('noise', alert('a1', { noise: true, noiseMs: 100 }))]);
  s = apply(s, alertsLoaded, [alert('a1', { lastScore: 0.7 })]);
  assert.deepEqual([s.alerts.byId['a1']?.noise, s.alerts.byId['a1']?.noiseMs, s.alerts.byId['a1']?.lastScore], [true, 100, 0.7]);
  // Taken back live at 200, then a query from between the two.
  s = apply(s, alertsChanged, [change('noise', alert('a1', { noise: false, noiseMs: 200 }))]);
  s = apply(s, alertsLoaded, [alert('a1', { noise: true, noiseMs: 100 })]);
  assert.deepEqual([s.alerts.byId['a1']?.noise, s.alerts.byId['a1']?.noiseMs], [false, 200]);
  // A newer query moves it on (marked again at 300).
  s = apply(s, alertsLoaded, [alert('a1', { noise: true, noiseMs: 300 })]);
  assert.equal(s.alerts.byId['a1']?.noise, true);
});

test('host queries add the host learning series; the selected alert owns the chart window', () => {
  let s: AppState = apply(initialState(), hostAlertsLoaded, { hostId: 'h1', view: { alerts: [alert('a1')], series: 12, learning: ['disk.x'], learningLeft: { 'disk.x': 17 }, warmupSamples: 300, strong: ['cpu.util_pct'] } });
  assert.deepEqual(s.alerts.learning['h1'], { series: 12, left: { 'disk.x': 17 }, warmupSamples: 300, strong: ['cpu.util_pct'] });
  assert.ok(s.alerts.byId['a1']);
  s = apply(s, alertSelected, 'a1');
  s = apply(s, alertWindowLoaded, { alertId: 'a1', key: 'cpu.util_pct', data: { kind: 'raw', t: [1, 2], v: [3, 4] } });
  assert.deepEqual([s.alerts.window?.alertId, s.alerts.window?.line.v], ['a1', [3, 4]]);
  assert.deepEqual(alertSelected(s, 'a1'), {}, 'selecting the same alert again changes nothing');
  s = apply(s, alertSelected, 'a2');
  assert.equal(s.alerts.window, null, 'selecting another alert clears the old window');
});

test('operator actions: pending while in flight, the answer merged, a failure reported', () => {
  let s = apply(initialState(), alertsLoaded, [alert('a1')]);
  s = apply(s, alertActionStarted, 'a1');
  assert.equal(s.alerts.pending['a1'], true);
  s = apply(s, alertActionDone, alert('a1', { ackBy: 'operator', ackMs: 7 }));
  assert.equal(s.alerts.pending['a1'], undefined);
  assert.equal(s.alerts.byId['a1']?.ackBy, 'operator');
  s = apply(s, alertActionStarted, 'a1');
  s = apply(s, alertActionFailed, { id: 'a1', message: 'no alert with id a1' });
  assert.deepEqual([s.alerts.pending['a1'], s.alerts.actionError], [undefined, 'no alert with id a1']);
  assert.equal(apply(s, alertActionStarted, 'a1').alerts.actionError, null, 'a new action clears the old error');
});

test('badges count active alerts per host with the worst severity; snoozed and noise ones do not count', () => {
  const byId: Record<string, Alert> = {
    a: alert('a'),
    b: alert('b', { severity: 'critical' }),
    c: alert('c', { hostId: 'h2' }),
    d: alert('d', { hostId: 'h2', snoozedUntilMs: 10_000 }),
    e: alert('e', { hostId: 'h3', noise: true }),
    f: alert('f', { hostId: 'h3', state: 'resolved', endMs: 2000 }),
  };
  assert.deepEqual(tallyByHost(byId, 5_000), { h1: { count: 2, worst: 'critical' }, h2: { count: 1, worst: 'warning' } });
  assert.deepEqual(tallyByHost(byId, 20_000)['h2'], { count: 2, worst: 'warning' }, 'a snooze that ran out counts again');
  assert.deepEqual(tallyAll(byId, 5_000), { count: 3, worst: 'critical' });
  assert.ok(!isActive(byId['e'] as Alert, 0));
  assert.ok(tallyRank({ count: 1, worst: 'critical' }) > tallyRank({ count: 9, worst: 'warning' }));
  assert.equal(tallyRank(undefined), 0);
  assert.ok(sameTallies(tallyByHost(byId, 5_000), tallyByHost({ ...byId, a: alert('a', { lastScore: 0.1 }) }, 5_000)), 'a score change keeps the tallies');
  assert.ok(!sameTallies(tallyByHost(byId, 5_000), tallyByHost(byId, 20_000)));
});

test('a host list shows open alerts first, newest first, then the latest closed ones', () => {
  const byId: Record<string, Alert> = {
    o1: alert('o1', { startMs: 100 }),
    o2: alert('o2', { startMs: 300 }),
    c1: alert('c1', { startMs: 50, state: 'resolved', endMs: 400 }),
    c2: alert('c2', { startMs: 60, state: 'resolved', endMs: 500 }),
    x: alert('x', { hostId: 'h2' }),
  };
  assert.deepEqual(hostAlertList(byId, 'h1').map((a) => a.id), ['o2', 'o1', 'c2', 'c1']);
  assert.deepEqual(hostAlertList(byId, 'h1', 1).map((a) => a.id), ['o2', 'o1', 'c2']);
});

test('beyond the cap the oldest closed alerts are forgotten, never open ones', () => {
  const byId: Record<string, Alert> = {};
  for (let i = 0; i < 6; i++) byId[`c${i}`] = alert(`c${i}`, { state: 'resolved', endMs: i });
  byId['open'] = alert('open');
  const kept = Object.keys(pruneAlerts(byId, 4)).sort();
  assert.deepEqual(kept, ['c3', 'c4', 'c5', 'open']);
  assert.equal(pruneAlerts(byId, 10), byId, 'under the cap: the same object');
});
