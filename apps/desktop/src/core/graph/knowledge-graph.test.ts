import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TopologyGraph } from '@cerebro/shared/topology/topology';
import { closeStateDatabase, openStateDatabase } from '../state/database';
import { makeTempDir, openEnv } from '../state/test-helpers';
import { KnowledgeGraph, serviceId } from './knowledge-graph';

const NAMES: Record<string, string> = { 'proc:h:1': 'orders', 'proc:h:2': 'inventory', 'proc:h:5': 'inventory', 'proc:h:3': 'db', 'proc:g:4': 'api' };
const PORTS: Record<string, number[]> = { 'proc:h:2': [7000], 'proc:h:5': [7000], 'proc:h:3': [5432] };

/** A live topology view with the given process → process connections (and one to an outside address). */
function view(edges: ReadonlyArray<readonly [string, string, number]>, present = Object.keys(NAMES)): TopologyGraph {
  return {
    nodes: [
      ...present.map((id) => ({ id, kind: 'process' as const, label: NAMES[id]!, hostId: id.split(':')[1]!, pid: Number(id.split(':')[2]), status: 'live' as const, ports: PORTS[id] ?? [] })),
      { id: 'ext:10.0.0.9', kind: 'external', label: '10.0.0.9', hostId: null, pid: null, status: null, ports: [] },
    ],
    edges: [...edges.map(([from, to, port]) => ({ from, to, kind: 'connects' as const, port, count: 2 })), { from: 'proc:h:1', to: 'ext:10.0.0.9', kind: 'connects', port: 443, count: 1 }],
  };
}

const noLog = (): void => undefined;

test('services are grouped by host and name, edges by client, server and port, with first/last seen; they survive a restart', async (t) => {
  const env = openEnv(makeTempDir(t));
  t.after(() => env.close());
  const db = await openStateDatabase({ env });
  const g = await KnowledgeGraph.open(db, noLog);
  // Two inventory processes (a pre-forked pool): one service. orders calls both, db is called from another host.
  g.observe(view([['proc:h:1', 'proc:h:2', 7000], ['proc:h:1', 'proc:h:5', 7000], ['proc:g:4', 'proc:h:3', 5432]]), 1_000);
  g.observe(view([['proc:h:1', 'proc:h:2', 7000], ['proc:g:4', 'proc:h:3', 5432]]), 61_000);
  // The inventory service dies: the live topology forgets it, the graph does not.
  g.observe(view([['proc:g:4', 'proc:h:3', 5432]], ['proc:h:1', 'proc:h:3', 'proc:g:4']), 130_000);
  const v = g.view(130_000);
  const inv = v.services.find((s) => s.id === serviceId('h', 'inventory'))!;
  assert.deepEqual([inv.ports, inv.firstSeenMs, inv.lastSeenMs], [[7000], 1_000, 61_000]);
  assert.deepEqual(v.services.map((s) => s.name).sort(), ['api', 'db', 'inventory', 'orders']);
  const edge = v.edges.find((e) => e.from === serviceId('h', 'orders'))!;
  assert.deepEqual([edge.to, edge.port, edge.firstSeenMs, edge.lastSeenMs], [serviceId('h', 'inventory'), 7000, 1_000, 61_000]);
  assert.equal(v.edges.length, 2, 'connections to outside addresses are not service edges');
  assert.equal(g.connects({ hostId: 'h', name: 'orders' }, { hostId: 'h', name: 'inventory' }, 130_000), true);
  assert.equal(g.connects({ hostId: 'h', name: 'inventory' }, { hostId: 'h', name: 'orders' }, 130_000), false, 'connects has a direction');
  assert.equal(g.related({ hostId: 'h', name: 'inventory' }, { hostId: 'h', name: 'orders' }, 130_000), true, 'related does not');
  assert.equal(g.related({ hostId: 'g', name: 'api' }, { hostId: 'h', name: 'db' }, 130_000), true, 'across hosts');
  assert.equal(g.related({ hostId: 'h', name: 'orders' }, { hostId: 'h', name: 'db' }, 130_000), false);
  assert.equal(g.connects({ hostId: 'h', name: 'orders' }, { hostId: 'h', name: 'inventory' }, 61_000 + 3_600_001), false, 'an edge older than relatedWithinMs relates nothing');
  await g.settle();
  await closeStateDatabase(db);
  const db2 = await openStateDatabase({ env });
  t.after(() => closeStateDatabase(db2));
  const again = await KnowledgeGraph.open(db2, noLog);
  assert.deepEqual(again.view(130_000).edges.map((e) => [e.id, e.firstSeenMs]).sort(), v.edges.map((e) => [e.id, e.firstSeenMs]).sort(), 'stored');
  assert.equal(again.connects({ hostId: 'h', name: 'orders' }, { hostId: 'h', name: 'inventory' }, 130_000), true, 'a restarted console still knows the dead server had clients');
});

test('sightings rewrite a document at most every touchEveryMs; what was not seen for keepMs is deleted', async (t) => {
  const env = openEnv(makeTempDir(t));
  t.after(() => env.close());
  const db = await openStateDatabase({ env });
  t.after(() => closeStateDatabase(db));
  const g = await KnowledgeGraph.open(db, noLog, { touchEveryMs: 60_000, keepMs: 600_000 });
  const live = view([['proc:h:1', 'proc:h:2', 7000]], ['proc:h:1', 'proc:h:2']);
  for (let ts = 0; ts <= 50_000; ts += 5_000) g.observe(live, ts);
  await g.settle();
  assert.equal((await db.edges.findOne().exec())?.lastSeenMs, 0, 'no rewrite within touchEveryMs (memory is current: below)');
  assert.equal(g.view().edges[0]!.lastSeenMs, 50_000);
  g.observe(live, 60_000);
  await g.settle();
  assert.equal((await db.edges.findOne().exec())?.lastSeenMs, 60_000);
  // Ten minutes without a sighting: gone, from memory and the database.
  g.observe(view([], []), 660_001);
  await g.settle();
  assert.deepEqual(g.size, { services: 0, edges: 0 });
  assert.equal(await db.services.count().exec(), 0);
  assert.equal(await db.edges.count().exec(), 0);
});
