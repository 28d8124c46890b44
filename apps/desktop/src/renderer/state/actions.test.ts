import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FleetView, Host } from '@cerebro/shared/api/contract';
import { chartsLoaded, chartsZoomed, fleetLoaded, fleetSortChanged, hostUpdated, rangeChanged, routeChanged, samplesArrived, zoomReset } from './actions';
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
  assert.deepEqual(chartsLoaded(s, { hostId: 'h2', range: '15m', zoom: null, toMs: 1_000, data }), {});
  assert.deepEqual(chartsLoaded(s, { hostId: 'h1', range: '1h', zoom: null, toMs: 1_000, data }), {});
  s = apply(s, chartsLoaded, { hostId: 'h1', range: '15m', zoom: null, toMs: 1_000, data });
  s = apply(s, samplesArrived, { hostId: 'h1', ts: 2_000, keys: ['cpu.util_pct', 'other'], values: [20, 1] });
  assert.deepEqual(s.hostView.charts['cpu.util_pct']?.v, [10, 20]);
  assert.equal(s.hostView.toMs, 2_000);
  s = apply(s, rangeChanged, '6h');
  assert.equal(s.hostView.chartsLoad.status, 'loading');
  assert.deepEqual(s.hostView.charts, {});
});

test('a brushed window fixes every chart to it until reset; only its own answer is taken', () => {
  let s = apply(initialState(), routeChanged, { name: 'host', hostId: 'h1' });
  const live = { 'cpu.util_pct': { kind: 'buckets' as const, bucketMs: 30_000, t: [0, 30_000], min: [1, 2], max: [1, 2], avg: [1, 2], last: [1, 2], n: [30, 30] } };
  s = apply(s, chartsLoaded, { hostId: 'h1', range: '15m', zoom: null, toMs: 60_000, data: live });
  const zoom = { fromMs: 10_000, toMs: 40_000, points: 700 };
  s = apply(s, chartsZoomed, zoom);
  assert.deepEqual(s.hostView.zoom, zoom);
  assert.equal(s.hostView.chartsLoad.status, 'ready', 'the overview stays drawn while the finer query runs');
  assert.equal(s.hostView.charts['cpu.util_pct']?.bucketMs, 30_000);
  // The live overview's late answer is not the window's.
  assert.deepEqual(chartsLoaded(s, { hostId: 'h1', range: '15m', zoom: null, toMs: 61_000, data: live }), {});
  assert.deepEqual(chartsLoaded(s, { hostId: 'h1', range: '15m', zoom: { ...zoom, toMs: 41_000 }, toMs: 41_000, data: live }), {});
  const fine = { 'cpu.util_pct': { kind: 'raw' as const, t: [10_000, 11_000, 12_000], v: [5, 6, 7] } };
  s = apply(s, chartsLoaded, { hostId: 'h1', range: '15m', zoom: { ...zoom }, toMs: zoom.toMs, data: fine });
  assert.deepEqual(s.hostView.charts['cpu.util_pct']?.v, [5, 6, 7]);
  assert.equal(s.hostView.toMs, 40_000);
  // Zoomed charts are not live: samples neither extend nor slide them.
  assert.deepEqual(samplesArrived(s, { hostId: 'h1', ts: 70_000, keys: ['cpu.util_pct'], values: [9] }), {});
  s = apply(s, zoomReset, undefined);
  assert.equal(s.hostView.zoom, null);
  assert.equal(s.hostView.chartsLoad.status, 'loading', 'the live range is queried again');
  assert.deepEqual(zoomReset(s, undefined), {}, 'resetting when not zoomed changes nothing');
});

test('picking a range leaves the zoom; an empty window or no host does not zoom', () => {
  assert.deepEqual(chartsZoomed(initialState(), { fromMs: 0, toMs: 10_000, points: 500 }), {});
  let s = apply(initialState(), routeChanged, { name: 'host', hostId: 'h1' });
  assert.deepEqual(chartsZoomed(s, { fromMs: 10_000, toMs: 10_000, points: 500 }), {});
  s = apply(s, chartsZoomed, { fromMs: 0, toMs: 10_000, points: 500 });
  s = apply(s, rangeChanged, '1h');
  assert.equal(s.hostView.zoom, null);
  assert.equal(s.hostView.range, '1h');
});
