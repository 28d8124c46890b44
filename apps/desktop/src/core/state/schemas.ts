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

/** One anomaly alert: the API contract's `Alert` is the document stored (see core/alerts/alert-store.ts). */
export type { Alert as AlertDoc } from '@cerebro/shared/api/contract';
import type { Alert as AlertDoc } from '@cerebro/shared/api/contract';

/** An anomaly score in [0, 1] (not indexed). */
const score = { type: 'number', minimum: 0, maximum: 1 } as const;

export const alertSchema: RxJsonSchema<AlertDoc> = {
  title: 'alerts',
  description: 'Anomaly alerts raised by the scorer through hysteresis, one per episode of one series',
  // 1 added noiseMs (database.ts migrates version-0 documents unchanged: they have never been unmarked).
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 64 },
    hostId: { type: 'string', maxLength: 128 },
    seriesKey: { type: 'string', maxLength: 512 },
    severity: { type: 'string', enum: ['warning', 'critical'], maxLength: 8 },
    state: { type: 'string', enum: ['open', 'resolved'], maxLength: 8 },
    startMs: epochMs,
    endMs: { type: 'integer', minimum: 0 },
    peakScore: score,
    lastScore: score,
    evidence: {
      type: 'object',
      properties: {
        baseline: { type: 'number' },
        points: { type: 'array', maxItems: 20, items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } } },
      },
      required: ['baseline', 'points'],
    },
    ackBy: { type: 'string' },
    ackMs: { type: 'integer', minimum: 0 },
    snoozedUntilMs: { type: 'integer', minimum: 0 },
    noise: { type: 'boolean' },
    noiseMs: { type: 'integer', minimum: 0 },
  },
  required: ['id', 'hostId', 'seriesKey', 'severity', 'state', 'startMs', 'peakScore', 'lastScore', 'evidence', 'noise'],
  // The open list reads [state, startMs]; a host's view reads [hostId, startMs].
  indexes: [['state', 'startMs'], ['hostId', 'startMs']],
  additionalProperties: false,
};

/** One incident: related alerts with their ranked causes (see core/incidents/). The API's `Incident` is the document. */
export type { Incident as IncidentDoc } from '@cerebro/shared/api/contract';
import type { Incident as IncidentDoc } from '@cerebro/shared/api/contract';

const alertRef = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    hostId: { type: 'string' },
    seriesKey: { type: 'string' },
    kind: { type: 'string' },
    severity: { type: 'string' },
    state: { type: 'string' },
    startMs: { type: 'integer', minimum: 0 },
    endMs: { type: 'integer', minimum: 0 },
  },
  required: ['id', 'hostId', 'seriesKey', 'kind', 'severity', 'state', 'startMs'],
} as const;

export const incidentSchema: RxJsonSchema<IncidentDoc> = {
  title: 'incidents',
  description: 'Alerts grouped by time and topology, with ranked causes',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 64 },
    state: { type: 'string', enum: ['open', 'resolved'], maxLength: 8 },
    severity: { type: 'string', enum: ['warning', 'critical'], maxLength: 8 },
    title: { type: 'string' },
    openedMs: epochMs,
    updatedMs: { type: 'integer', minimum: 0 },
    quietSinceMs: { type: 'integer', minimum: 0 },
    resolvedMs: { type: 'integer', minimum: 0 },
    alerts: { type: 'array', items: alertRef },
    suppressed: {
      type: 'object',
      properties: { count: count, alertIds: { type: 'array', maxItems: 100, items: { type: 'string' } } },
      required: ['count', 'alertIds'],
    },
    hostIds: { type: 'array', items: { type: 'string' } },
    services: { type: 'array', items: { type: 'string' } },
    // Causes and the subgraph are rebuilt whole on every ranking; open-ended so they can grow fields.
    causes: { type: 'array', items: { type: 'object', additionalProperties: true } },
    causesMs: { type: 'integer', minimum: 0 },
    subgraph: { type: 'object', additionalProperties: true },
  },
  required: ['id', 'state', 'severity', 'title', 'openedMs', 'updatedMs', 'alerts', 'suppressed', 'hostIds', 'services', 'causes', 'causesMs', 'subgraph'],
  // The open list reads [state, openedMs]; "all" reads openedMs.
  indexes: [['state', 'openedMs'], 'openedMs'],
  additionalProperties: false,
};

/** Knowledge graph: one service (an executable's processes on one host) per document (core/graph/). */
export type { GraphService as ServiceDoc, GraphEdge as EdgeDoc } from '@cerebro/shared/api/contract';
import type { GraphEdge as EdgeDoc, GraphService as ServiceDoc } from '@cerebro/shared/api/contract';

export const serviceSchema: RxJsonSchema<ServiceDoc> = {
  title: 'services',
  description: 'Knowledge graph: services (processes of one executable on one host) with first/last seen',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 200 },
    hostId: { type: 'string' },
    name: { type: 'string' },
    ports: { type: 'array', maxItems: 16, items: { type: 'integer' } },
    pids: { type: 'array', maxItems: 16, items: { type: 'integer' } },
    firstSeenMs: { type: 'integer', minimum: 0 },
    lastSeenMs: { type: 'integer', minimum: 0 },
  },
  required: ['id', 'hostId', 'name', 'ports', 'pids', 'firstSeenMs', 'lastSeenMs'],
  additionalProperties: false,
};

/** Knowledge graph: one client service → server service:port edge per document. */
export const edgeSchema: RxJsonSchema<EdgeDoc> = {
  title: 'edges',
  description: 'Knowledge graph: client service → server service edges with first/last seen',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 420 },
    from: { type: 'string' },
    to: { type: 'string' },
    port: { type: 'integer', minimum: 0 },
    connections: count,
    firstSeenMs: { type: 'integer', minimum: 0 },
    lastSeenMs: { type: 'integer', minimum: 0 },
  },
  required: ['id', 'from', 'to', 'port', 'connections', 'firstSeenMs', 'lastSeenMs'],
  additionalProperties: false,
};
