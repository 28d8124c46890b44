/**
 * RxDB storage for the console's state: RxDB's memory storage made durable by writing through to LMDB.
 *
 * Why wrap the memory storage: none of RxDB's free storages persists usably in Node (the SQLite one is a
 * trial capped at 500 documents, localstorage manages ~250 docs/s; see MACHINE-FACTS "Storing data"), while
 * the memory storage is fast and complete (queries, indexes, conflict detection). So memory stays the
 * working copy and LMDB (crash-safe, already used for telemetry) is the copy that survives: every
 * collection is loaded from its LMDB sub-db when RxDB opens it, and every accepted write is committed to LMDB
 * before `bulkWrite` resolves, so an awaited insert or update is on disk.
 *
 * Limits: attachments are not persisted (schemas with attachments are refused); all documents live in RAM,
 * so only state goes here, never telemetry; RxDB's change events fire when memory changes, a moment before
 * the LMDB commit.
 */
import type { RootDatabase } from 'lmdb';
import type { RxStorage, RxStorageInstanceCreationParams } from 'rxdb';
import {
  getMemoryCollectionKey,
  getRxStorageMemory,
  type RxStorageInstanceMemory,
  type RxStorageMemory,
  type RxStorageMemoryInstanceCreationOptions,
} from 'rxdb/plugins/storage-memory';
import { RXDB_VERSION } from 'rxdb/plugins/utils';
import { loadIntoMemory, RxStorageInstanceMemoryLmdb, type DocumentStore } from './lmdb-storage-instance';

export interface MemoryLmdbStorageOptions {
  /**
   * The LMDB environment. It must be opened with `maxDbs` covering one sub-db per collection plus RxDB's
   * internal store (`_rxdb_internal`), next to whatever else shares the environment; lmdb-js defaults to 12.
   */
  readonly env: RootDatabase;
  /** Prefix of this store's sub-db names, keeping them apart from telemetry's. Default `state.`. */
  readonly prefix?: string;
}

/** Internals are typed `unknown`: each instance's are the memory plugin's state for its own document type. */
export type RxStorageMemoryLmdb = RxStorage<unknown, RxStorageMemoryInstanceCreationOptions>;

/** Name of one instance's sub-db: database, collection and schema version, so a migration gets a fresh one. */
export function subDbName(prefix: string, databaseName: string, collectionName: string, schemaVersion: number): string {
  return `${prefix}${databaseName}/${collectionName}/v${schemaVersion}`;
}

export function getRxStorageMemoryLmdb({ env, prefix = 'state.' }: MemoryLmdbStorageOptions): RxStorageMemoryLmdb {
  /**
   * A private state map instead of the memory plugin's module-wide one: that one keeps every closed
   * collection's documents for the life of the process, and a reopen would then skip LMDB entirely.
   * States here are dropped when their last instance closes.
   */
  const memoryStorage: RxStorageMemory = { ...getRxStorageMemory(), collectionStates: new Map() };

  const onClosed = <RxDocType>(memory: RxStorageInstanceMemory<RxDocType>): void => {
    if (memory.internals.refCount > 0) return;
    const key = getMemoryCollectionKey(memory.databaseName, memory.collectionName, memory.schema.version);
    if (memoryStorage.collectionStates.get(key) === memory.internals) memoryStorage.collectionStates.delete(key);
  };

  return {
    name: 'memory-lmdb',
    rxdbVersion: RXDB_VERSION,
    async createStorageInstance<RxDocType>(
      params: RxStorageInstanceCreationParams<RxDocType, RxStorageMemoryInstanceCreationOptions>,
    ): Promise<RxStorageInstanceMemoryLmdb<RxDocType>> {
      if (params.schema.attachments) {
        throw new Error(`collection ${params.collectionName}: attachments are not persisted by the memory-lmdb storage`);
      }
      const name = subDbName(prefix, params.databaseName, params.collectionName, params.schema.version);
      const store: DocumentStore<RxDocType> = env.openDB({ name });
      const memory = (await memoryStorage.createStorageInstance(params)) as RxStorageInstanceMemory<RxDocType>;
      // refCount 1: this instance created the state, so it is empty and must be filled from disk.
      if (memory.internals.refCount === 1) {
        try {
          await loadIntoMemory(store, memory);
        } catch (error) {
          await memory.close();
          onClosed(memory);
          throw error;
        }
      }
      return new RxStorageInstanceMemoryLmdb(memory, store, onClosed);
    },
  };
}
