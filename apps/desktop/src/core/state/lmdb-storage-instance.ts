/**
 * One RxDB storage instance (one collection at one schema version): RxDB's memory instance for reads, queries
 * and conflict checks, with every successful write carried through to an LMDB sub-db before `bulkWrite`
 * resolves. See lmdb-storage.ts for why we wrap the memory storage at all.
 */
import type { Database } from 'lmdb';
import type { Observable } from 'rxjs';
import type {
  BulkWriteRow,
  EventBulk,
  PreparedQuery,
  RxDocumentData,
  RxJsonSchema,
  RxStorageBulkWriteResponse,
  RxStorageChangeEvent,
  RxStorageCountResult,
  RxStorageDefaultCheckpoint,
  RxStorageInstance,
  RxStorageQueryResult,
  RxStorageWriteError,
} from 'rxdb';
import type {
  MemoryStorageInternals,
  RxStorageInstanceMemory,
  RxStorageMemoryInstanceCreationOptions,
} from 'rxdb/plugins/storage-memory';

/** Sub-db of one instance: primary key → the full stored document (`_rev`, `_meta`, `_deleted` included). */
export type DocumentStore<RxDocType> = Database<RxDocumentData<RxDocType>, string>;

/** The `context` of the bulkWrite that loads persisted documents into memory at open. */
export const LOAD_CONTEXT = 'cerebro-lmdb-load';

/**
 * Copies every document of `store` into a freshly created memory instance. An insert row (no `previous`)
 * stores the document object as given, so `_rev`, `_meta.lwt` and `_deleted` stay exactly as persisted and a
 * later update that names the old revision still matches; the memory storage builds its indexes from it.
 */
export async function loadIntoMemory<RxDocType>(
  store: DocumentStore<RxDocType>,
  memory: RxStorageInstanceMemory<RxDocType>,
): Promise<number> {
  const rows: BulkWriteRow<RxDocType>[] = [];
  for (const { key, value } of store.getRange()) {
    // Primary keys are strings; anything else would be lmdb-js bookkeeping, never one of our documents.
    if (typeof key === 'string') rows.push({ document: value });
  }
  if (rows.length === 0) return 0;
  const result = await memory.bulkWrite(rows, LOAD_CONTEXT);
  const first = result.error[0];
  if (first) {
    throw new Error(
      `couldn't load ${memory.databaseName}/${memory.collectionName} from LMDB: ${result.error.length} of ` +
        `${rows.length} documents rejected (first: id ${first.documentId}, status ${first.status})`,
    );
  }
  return rows.length;
}

export class RxStorageInstanceMemoryLmdb<RxDocType>
  implements
    RxStorageInstance<
      RxDocType,
      MemoryStorageInternals<RxDocType>,
      RxStorageMemoryInstanceCreationOptions,
      RxStorageDefaultCheckpoint
    >
{
  readonly databaseName: string;
  readonly collectionName: string;
  readonly schema: Readonly<RxJsonSchema<RxDocumentData<RxDocType>>>;
  readonly internals: Readonly<MemoryStorageInternals<RxDocType>>;
  readonly options: Readonly<RxStorageMemoryInstanceCreationOptions>;

  /** LMDB commits not yet resolved; close() and remove() wait for them so no write is cut off. */
  private readonly pending = new Set<Promise<unknown>>();
  /**
   * Set when an LMDB commit failed: memory is then ahead of disk, so every later write is refused rather than
   * acknowledged as durable. Reopening the database reloads the truth from disk.
   */
  private persistFailure: Error | undefined;
  private closed = false;

  constructor(
    private readonly memory: RxStorageInstanceMemory<RxDocType>,
    private readonly store: DocumentStore<RxDocType>,
    /** Called once the memory instance is closed or removed, so the storage can drop its in-RAM state. */
    private readonly onClosed: (memory: RxStorageInstanceMemory<RxDocType>) => void,
  ) {
    this.databaseName = memory.databaseName;
    this.collectionName = memory.collectionName;
    this.schema = memory.schema;
    this.internals = memory.internals;
    this.options = memory.options;
  }

  async bulkWrite(documentWrites: BulkWriteRow<RxDocType>[], context: string): Promise<RxStorageBulkWriteResponse<RxDocType>> {
    if (this.persistFailure) {
      throw new Error(`refusing to write ${this.collectionName}: an earlier LMDB commit failed`, { cause: this.persistFailure });
    }
    // Memory applies the write synchronously, and `.then` callbacks run in the order the writes were issued,
    // so LMDB receives the puts in the same order as memory.
    return this.memory.bulkWrite(documentWrites, context).then(async (response) => {
      await this.persist(documentWrites, response.error);
      return response;
    });
  }

  /**
   * Writes every row that RxDB accepted in one LMDB transaction. RxDB's errors (conflicts) carry the very row
   * objects that were passed in, so those rows stay out.
   */
  private persist(rows: BulkWriteRow<RxDocType>[], errors: RxStorageWriteError<RxDocType>[]): Promise<void> {
    const rejected = new Set<BulkWriteRow<RxDocType>>(errors.map((e) => e.writeRow));
    const accepted = rejected.size === 0 ? rows : rows.filter((row) => !rejected.has(row));
    if (accepted.length === 0) return Promise.resolve();
    const primaryPath = this.memory.primaryPath;
    // batch() runs the callback now (values are encoded now) and, with lmdb-js defaults (no `noSync`, no
    // `separateFlushed`), resolves once the transaction is committed and flushed to disk.
    const commit = this.store.batch(() => {
      for (const row of accepted) {
        this.store.put(row.document[primaryPath] as string, row.document);
      }
    });
    return this.track(commit, `couldn't persist ${accepted.length} ${this.collectionName} documents to LMDB`);
  }

  private track(commit: Promise<unknown>, what: string): Promise<void> {
    const tracked = commit.then(
      () => undefined,
      (cause: unknown) => {
        const error = new Error(what, { cause });
        this.persistFailure ??= error;
        throw error;
      },
    );
    this.pending.add(tracked);
    const forget = () => this.pending.delete(tracked);
    tracked.then(forget, forget);
    return tracked;
  }

  findDocumentsById(ids: string[], withDeleted: boolean): Promise<RxDocumentData<RxDocType>[]> {
    return this.memory.findDocumentsById(ids, withDeleted);
  }

  query(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageQueryResult<RxDocType>> {
    return this.memory.query(preparedQuery);
  }

  count(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageCountResult> {
    return this.memory.count(preparedQuery);
  }

  getAttachmentData(documentId: string, attachmentId: string, digest: string): Promise<Blob> {
    return this.memory.getAttachmentData(documentId, attachmentId, digest);
  }

  changeStream(): Observable<EventBulk<RxStorageChangeEvent<RxDocType>, RxStorageDefaultCheckpoint>> {
    return this.memory.changeStream() as Observable<EventBulk<RxStorageChangeEvent<RxDocType>, RxStorageDefaultCheckpoint>>;
  }

  /**
   * Purges tombstones older than `minimumDeletedTime` (milliseconds) from memory, then from LMDB. The memory
   * cleanup does its work before returning, so the purged ids are known (and their LMDB removes queued) before
   * any later write can reuse them.
   */
  async cleanup(minimumDeletedTime: number): Promise<boolean> {
    const documents = this.memory.internals.documents;
    const tombstones: string[] = [];
    for (const [id, doc] of documents) if (doc._deleted) tombstones.push(id);
    const done = this.memory.cleanup(minimumDeletedTime);
    const purged = tombstones.filter((id) => !documents.has(id));
    if (purged.length === 0) return done;
    const commit = this.store.batch(() => {
      for (const id of purged) this.store.remove(id);
    });
    await this.track(commit, `couldn't purge ${purged.length} ${this.collectionName} tombstones from LMDB`);
    return done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settle();
    await this.memory.close();
    this.onClosed(this.memory);
  }

  /** Deletes the collection's data: the memory state and the whole LMDB sub-db. */
  async remove(): Promise<void> {
    await this.settle();
    this.closed = true;
    await this.memory.remove();
    this.onClosed(this.memory);
    await this.store.drop();
  }

  /** Waits for every LMDB commit issued so far; their failures were already reported to their writers. */
  private async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
