/**
 * The topology route (GET /api/v1/topology): the graph of shared/src/topology built from the registry's
 * latest socket and process tables. Building it for 1,000 hosts takes milliseconds, yet every open UI tab
 * asks for it when hosts report, so a result is reused for a second.
 */
import type { Host, TopologyView } from '@cerebro/shared/api/contract';
import type { ProcessRow, SocketRow } from '@cerebro/shared/protocol/messages';
import { buildTopology, type TopologyHostInput } from '@cerebro/shared/topology/topology';

const REUSE_MS = 1_000;

/** The part of the host registry the topology reads. */
export interface TopologySource {
  list(): readonly Host[];
  processes(hostId: string): { readonly procs?: readonly ProcessRow[] } | null;
  sockets(hostId: string): { readonly sockets?: readonly SocketRow[] } | null;
}

export class TopologyBuilder {
  private cached: { atMs: number; view: TopologyView } | null = null;

  constructor(private readonly source: TopologySource) {}

  view(nowMs: number = Date.now()): TopologyView {
    if (this.cached && nowMs - this.cached.atMs < REUSE_MS) return this.cached.view;
    const inputs: TopologyHostInput[] = [];
    let hostsWithSockets = 0;
    for (const h of this.source.list()) {
      const table = this.source.sockets(h.id);
      if (table?.sockets) hostsWithSockets++;
      const sockets = table?.sockets ?? [];
      inputs.push({ id: h.id, hostname: h.hostname, status: h.status, addresses: h.inventory?.addresses ?? [], sockets, processes: this.source.processes(h.id)?.procs ?? [] });
    }
    const view: TopologyView = { ...buildTopology(inputs), builtMs: nowMs, hostsWithSockets };
    this.cached = { atMs: nowMs, view };
    return view;
  }
}
