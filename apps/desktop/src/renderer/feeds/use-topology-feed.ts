/**
 * While the topology view is shown: the graph, refreshed when hosts report, at most every 5 s (socket
 * tables change every 10 s by default).
 */
import { topologyFailed, topologyLoaded } from '../state/actions';
import { useRouteRefreshedOnHostEvents } from './use-route-feed';

const TOPOLOGY_EVERY_MS = 5_000;

/** `mode` services: the knowledge graph (services and remembered connections) instead of the live processes. */
export function useTopologyFeed(mode: 'processes' | 'services' = 'processes'): void {
  useRouteRefreshedOnHostEvents('topology', topologyLoaded, topologyFailed, TOPOLOGY_EVERY_MS, mode === 'services' ? 'view=services' : undefined);
}
