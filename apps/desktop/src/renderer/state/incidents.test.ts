import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Incident, IncidentCause, IncidentChangeEvent, ResourceForecast } from '@cerebro/shared/api/contract';
import { forecastsFailed, forecastsLoaded, incidentsChanged, incidentsFailed, incidentsLoaded } from './incident-actions';
import { causeLabel, forecastAtRisk, forecastsAtRisk, incidentList, incidentTitle, openIncidents, pruneIncidents } from './incidents';
import { initialState, type AppState } from './types';

function apply<P>(s: AppState, action: (s: AppState, p: P) => Partial<AppState>, p: P): AppState {
  return { ...s, ...action(s, p) };
}

function incident(id: string, o: Partial<Incident> = {}): Incident {
  return {
    id,
    state: 'open',
    severity: 'warning',
    title: 'cpu.util_pct on web-1',
    openedMs: 1000,
    updatedMs: 1000,
    alerts: [{ id: `${id}-a1`, hostId: 'h1', seriesKey: 'cpu.util_pct', kind: 'metric', severity: 'warning', state: 'open', startMs: 1000 }],
    suppressed: { count: 0, alertIds: [] },
    hostIds: ['h1'],
    services: [],
    causes: [],
    causesMs: 0,
    subgraph: { nodes: ['host:h1'], edges: [] },
    ...o,
  };
}

const cause = (o: Partial<IncidentCause> = {}): IncidentCause => ({ kind: 'process', hostId: 'h1', host: 'web-1', name: 'burn', pid: 42, node: 'proc:h1:42', score: 0.7, explanation: 'process burn rose', evidence: [], ...o });
const change = (c: IncidentChangeEvent['change'], i: Incident): IncidentChangeEvent => ({ change: c, incident: i });

test('the initial load, then live changes: opened, updated with causes, resolved', () => {
  let s = apply(initialState(), incidentsLoaded, [incident('i1')]);
  assert.equal(s.incidents.load.status, 'ready');
  assert.deepEqual(Object.keys(s.incidents.byId), ['i1']);
  s = apply(s, incidentsChanged, [change('opened', incident('i2', { openedMs: 2000, updatedMs: 2000 }))]);
  s = apply(s, incidentsChanged, [change('updated', incident('i2', { openedMs: 2000, updatedMs: 2500, causes: [cause()], causesMs: 2500 }))]);
  assert.equal(s.incidents.byId['i2']?.causes[0]?.name, 'burn');
  assert.equal(incidentTitle(s.incidents.byId['i2'] as Incident), 'process burn (pid 42) on web-1');
  assert.equal(openIncidents(s.incidents.byId).count, 2);
  s = apply(s, incidentsChanged, [change('resolved', incident('i1', { state: 'resolved', updatedMs: 3000, resolvedMs: 3000 }))]);
  assert.equal(s.incidents.byId['i1']?.state, 'resolved');
  assert.deepEqual(openIncidents(s.incidents.byId), { count: 1, worst: 'warning' });
  assert.deepEqual(apply(s, incidentsChanged, []), s, 'an empty event changes nothing');
  // A failed re-load keeps the incidents and says why.
  s = apply(s, incidentsFailed, 'console gone');
  assert.deepEqual(s.incidents.load, { status: 'error', message: 'console gone' });
  assert.equal(Object.keys(s.incidents.byId).length, 2);
});

test('a query answering after a newer live change does not take the incident back', () => {
  let s = apply(initialState(), incidentsChanged, [change('resolved', incident('i1', { state: 'resolved', updatedMs: 5000, resolvedMs: 5000 }))]);
  // Snapshot from before it resolved (even one updated later by a skewed clock must not reopen it).
  s = apply(s, incidentsLoaded, [incident('i1', { updatedMs: 6000 })]);
  assert.equal(s.incidents.byId['i1']?.state, 'resolved');
  s = apply(s, incidentsChanged, [change('updated', incident('i2', { updatedMs: 4000, causes: [cause()] }))]);
  s = apply(s, incidentsLoaded, [incident('i2', { updatedMs: 3000 })]);
  assert.equal(s.incidents.byId['i2']?.causes.length, 1, 'the older snapshot lost');
  s = apply(s, incidentsLoaded, [incident('i2', { updatedMs: 4500, severity: 'critical' })]);
  assert.equal(s.incidents.byId['i2']?.severity, 'critical', 'a newer snapshot wins');
});

test('the list: open first (critical, then newest), then resolved (latest resolved first)', () => {
  const byId = Object.fromEntries(
    [
      incident('old-open', { openedMs: 100 }),
      incident('new-open', { openedMs: 900 }),
      incident('crit-open', { openedMs: 50, severity: 'critical' }),
      incident('res-early', { state: 'resolved', openedMs: 10, resolvedMs: 200 }),
      incident('res-late', { state: 'resolved', openedMs: 5, resolvedMs: 800 }),
    ].map((i) => [i.id, i]),
  );
  assert.deepEqual(
    incidentList(byId).map((i) => i.id),
    ['crit-open', 'new-open', 'old-open', 'res-late', 'res-early'],
  );
  assert.deepEqual(openIncidents(byId), { count: 3, worst: 'critical' });
  assert.deepEqual(openIncidents({}), { count: 0, worst: null });
});

test('titles come from the top cause, else the console title', () => {
  assert.equal(incidentTitle(incident('i')), 'cpu.util_pct on web-1');
  assert.equal(causeLabel(cause({ kind: 'host', name: 'web-1', pid: undefined })), 'host web-1');
  assert.equal(causeLabel(cause({ kind: 'resource', name: 'filesystem /data', pid: undefined })), 'filesystem /data on web-1');
  assert.equal(causeLabel(cause({ kind: 'service', name: 'nginx', pid: undefined })), 'service nginx on web-1');
});

test('pruning forgets the oldest resolved incidents only', () => {
  const byId = Object.fromEntries(
    [incident('o1'), incident('o2'), incident('r1', { state: 'resolved', resolvedMs: 10 }), incident('r2', { state: 'resolved', resolvedMs: 20 })].map((i) => [i.id, i]),
  );
  assert.deepEqual(Object.keys(pruneIncidents(byId, 3)).sort(), ['o1', 'o2', 'r2']);
  assert.deepEqual(Object.keys(pruneIncidents(byId, 1)).sort(), ['o1', 'o2'], 'open ones stay beyond the cap');
  assert.equal(pruneIncidents(byId, 10), byId);
});

function forecast(o: Partial<ResourceForecast>): ResourceForecast {
  return { hostId: 'h1', resource: 'filesystem', name: '/', seriesKey: 'fs.used_bytes{mount=/}', atMs: 0, used: 50, capacity: 100, slopePerSec: 1, etaMs: 3_600_000, etaLowerBoundMs: 1_800_000, confident: true, horizonMs: 86_400_000, alertId: null, ...o };
}

test('forecasts: a fleet load replaces all, a host load only that host; badges when the lower bound is within the horizon', () => {
  let s = apply(initialState(), forecastsLoaded, {
    view: { forecasts: [forecast({ hostId: 'h1', resource: 'swap', name: 'swap' }), forecast({ hostId: 'h1' }), forecast({ hostId: 'h2', etaMs: null, etaLowerBoundMs: null })], evaluatedMs: 10, everyMs: 60_000 },
  });
  assert.deepEqual(s.forecasts.byHost['h1']?.map((f) => f.resource), ['filesystem', 'swap'], 'stable order per host');
  assert.equal(s.forecasts.everyMs, 60_000);
  s = apply(s, forecastsLoaded, { hostId: 'h2', view: { forecasts: [], evaluatedMs: 20, everyMs: 60_000 } });
  assert.equal(s.forecasts.byHost['h2'], undefined, 'h2 has none any more');
  assert.equal(s.forecasts.byHost['h1']?.length, 2, 'h1 untouched by a query of h2');
  s = apply(s, forecastsFailed, 'x');
  assert.equal(s.forecasts.load.status, 'error');
  assert.equal(s.forecasts.byHost['h1']?.length, 2);

  assert.equal(forecastAtRisk(forecast({})), true);
  assert.equal(forecastAtRisk(forecast({ etaLowerBoundMs: 90_000_000 })), false, 'beyond the horizon');
  assert.equal(forecastAtRisk(forecast({ etaMs: null, etaLowerBoundMs: null })), false, 'not filling');
  const risk = forecastsAtRisk({ h1: [forecast({ name: '/a', etaLowerBoundMs: 5000 }), forecast({ name: '/b', etaLowerBoundMs: 1000 }), forecast({ name: '/c', etaLowerBoundMs: null })], h2: [forecast({ etaLowerBoundMs: null })] });
  assert.deepEqual(Object.keys(risk), ['h1']);
  assert.deepEqual(risk['h1']?.map((f) => f.name), ['/b', '/a'], 'soonest first');
});
