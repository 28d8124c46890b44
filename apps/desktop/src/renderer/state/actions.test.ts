import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FleetView, Host } from '@cerebro/shared/api/contract';
import { chartsLoaded, fleetLoaded, fleetSortChanged, hostUpdated, rangeChanged, routeChanged, samplesArrived } from './actions';
import { initialState, type AppState } from './types';

function apply<P>(s: AppState, action: (s: AppState, p: P) => Partial<AppState>, p: P): AppState {
  return { ...s, ...action(s, p) };
}

const host = { id: 'h1', hostname: 'web-1', status: 'live', connected: true, lastSeenMs: 5, firstSeenMs: 1, lastSeq: 1, agent: { name: 'c', version: '1' }, notices: [], sourceErrors: [], seriesCount: 3, address: '' } as Host;

test('a pushed host updates the fleet row status at once, leaving its figures', () => {
  const fleet: FleetView = { t0: 0, stepMs: 10_000, steps: 60, hosts: [{ id: 'h1', hostname: 'web-1', status: 'live', connected: true, lastSeenMs: 1, cpuPct: 12, memPct: 1, diskPct: 2, netBps: 3, history: { cpu: [], mem: [], disk: [], net: [] } }] };
  let s = apply(initialState(), fleetLoaded, fleet);
  s = apply(s, hostUpdated, { ...host, status: 'lost', connected: false });
  assert.equal(s.fleet?.hosts[0]?.status, 'lost');
  assert.equal(s.fleet?.hosts[0]?.cpuPct, 12);
  assert.equal(s.hosts['h1']?.status, 'lost');
});

test('sorting the same column flips direction; a new figure column starts descending', () => {
  let s = initialState();
  s = apply(s, fleetSortChanged, 'hostname');
  assert.deepEqual(s.fleetSort, { key: 'hostname', dir: 'desc' });
  s = apply(s, fleetSortChanged, 'cpu');
  assert.deepEqual(s.fleetSort, { key: 'cpu', dir: 'desc' });
});

test('charts of another host or range are dropped; live samples slide the window', () => {
  let s = apply(initialState(), routeChanged, { name: 'host', hostId: 'h1' });
  const data = { 'cpu.util_pct': { kind: 'raw' as const, t: [1_000], v: [10] } };
  assert.deepEqual(chartsLoaded(s, { hostId: 'h2', range: '15m', toMs: 1_000, data }), {});
  assert.deepEqual(chartsLoaded(s, { hostId: 'h1', range: '1h', toMs: 1_000, data }), {});
  s = apply(s, chartsLoaded, { hostId: 'h1', range: '15m', toMs: 1_000, data });
  s = apply(s, samplesArrived, { hostId: 'h1', ts: 2_000, keys: ['cpu.util_pct', 'other'], values: [20, 1] });
  assert.deepEqual(s.hostView.charts['cpu.util_pct']?.v, [10, 20]);
  assert.equal(s.hostView.toMs, 2_000);
  s = apply(s, rangeChanged, '6h');
  assert.equal(s.hostView.chartsLoad.status, 'loading');
  assert.deepEqual(s.hostView.charts, {});
});
