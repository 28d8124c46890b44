/**
 * The console's state database: RxDB on the memory-lmdb storage, one collection per kind of state document.
 *
 * Collection budget: the free RxDB build allows 13 open collections per process, counted over every open
 * database (MACHINE-FACTS "Storing data"). Open now: hosts, alerts, incidents, services, edges = 5. Planned besides:
 * diagnoses, actions, audit, runbooks, settings, for 10 in all, leaving 3 spare. Nothing else in the process may open
 * collections, and tests must close each database they open.
 */
import type { RootDatabase } from 'lmdb';
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb';
import { RxDBCleanupPlugin } from 'rxdb/plugins/cleanup';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { getRxStorageMemoryLmdb } from './lmdb-storage';
import { alertSchema, edgeSchema, hostSchema, incidentSchema, serviceSchema, type AlertDoc, type EdgeDoc, type HostDoc, type IncidentDoc, type ServiceDoc } from './schemas';

export interface StateCollections {
  hosts: RxCollection<HostDoc>;
  alerts: RxCollection<AlertDoc>;
  incidents: RxCollection<IncidentDoc>;
  services: RxCollection<ServiceDoc>;
  edges: RxCollection<EdgeDoc>;
}

export type StateDatabase = RxDatabase<StateCollections>;

export interface OpenStateDatabaseOptions {
  /** LMDB environment holding the state sub-dbs (`state.<name>/<collection>/v<version>`); its `maxDbs` must cover them. */
  readonly env: RootDatabase;
  /** RxDB database name; one open database per name and process. Default `cerebro_state`. */
  readonly name?: string;
}

// Purges tombstones (deleted documents) after RxDB's default policy: deleted for a month, checked every 5 minutes.
addRxPlugin(RxDBCleanupPlugin);
// Documents stored under an older schema version are migrated when their collection opens (addCollections
// waits for it): the strategies below, one per version step, are how a console upgrade keeps its state.
addRxPlugin(RxDBMigrationSchemaPlugin);

/** alerts: version 1 added the optional `noiseMs`; a version-0 alert has never had its noise mark taken back. */
const ALERT_MIGRATIONS = { 1: (doc: AlertDoc): AlertDoc => doc };

export async function openStateDatabase({ env, name = 'cerebro_state' }: OpenStateDatabaseOptions): Promise<StateDatabase> {
  const db = await createRxDatabase<StateCollections>({
    name,
    storage: getRxStorageMemoryLmdb({ env }),
    // One process owns the state; nothing to broadcast to.
    multiInstance: false,
    eventReduce: true,
  });
  try {
    await db.addCollections({ hosts: { schema: hostSchema }, alerts: { schema: alertSchema, migrationStrategies: ALERT_MIGRATIONS }, incidents: { schema: incidentSchema }, services: { schema: serviceSchema }, edges: { schema: edgeSchema } });
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Closes the database and its collections (freeing their slots in the 13-collection budget); the env stays open. */
export async function closeStateDatabase(db: StateDatabase): Promise<void> {
  await db.close();
}
