/**
 * The knowledge graph in the console's local API (re-exported by contract.ts): the services of every host
 * and which called which, discovered from the collectors' process and socket tables and remembered with
 * when each was first and last seen — what the live topology (the latest tables only) forgets the moment a
 * server dies. Stored as RxDB documents (collections `services` and `edges`).
 */

/** The processes of one executable (comm) on one host, with the TCP ports they listen on. */
export interface GraphService {
  /** `svc:<hostId>:<name>`. */
  readonly id: string;
  readonly hostId: string;
  /** Process name (comm, at most 15 characters on Linux). */
  readonly name: string;
  /** TCP ports it listens on, ascending, at most 16 (a client-only service has none). */
  readonly ports: readonly number[];
  /** Its processes at the last sighting, at most 16. */
  readonly pids: readonly number[];
  /** ms since the epoch (console clock). */
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

/** A client service's connections to a server service's port. */
export interface GraphEdge {
  /** `<from>><to>:<port>`. */
  readonly id: string;
  /** The client's service id. */
  readonly from: string;
  /** The server's service id. */
  readonly to: string;
  /** The server's port. */
  readonly port: number;
  /** Established connections at the last sighting. */
  readonly connections: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

/** GET /graph. */
export interface KnowledgeGraphView {
  readonly services: readonly GraphService[];
  readonly edges: readonly GraphEdge[];
  /** Services and edges not seen for longer than this are stale (drawn as such), ms. */
  readonly staleAfterMs: number;
  readonly nowMs: number;
}
