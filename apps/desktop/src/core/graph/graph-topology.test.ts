import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KnowledgeGraphView, TopologyView } from '@cerebro/shared/api/contract';
import { graphTopology } from './graph-topology';

test('the services view draws the knowledge graph with the topology shapes; connections not seen lately are stale', () => {
  const live: TopologyView = {
    nodes: [{ id: 'host:h', kind: 'host', label: 'web-01', hostId: 'h', pid: null, status: 'live', ports: [] }],
    edges: [],
    builtMs: 100_000,
    hostsWithSockets: 1,
  };
  const graph: KnowledgeGraphView = {
    services: [
      { id: 'svc:h:orders', hostId: 'h', name: 'orders', ports: [], pids: [10], firstSeenMs: 0, lastSeenMs: 100_000 },
      { id: 'svc:h:inventory', hostId: 'h', name: 'inventory', ports: [7000], pids: [20], firstSeenMs: 0, lastSeenMs: 30_000 },
      { id: 'svc:gone:db', hostId: 'gone', name: 'db', ports: [5432], pids: [], firstSeenMs: 0, lastSeenMs: 1_000 },
    ],
    edges: [
      { id: 'svc:h:orders>svc:h:inventory:7000', from: 'svc:h:orders', to: 'svc:h:inventory', port: 7000, connections: 1, firstSeenMs: 0, lastSeenMs: 30_000 },
      { id: 'svc:h:orders>svc:gone:db:5432', from: 'svc:h:orders', to: 'svc:gone:db', port: 5432, connections: 1, firstSeenMs: 0, lastSeenMs: 100_000 },
    ],
    staleAfterMs: 60_000,
    nowMs: 100_000,
  };
  const v = graphTopology(live, graph);
  assert.deepEqual(v.nodes.map((n) => n.id), ['host:h', 'svc:h:orders', 'svc:h:inventory'], 'services of hosts no longer listed are left out');
  assert.deepEqual(v.nodes.find((n) => n.id === 'svc:h:inventory')?.ports, [7000]);
  const conn = v.edges.filter((e) => e.kind === 'connects');
  assert.deepEqual(conn.map((e) => [e.from, e.to, e.port, e.stale]), [['svc:h:orders', 'svc:h:inventory', 7000, true]], 'the dead server\'s connection is kept, stale');
  assert.equal(v.edges.filter((e) => e.kind === 'runs').length, 2);
});
