/**
 * Document types and RxDB schemas of the state database.
 *
 * RxDB rules that shape these schemas (MACHINE-FACTS "Storing data"): indexed strings need `maxLength`, indexed
 * numbers need `minimum`/`maximum`/`multipleOf`; any change to a schema needs a version bump and a migration
 * strategy (migration-schema plugin). Without dev-mode RxDB does not validate documents against the schema:
 * inbound data is validated at the protocol boundary instead.
 */
import type { Inventory, SpoolStats } from '@cerebro/shared/protocol/messages';
import type { RxJsonSchema } from 'rxdb';

export type HostStatus = 'live' | 'stale' | 'lost';

/** A source that failed on the host, as last reported by its collector. */
export interface HostSourceError {
  readonly source: string;
  /** What went wrong, e.g. "couldn't read /proc/diskstats: EACCES". */
  readonly error: string;
  /** When the console received the report, milliseconds since the Unix epoch. */
  readonly atMs: number;
}

/** One monitored host, as the console knows it from its collector. */
export interface HostDoc {
  /** The collector's hostId. */
  readonly id: string;
  readonly hostname: string;
  readonly status: HostStatus;
  /** First batch ever received from the host, milliseconds since the Unix epoch. */
  readonly firstSeenMs: number;
  /** Latest batch received, milliseconds since the Unix epoch. */
  readonly lastSeenMs: number;
  /** Sequence number of the latest batch ingested (per-host, strictly increasing). */
  readonly lastSeq: number;
  /** Whether the collector's connection is open right now. */
  readonly connected: boolean;
  readonly agent: { readonly name: string; readonly version: string };
  readonly inventory?: Inventory;
  readonly spool?: SpoolStats;
  /** Latest operator notices from the collector, newest last, at most 64. */
  readonly notices: readonly string[];
  /** Latest failing sources, at most 64. */
  readonly sourceErrors: readonly HostSourceError[];
  /** Number of distinct metric series the host reports. */
  readonly seriesCount: number;
  /** Remote address of the collector's connection, e.g. "10.0.0.7:51234". */
  readonly address: string;
}

/** Bounds of an indexed timestamp: milliseconds since the epoch, up to the year 2286. */
const epochMs = { type: 'integer', minimum: 0, maximum: 1e13, multipleOf: 1 } as const;
/** A non-negative counter (no index, so no bounds needed beyond sanity). */
const count = { type: 'integer', minimum: 0 } as const;

export const hostSchema: RxJsonSchema<HostDoc> = {
  title: 'hosts',
  description: 'Monitored hosts, one per collector hostId',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 128 },
    hostname: { type: 'string' },
    status: { type: 'string', enum: ['live', 'stale', 'lost'], maxLength: 8 },
    firstSeenMs: epochMs,
    lastSeenMs: epochMs,
    lastSeq: count,
    connected: { type: 'boolean' },
    agent: {
      type: 'object',
      properties: { name: { type: 'string' }, version: { type: 'string' } },
      required: ['name', 'version'],
    },
    // The wire Inventory type; open-ended so collector additions need no schema migration.
    inventory: { type: 'object', additionalProperties: true },
    spool: {
      type: 'object',
      properties: {
        pendingBatches: count,
        pendingBytes: count,
        droppedBatches: count,
        droppedSamples: count,
        droppedBytes: count,
      },
      required: ['pendingBatches', 'pendingBytes', 'droppedBatches', 'droppedSamples', 'droppedBytes'],
    },
    notices: { type: 'array', maxItems: 64, items: { type: 'string' } },
    sourceErrors: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        properties: { source: { type: 'string' }, error: { type: 'string' }, atMs: { type: 'integer', minimum: 0 } },
        required: ['source', 'error', 'atMs'],
      },
    },
    seriesCount: count,
    address: { type: 'string' },
  },
  required: [
    'id',
    'hostname',
    'status',
    'firstSeenMs',
    'lastSeenMs',
    'lastSeq',
    'connected',
    'agent',
    'notices',
    'sourceErrors',
    'seriesCount',
    'address',
  ],
  // Host lists sort by last contact; the status filter ("lost hosts") reads the compound index.
  indexes: ['lastSeenMs', 'firstSeenMs', ['status', 'lastSeenMs']],
  additionalProperties: false,
};
