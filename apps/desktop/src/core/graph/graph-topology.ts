/**
 * The topology view's "services" mode: the knowledge graph drawn with the topology's node and edge shapes,
 * so the same canvas shows it. Hosts come from the live view (their health); services become nodes
 * (`svc:<hostId>:<name>`) run by their host; client → server edges carry `lastSeenMs`, and the UI draws
 * those not seen within `staleAfterMs` as stale — the connection a dead server's clients still depend on.
 * Services of hosts the registry no longer lists are left out.
 */
import type { KnowledgeGraphView, TopologyView } from '@cerebro/shared/api/contract';
import { topologyIds, type TopologyEdge, type TopologyNode } from '@cerebro/shared/topology/topology';

export function graphTopology(live: TopologyView, graph: KnowledgeGraphView): TopologyView {
  const hosts = live.nodes.filter((n) => n.kind === 'host');
  const known = new Map(hosts.map((h) => [h.hostId, h]));
  const nodes: TopologyNode[] = [...hosts];
  const edges: TopologyEdge[] = [];
  const ids = new Set<string>();
  for (const s of graph.services) {
    const host = known.get(s.hostId);
    if (host === undefined) continue;
    nodes.push({ id: s.id, kind: 'process', label: s.name, hostId: s.hostId, pid: s.pids[0] ?? null, status: host.status, ports: s.ports });
    edges.push({ from: topologyIds.host(s.hostId), to: s.id, kind: 'runs', port: null, count: 1, lastSeenMs: s.lastSeenMs });
    ids.add(s.id);
  }
  for (const e of graph.edges) {
    if (!ids.has(e.from) || !ids.has(e.to)) continue;
    edges.push({ from: e.from, to: e.to, kind: 'connects', port: e.port, count: e.connections, lastSeenMs: e.lastSeenMs, stale: graph.nowMs - e.lastSeenMs > graph.staleAfterMs });
  }
  return { nodes, edges, builtMs: graph.nowMs, hostsWithSockets: live.hostsWithSockets };
}
