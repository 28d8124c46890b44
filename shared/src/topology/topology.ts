/**
 * The service topology: which process talks to which, built from the hosts' latest socket and process
 * tables. Pure, so the console core (GET /api/v1/topology) and the tests share one implementation.
 *
 * Matching: an ESTABLISHED TCP socket whose remote address:port is served by a LISTEN socket becomes an
 * edge client process → server process, labelled with the port. The server is looked for on the same host
 * when the remote address is loopback, otherwise on every host whose inventory lists that address (the
 * client's own host included). A listener on a wildcard address (0.0.0.0, ::) serves every address of its
 * host. The accepted side of a connection (its local port is one the host listens on) is the same
 * connection seen from the server, so it adds no edge. Remote endpoints no host owns become one
 * "external" node per address.
 */
import type { ProcessRow, SocketRow } from '../protocol/messages';

export type TopologyHealth = 'live' | 'stale' | 'lost';

/** What the graph is built from, per host. */
export interface TopologyHostInput {
  readonly id: string;
  readonly hostname: string;
  readonly status: TopologyHealth;
  /** The host's interface addresses (inventory), used to find servers of cross-host connections. */
  readonly addresses: readonly string[];
  readonly sockets: readonly SocketRow[];
  readonly processes: readonly ProcessRow[];
}

export type TopologyNodeKind = 'host' | 'process' | 'external';

export interface TopologyNode {
  /** `host:<hostId>`, `proc:<hostId>:<pid>` or `ext:<address>`. */
  readonly id: string;
  readonly kind: TopologyNodeKind;
  readonly label: string;
  /** The host it belongs to; null for external endpoints. */
  readonly hostId: string | null;
  readonly pid: number | null;
  /** Health of its host; null for external endpoints. */
  readonly status: TopologyHealth | null;
  /** TCP ports it listens on (processes) or is reached on (external endpoints), ascending. */
  readonly ports: readonly number[];
}

export type TopologyEdgeKind = 'runs' | 'connects';

export interface TopologyEdge {
  /** Node ids. For `runs`: host → process. For `connects`: client → server (from === to for a self-connection). */
  readonly from: string;
  readonly to: string;
  readonly kind: TopologyEdgeKind;
  /** Server port of a `connects` edge; null for `runs`. */
  readonly port: number | null;
  /** Established connections it stands for (1 for `runs`). */
  readonly count: number;
  /**
   * Services view only (the knowledge graph): when the edge was last seen, ms since the epoch; an edge not
   * seen lately (a dead server's clients) is drawn as stale.
   */
  readonly lastSeenMs?: number;
  /** Services view only: not seen within the graph's staleAfterMs (drawn dashed). */
  readonly stale?: boolean;
}

export interface TopologyGraph {
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
}

/** Node ids, in one place so the UI and the tests build the same strings. */
export const topologyIds = {
  host: (hostId: string): string => `host:${hostId}`,
  process: (hostId: string, pid: number): string => `proc:${hostId}:${pid}`,
  external: (address: string): string => `ext:${address}`,
};

/** Lower-case, IPv4-mapped IPv6 unwrapped ("::ffff:10.0.0.1" → "10.0.0.1"), zone dropped. */
export function normalizeAddress(addr: string): string {
  let a = addr.toLowerCase();
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (a.startsWith('::ffff:') && a.includes('.')) a = a.slice(7);
  return a;
}

export function isLoopback(addr: string): boolean {
  return addr === '::1' || addr.startsWith('127.');
}

export function isWildcard(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::';
}

const isTcp = (s: SocketRow): boolean => s.proto === 'tcp' || s.proto === 'tcp6';

interface Listener {
  readonly addr: string;
  readonly pid: number | null;
}

/** port → listeners on one host. */
type ListenIndex = Map<number, Listener[]>;

function listenIndex(sockets: readonly SocketRow[]): ListenIndex {
  const index: ListenIndex = new Map();
  for (const s of sockets) {
    if (!isTcp(s) || s.state !== 'LISTEN') continue;
    const list = index.get(s.localPort) ?? [];
    list.push({ addr: normalizeAddress(s.localAddr), pid: s.pid });
    index.set(s.localPort, list);
  }
  return index;
}

/** The listener serving addr:port on a host, preferring an exact address over a wildcard one. */
function findListener(index: ListenIndex | undefined, addr: string, port: number): Listener | null {
  const list = index?.get(port);
  if (!list) return null;
  return list.find((l) => l.addr === addr) ?? list.find((l) => isWildcard(l.addr)) ?? null;
}

export function buildTopology(hosts: readonly TopologyHostInput[]): TopologyGraph {
  const nodes = new Map<string, TopologyNode>();
  const ports = new Map<string, Set<number>>();
  const edges = new Map<string, { from: string; to: string; kind: TopologyEdgeKind; port: number | null; count: number }>();
  const listeners = new Map<string, ListenIndex>();
  /** address → ids of the hosts that own it (an address can be reused, e.g. NAT'd private ranges). */
  const owners = new Map<string, string[]>();
  const byId = new Map<string, TopologyHostInput>();
  const procNames = new Map<string, Map<number, string>>();

  for (const h of hosts) {
    byId.set(h.id, h);
    listeners.set(h.id, listenIndex(h.sockets));
    for (const a of h.addresses) {
      const n = normalizeAddress(a);
      if (isLoopback(n)) continue;
      const list = owners.get(n) ?? [];
      if (!list.includes(h.id)) list.push(h.id);
      owners.set(n, list);
    }
    nodes.set(topologyIds.host(h.id), { id: topologyIds.host(h.id), kind: 'host', label: h.hostname, hostId: h.id, pid: null, status: h.status, ports: [] });
  }

  const addPort = (id: string, port: number): void => {
    const set = ports.get(id) ?? new Set<number>();
    set.add(port);
    ports.set(id, set);
  };
  /** The process node of pid on host h (created with its `runs` edge); the host node when the owner is hidden. */
  const processNode = (h: TopologyHostInput, pid: number | null): string => {
    if (pid === null) return topologyIds.host(h.id);
    const id = topologyIds.process(h.id, pid);
    if (!nodes.has(id)) {
      let names = procNames.get(h.id);
      if (!names) {
        // Built on first use: most hosts' process tables are never searched.
        names = new Map(h.processes.map((p) => [p.pid, p.name]));
        procNames.set(h.id, names);
      }
      const name = names.get(pid);
      nodes.set(id, { id, kind: 'process', label: name ?? `pid ${pid}`, hostId: h.id, pid, status: h.status, ports: [] });
      addEdge(topologyIds.host(h.id), id, 'runs', null);
    }
    return id;
  };
  const addEdge = (from: string, to: string, kind: TopologyEdgeKind, port: number | null): void => {
    const key = `${from}|${to}|${port ?? ''}`;
    const e = edges.get(key);
    if (e) e.count++;
    else edges.set(key, { from, to, kind, port, count: 1 });
  };

  // Services first: every listening process is a node even before anything connects to it.
  for (const h of hosts) {
    for (const [port, list] of listeners.get(h.id) ?? []) {
      for (const l of list) if (l.pid !== null) addPort(processNode(h, l.pid), port);
    }
  }

  for (const h of hosts) {
    const own = listeners.get(h.id);
    const ownAddresses = new Set(h.addresses.map(normalizeAddress));
    for (const s of h.sockets) {
      if (!isTcp(s) || s.state !== 'ESTABLISHED') continue;
      const local = normalizeAddress(s.localAddr);
      // The accepted side: the server's view of a connection already drawn from the client's side.
      if (findListener(own, local, s.localPort)) continue;
      const remote = normalizeAddress(s.remoteAddr);
      const port = s.remotePort;
      const client = processNode(h, s.pid);
      let serverHost: TopologyHostInput | null = null;
      let listener: Listener | null = null;
      if (isLoopback(remote) || ownAddresses.has(remote)) {
        serverHost = h;
        listener = findListener(own, remote, port);
      } else {
        for (const id of owners.get(remote) ?? []) {
          const candidate = byId.get(id) as TopologyHostInput;
          serverHost ??= candidate;
          listener = findListener(listeners.get(id), remote, port);
          if (listener) {
            serverHost = candidate;
            break;
          }
        }
      }
      if (serverHost) {
        // A known host without a visible listener (its socket table not scanned yet, or the owner hidden): point at the host.
        const server = listener ? processNode(serverHost, listener.pid) : topologyIds.host(serverHost.id);
        addEdge(client, server, 'connects', port);
        continue;
      }
      const ext = topologyIds.external(remote);
      if (!nodes.has(ext)) nodes.set(ext, { id: ext, kind: 'external', label: remote, hostId: null, pid: null, status: null, ports: [] });
      addPort(ext, port);
      addEdge(client, ext, 'connects', port);
    }
  }

  const outNodes: TopologyNode[] = [];
  for (const n of nodes.values()) {
    const p = ports.get(n.id);
    outNodes.push(p ? { ...n, ports: [...p].sort((a, b) => a - b) } : n);
  }
  return { nodes: outNodes, edges: [...edges.values()] };
}
