import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FleetHost, HostStatus } from '@cerebro/shared/api/contract';
import { alertingCount, filterFleet, sortFleet, statusCounts } from './fleet-rows';
import { visibleRange } from './use-window';

function host(hostname: string, status: HostStatus, cpuPct: number | null, netBps: number | null = null): FleetHost {
  const none: (number | null)[] = [];
  return { id: `id-${hostname}`, hostname, status, connected: status === 'live', lastSeenMs: 0, cpuPct, memPct: null, diskPct: null, netBps, history: { cpu: none, mem: none, disk: none, net: none } };
}

const rows = [host('web-2', 'live', 40), host('db-1', 'lost', null), host('Web-1', 'stale', 90), host('cache', 'live', 5, 1e6)];

test('sorting by a figure puts hosts without it last in both directions', () => {
  assert.deepEqual(sortFleet(rows, { key: 'cpu', dir: 'desc' }).map((h) => h.hostname), ['Web-1', 'web-2', 'cache', 'db-1']);
  assert.deepEqual(sortFleet(rows, { key: 'cpu', dir: 'asc' }).map((h) => h.hostname), ['cache', 'web-2', 'Web-1', 'db-1']);
});

test('sorting by status puts problems first; names sort case-insensitively', () => {
  assert.deepEqual(sortFleet(rows, { key: 'status', dir: 'asc' }).map((h) => h.status), ['lost', 'stale', 'live', 'live']);
  assert.deepEqual(sortFleet(rows, { key: 'hostname', dir: 'asc' }).map((h) => h.hostname), ['cache', 'db-1', 'Web-1', 'web-2']);
});

test('filtering matches name or id, case-insensitively, and status', () => {
  assert.deepEqual(filterFleet(rows, { text: 'WEB', status: 'all' }).map((h) => h.hostname), ['web-2', 'Web-1']);
  assert.deepEqual(filterFleet(rows, { text: 'id-db', status: 'all' }).map((h) => h.hostname), ['db-1']);
  assert.deepEqual(filterFleet(rows, { text: 'web', status: 'live' }).map((h) => h.hostname), ['web-2']);
  assert.deepEqual(statusCounts(rows), { all: 4, live: 2, stale: 1, lost: 1 });
});

test('1,000 hosts: sorted and filtered in well under a frame budget, and only a window of rows is rendered', () => {
  const many = Array.from({ length: 1000 }, (_, i) => host(`host-${i}`, i % 10 === 0 ? 'stale' : 'live', (i * 37) % 100));
  const t0 = performance.now();
  const out = sortFleet(filterFleet(many, { text: 'host-', status: 'all' }), { key: 'cpu', dir: 'desc' });
  assert.equal(out.length, 1000);
  assert.ok(performance.now() - t0 < 50, 'sort + filter of 1,000 hosts under 50 ms');
  const { start, end } = visibleRange(44 * 500, 800, 44, 1000);
  assert.ok(end - start < 40, `rows in the DOM: ${end - start}`);
  assert.ok(start <= 500 && end >= 500 + 800 / 44);
});

test('sorting by alerts puts critical hosts first, then by count; the alerting filter keeps hosts with alerts', () => {
  const alerts = { 'id-cache': { count: 3, worst: 'warning' as const }, 'id-db-1': { count: 1, worst: 'critical' as const } };
  assert.deepEqual(sortFleet(rows, { key: 'alerts', dir: 'desc' }, alerts).map((h) => h.hostname), ['db-1', 'cache', 'Web-1', 'web-2']);
  assert.deepEqual(filterFleet(rows, { text: '', status: 'all', alerting: true }, alerts).map((h) => h.hostname), ['db-1', 'cache']);
  assert.deepEqual(filterFleet(rows, { text: '', status: 'live', alerting: true }, alerts).map((h) => h.hostname), ['cache']);
  assert.equal(alertingCount(rows, alerts), 2);
});
