import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert, Host, Incident } from '@cerebro/shared/api/contract';
import { paletteItems, paletteMatches } from './palette-items';

const host = (id: string, hostname: string): Host => ({ id, hostname, status: 'live' }) as Host;
const alert = (id: string, o: Partial<Alert>): Alert => ({ id, hostId: 'h1', seriesKey: 'cpu.util_pct', severity: 'warning', state: 'open', startMs: 0, peakScore: 0.6, lastScore: 0.5, evidence: { baseline: 1, points: [] }, noise: false, ...o });

test('open alerts are palette entries, critical first, that jump to their host and name the alert', () => {
  const hosts = [host('h1', 'web-1'), host('h2', 'db-1')];
  const alerts = [alert('a', { startMs: 5 }), alert('b', { hostId: 'h2', severity: 'critical', seriesKey: 'mem.used_pct' }), alert('c', { state: 'resolved' })];
  const items = paletteItems(hosts, alerts).filter((i) => i.kind === 'alert');
  assert.deepEqual(items.map((i) => [i.alertId, i.title, i.route]), [
    ['b', 'mem.used_pct on db-1', { name: 'host', hostId: 'h2' }],
    ['a', 'cpu.util_pct on web-1', { name: 'host', hostId: 'h1' }],
  ]);
  assert.equal(paletteMatches('mem.used', paletteItems(hosts, alerts))[0]?.alertId, 'b');
});

test('the incidents view and the open incidents are palette entries, titled by their top cause', () => {
  const inc = (id: string, o: Partial<Incident>): Incident => ({ id, state: 'open', severity: 'warning', title: 'cpu.util_pct on web-1', openedMs: 0, updatedMs: 0, alerts: [], suppressed: { count: 0, alertIds: [] }, hostIds: ['h1'], services: [], causes: [], causesMs: 0, subgraph: { nodes: [], edges: [] }, ...o });
  const burn = { kind: 'process', hostId: 'h1', host: 'web-1', name: 'burn', pid: 7, node: 'proc:h1:7', score: 0.8, explanation: '', evidence: [] } as const;
  const items = paletteItems([host('h1', 'web-1')], [], [inc('i1', { openedMs: 5 }), inc('i2', { severity: 'critical', causes: [burn] }), inc('i3', { state: 'resolved' })]);
  assert.deepEqual(
    items.filter((i) => i.kind === 'incident').map((i) => [i.title, i.route]),
    [
      ['process burn (pid 7) on web-1', { name: 'incidents', incidentId: 'i2' }],
      ['cpu.util_pct on web-1', { name: 'incidents', incidentId: 'i1' }],
    ],
  );
  assert.deepEqual(paletteMatches('incidents', items)[0]?.route, { name: 'incidents', incidentId: null });
});
