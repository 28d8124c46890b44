/** Which topology nodes an incident highlights. Pure: tested in highlight.test.ts. */
import type { Incident } from '@cerebro/shared/api/contract';
import { topologyIds } from '@cerebro/shared/topology/topology';

/**
 * The incident's subgraph as ranked, plus its hosts and its causes' nodes: the graph may have gained
 * a cause's process (its socket table arrives every 10 s) since the causes were ranked.
 */
export function incidentHighlight(i: Incident): ReadonlySet<string> {
  const ids = new Set(i.subgraph.nodes);
  for (const h of i.hostIds) ids.add(topologyIds.host(h));
  for (const c of i.causes) ids.add(c.node);
  return ids;
}
