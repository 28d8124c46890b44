/**
 * Document types and RxDB schemas of the state database.
 *
 * RxDB rules that shape these schemas (MACHINE-FACTS "Storing data"): indexed strings need `maxLength`, indexed
 * numbers need `minimum`/`maximum`/`multipleOf`; any change to a schema needs a version bump and a migration
 * strategy (migration-schema plugin). Without dev-mode RxDB does not validate documents against the schema:
 * inbound data is validated at the protocol boundary instead.
 */
import type { RxJsonSchema } from 'rxdb';

/**
 * One monitored host: the API contract's `Host` is the document stored, so the UI and the database agree
 * by construction.
 */
export type { Host as HostDoc, HostSourceError, HostStatus } from '@cerebro/shared/api/contract';
import type { Host as HostDoc } from '@cerebro/shared/api/contract';

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
