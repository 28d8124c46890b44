/**
 * The console's log store: every record of every accepted batch, mined to a template, counted per
 * (host, template, minute), checked by the log alert rules, and written to its own LMDB environment
 * ($CEREBRO_HOME/logs: its size cap is independent of the telemetry map).
 *
 * Durability: ingest acks a batch once both its WAL entry and this store's transaction are committed.
 * Each transaction also stores `appliedPos`, the WAL position of its batch. At start the console replays
 * the WAL through `replay`: entries at or below the saved miner position are skipped, entries up to
 * appliedPos only re-teach the miner (their records and counts are stored already), later ones are
 * applied in full. Chunk keys contain the WAL position (records.ts), so even a repeated apply overwrites
 * instead of doubling. The WAL is not trimmed past `minWalPosNeeded()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { TemplateMiner, type MinerState } from '@cerebro/shared/analytics/logs/miner';
import type { LogLine, LogSearchView, LogStoreStatsView, LogTemplatesView } from '@cerebro/shared/api/contract';
import type { LogRecord, TelemetryBatch } from '@cerebro/shared/protocol/messages';
import type { AlertEvent } from '../alerts/scorer';
import { LogAlertRules, type SavedRules } from './log-rules';
import { logOptions, type LogStoreOptions } from './options';
import { addToChunk, CHUNK_MS, chunkSlot, cursorOf, emptyChunk, worstLevel, type ChunkKey, type StoredChunk } from './records';
import { searchLogs, type LogQuery } from './search';
import { MINUTE_MS, TemplateCounts, type Bucket, type MetaKey } from './template-counts';
import { templatesView } from './templates-view';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** What is persisted with every transaction. */
interface StoreState {
  appliedPos: number;
  minerPos: number;
  records: number;
  bytes: number;
  evictedRecords: number;
  evictedBytes: number;
}

/** Longest prefix of a record mined: the first line (a stack trace's frames would make every trace its own template). */
const MINE_CHARS = 2000;
/** Most records evicted per retention pass (whole chunks; the next pass continues), so one pass never stalls ingest. */
const EVICT_PER_PASS = 200_000;
/**
 * Most main-thread time one event-loop turn spends applying queued batches, ms (one batch is always
 * applied, so a batch of 1,000 lines, ~5–10 ms, may exceed it). Between slices the loop serves the API.
 */
const SLICE_MS = 8;

/** A batch whose records are mined and put, waiting for its commit. */
interface Staged {
  readonly hostId: string;
  readonly pos: number;
  readonly logs: readonly LogRecord[];
  readonly templateIds: readonly string[];
}

/** A batch accepted by ingest whose log work waits for its turn (see `ingest`). */
interface Queued {
  readonly hostId: string;
  readonly batch: TelemetryBatch;
  readonly pos: number;
  readonly done: (error?: unknown) => void;
}

export type LogListener = (hostId: string, lines: readonly LogLine[]) => void;

export interface LogServiceDeps {
  readonly home: string;
  readonly log: Log;
  /** Log alert events (open / resolve), as the metric scorer's go to the alert store. */
  readonly onAlert: (e: AlertEvent) => void;
}

export class LogService {
  private readonly listeners = new Set<{ readonly listener: LogListener; readonly wanted: () => boolean }>();
  private lastPos = 0;
  private minerDirty = false;
  private writeFailures = 0;
  private readonly queue: Queued[] = [];
  private queueHead = 0;
  private drainScheduled: NodeJS.Immediate | null = null;

  private constructor(
    readonly options: LogStoreOptions,
    private readonly env: RootDatabase,
    private readonly chunks: Database<StoredChunk, ChunkKey>,
    private readonly meta: Database<unknown, MetaKey>,
    private readonly state: StoreState,
    private readonly miner: TemplateMiner,
    readonly counts: TemplateCounts,
    readonly rules: LogAlertRules,
    private readonly log: Log,
  ) {
    this.lastPos = state.minerPos;
  }

  static open(deps: LogServiceDeps, partial: Partial<LogStoreOptions> = {}): LogService {
    const options = logOptions(partial);
    const dir = path.join(deps.home, 'logs');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Its own environment (lmdb grows the map as needed): the log cap must not eat the telemetry map.
    const env = open({ path: dir, maxDbs: 4 });
    const chunks = env.openDB<StoredChunk, ChunkKey>({ name: 'chunks' });
    const meta = env.openDB<unknown, MetaKey>({ name: 'meta' });
    const state: StoreState = { appliedPos: 0, minerPos: 0, records: 0, bytes: 0, evictedRecords: 0, evictedBytes: 0, ...(meta.get('state') as Partial<StoreState> | undefined) };
    const miner = restoreMiner(meta.get('miner'), deps.log);
    const counts = new TemplateCounts((h, minute) => meta.get(['m', h, minute]) as Bucket | undefined);
    // Host states, host × template and template metadata; not the minute maps between them (read on demand).
    for (const [start, end] of [[['h'], ['ha']], [['ht'], ['hu']], [['t'], ['u']]] as const) counts.load(meta.getRange({ start: [...start], end: [...end] }) as Iterable<{ key: MetaKey; value: unknown }>);
    const templateOf = (tid: string): { text: string; level: ReturnType<typeof worstLevel> } => {
      const m = counts.meta.get(tid);
      return { text: m?.text ?? miner.get(tid)?.text ?? '', level: worstLevel(m?.levels ?? 0) };
    };
    const rules = new LogAlertRules(deps.onAlert, options, templateOf);
    const saved = meta.get('rules') as SavedRules | undefined;
    if (saved) {
      const dropped = rules.restore(saved);
      if (dropped > 0) deps.log('warn', `logs: ${dropped} saved log-rate detector states could not be used; those templates warm up again`);
    }
    return new LogService(options, env, chunks, meta, state, miner, counts, rules, deps.log);
  }

  /**
   * Follow every stored record (the API's live `logs` topic); returns the unsubscribe. `wanted` says
   * whether anyone follows now: the lines are only built when some listener wants them (every stored line
   * would otherwise become an object, ~25 % of the mixed ingest profile's GC with no client following).
   */
  onLines(listener: LogListener, wanted: () => boolean = () => true): () => void {
    const entry = { listener, wanted };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  private anyListenerWants(): boolean {
    for (const l of this.listeners) if (l.wanted()) return true;
    return false;
  }

  /**
   * Takes one accepted batch (WAL position `pos`): returns the commit of its records, or null when it
   * has none and nothing waits before it. The work (mining, counting, alert rules, the write) is queued
   * and done in slices of at most SLICE_MS per event-loop turn, in arrival order: the WebSocket receiver
   * hands over every frame a socket read holds (up to ~20 batches of 1,000 lines) in one turn, and doing
   * their log work there kept the API waiting for seconds under a log flood.
   */
  ingest(hostId: string, batch: TelemetryBatch, pos: number): Promise<void> | null {
    const hasLogs = (batch.logs?.length ?? 0) > 0;
    if (!hasLogs && this.queue.length === this.queueHead) {
      this.lastPos = Math.max(this.lastPos, pos);
      return null;
    }
    // A batch without logs still queues behind others: lastPos (what `save` lets the WAL forget) must not pass a batch not yet applied.
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ hostId, batch, pos, done: (e) => (e === undefined ? resolve() : reject(e as Error)) });
      this.scheduleDrain();
    });
  }

  /** Batches whose log work is still queued. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Re-applies a WAL entry at start (see the file comment); no alerts, no live events. */
  replay(hostId: string, batch: TelemetryBatch, pos: number): Promise<void> | null {
    if (pos <= this.state.minerPos) return null;
    if (pos > this.state.appliedPos) {
      const staged = this.apply(hostId, batch, pos, false);
      return staged ? this.settle(this.commitWrites(), [{ staged, done: () => undefined }], false) : null;
    }
    for (const r of batch.logs ?? []) this.mine(r.msg);
    this.lastPos = Math.max(this.lastPos, pos);
    this.minerDirty = true;
    return null;
  }

  /**
   * Closes the minutes of hosts that stopped sending logs (their newest minute would otherwise never
   * close): rate detectors get their zeros and quiet new-template alerts resolve. Called every maintenance.
   */
  tick(nowMs = Date.now()): void {
    const current = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
    for (const [hostId, h] of this.counts.hosts) {
      if (h.minute >= current) continue;
      this.rules.closeMinutes(hostId, h.minute, current, (m) => this.counts.bucket(hostId, m));
      h.minute = current;
    }
  }

  /** The oldest WAL position this store may still need at a restart. */
  minWalPosNeeded(): number {
    return this.state.minerPos + 1;
  }

  search(q: LogQuery): LogSearchView {
    return searchLogs(this.chunks, [...this.counts.hosts.keys()], q, this.options.maxScan);
  }

  templates(hostId: string | undefined, from: number, to: number): LogTemplatesView {
    const hosts = hostId !== undefined ? [hostId] : [...this.counts.hosts.keys()];
    return templatesView(this.meta, this.counts, hosts, from, to);
  }

  stats(): LogStoreStatsView {
    const s = this.state;
    return { records: s.records, bytes: s.bytes, maxBytes: this.options.maxBytes, retentionDays: this.options.retentionDays, evictedRecords: s.evictedRecords, evictedBytes: s.evictedBytes, templates: this.miner.size, writeFailures: this.writeFailures };
  }

  /** Saves the miner and the rate detectors (maintenance and stop); afterwards the WAL before lastPos is no longer needed. */
  async save(): Promise<void> {
    const minerState = this.minerDirty ? this.miner.serialize() : null;
    const rules = this.rules.saved();
    this.minerDirty = false;
    // Set before the commit so that every later snapshot carries it; the WAL is trimmed only after this resolves.
    this.state.minerPos = Math.max(this.state.minerPos, this.lastPos);
    const snapshot = { ...this.state };
    // All or nothing even if a put throws (a child transaction; see the telemetry store's block-db.ts, atomic).
    await this.env.childTransaction(() => {
      if (minerState) void this.meta.put('miner', minerState);
      void this.meta.put('rules', rules);
      void this.meta.put('state', snapshot);
    });
  }

  /**
   * Evicts records older than the retention period, then the oldest ones while the store is over its
   * size cap (down to 95 % of it, so that eviction does not run on every pass). Returns what it evicted.
   */
  async enforceRetention(nowMs = Date.now()): Promise<{ records: number; bytes: number }> {
    const cutoff = nowMs - this.options.retentionDays * 86_400_000;
    // Whole chunks only: those whose second ends by the cutoff (the rest of that second goes next pass).
    const ageEnd = chunkSlot(cutoff) - CHUNK_MS + 1;
    const doomed: ChunkKey[] = [];
    const evicted = { records: 0, bytes: 0 };
    const hosts = [...this.counts.hosts.keys()];
    for (const h of hosts) {
      for (const { key, value } of this.chunks.getRange({ start: [h], end: [h, ageEnd] as unknown as ChunkKey })) {
        if (evicted.records >= EVICT_PER_PASS) break;
        doomed.push(key);
        evicted.records += value.ts.length;
        evicted.bytes += value.b;
      }
    }
    const target = this.options.maxBytes * 0.95;
    if (this.state.bytes - evicted.bytes > this.options.maxBytes) this.oldestBeyondCap(hosts, ageEnd, this.state.bytes - evicted.bytes - target, doomed, evicted);
    const buckets: MetaKey[] = [];
    for (const h of hosts) for (const key of this.meta.getKeys({ start: ['m', h], end: ['m', h, cutoff] })) buckets.push(key);
    if (doomed.length === 0 && buckets.length === 0) return { records: 0, bytes: 0 };
    const { records, bytes } = evicted;
    this.state.records = Math.max(0, this.state.records - records);
    this.state.bytes = Math.max(0, this.state.bytes - bytes);
    this.state.evictedRecords += records;
    this.state.evictedBytes += bytes;
    this.counts.forgetBefore(cutoff);
    // One event turn of plain puts and removes is one LMDB transaction (see commitWrites).
    for (const k of doomed) void this.chunks.remove(k);
    for (const k of buckets) void this.meta.remove(k);
    await this.meta.put('state', { ...this.state });
    if (records > 0) this.log('info', `logs: retention evicted ${records} records (${bytes} bytes; ${this.state.bytes} bytes kept, cap ${this.options.maxBytes}, ${this.options.retentionDays} days)`);
    return { records, bytes };
  }

  async close(): Promise<void> {
    if (this.drainScheduled) clearImmediate(this.drainScheduled);
    this.drainScheduled = null;
    await this.drain(Infinity);
    await this.save();
    await this.env.close();
  }

  private scheduleDrain(): void {
    this.drainScheduled ??= setImmediate(() => {
      this.drainScheduled = null;
      void this.drain(SLICE_MS);
    });
  }

  /**
   * Applies queued batches for up to `budgetMs` (at least one), then writes the counts and the state once
   * for all of them; reschedules itself while some are left.
   */
  private drain(budgetMs: number): Promise<unknown> {
    const until = performance.now() + budgetMs;
    const applied: Array<{ staged: Staged | null; done: Queued['done'] }> = [];
    while (this.queueHead < this.queue.length) {
      const q = this.queue[this.queueHead] as Queued;
      this.queue[this.queueHead++] = undefined as unknown as Queued;
      try {
        applied.push({ staged: this.apply(q.hostId, q.batch, q.pos, true), done: q.done });
      } catch (e) {
        q.done(e ?? new Error('log apply failed'));
      }
      if (performance.now() >= until) break;
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.queue.length > this.queueHead) this.scheduleDrain();
    if (applied.every((a) => a.staged === null)) {
      for (const a of applied) a.done();
      return Promise.resolve();
    }
    return this.settle(this.commitWrites(), applied, true).catch(() => undefined);
  }

  /**
   * Puts the counts changed since the last call and the store's state. Issued in the same event turn as
   * the records' puts, so lmdb commits them in one transaction (eventTurnBatching; nothing in this
   * environment uses transactionSync, which could split it): plain async puts rather than a transaction
   * callback, whose work lmdb runs on the main thread together with every other queued callback.
   */
  private commitWrites(): Promise<boolean> {
    for (const [k, v] of this.counts.takeWrites()) void this.meta.put(k, v);
    return this.meta.put('state', { ...this.state });
  }

  /** After the commit: live listeners, then each batch's promise; a failure fails each batch. */
  private settle(commit: Promise<unknown>, applied: ReadonlyArray<{ staged: Staged | null; done: Queued['done'] }>, live: boolean): Promise<void> {
    return commit.then(
      () => {
        for (const { staged, done } of applied) {
          if (staged && live && this.anyListenerWants()) this.publish(staged);
          done();
        }
      },
      (e: unknown) => {
        for (const { staged, done } of applied) {
          if (!staged) {
            done();
            continue;
          }
          this.writeFailures++;
          this.log('error', `logs: cannot store ${staged.logs.length} records of ${staged.hostId} (WAL position ${staged.pos}): ${(e as Error).message}; they are replayed from the WAL at the next start`);
          done(e ?? new Error('log write failed'));
        }
        throw e;
      },
    );
  }

  /** Mines, counts and checks one batch and puts its chunks; the counts and state follow in commitWrites. */
  private apply(hostId: string, batch: TelemetryBatch, pos: number, live: boolean): Staged | null {
    this.lastPos = Math.max(this.lastPos, pos);
    const logs = batch.logs;
    if (!logs || logs.length === 0) return null;
    this.minerDirty = true;
    const templateIds: string[] = new Array(logs.length);
    // Usually one or two seconds per batch: one chunk each.
    const chunks = new Map<number, StoredChunk>();
    for (let i = 0; i < logs.length; i++) {
      const r = logs[i]!;
      const t = this.mine(r.msg);
      templateIds[i] = t.id;
      const outcome = this.counts.record(hostId, t.id, t.text, r.level, r.ts);
      if (live) {
        if (outcome.closed) this.rules.closeMinutes(hostId, outcome.closed[0], outcome.closed[1], (m) => this.counts.bucket(hostId, m));
        const first = this.counts.hosts.get(hostId)?.firstTs ?? r.ts;
        this.rules.onRecord(hostId, t.id, r.level, r.ts, r.src, r.msg, outcome.newForHost, first, r.unit, r.pid);
      }
      const slot = chunkSlot(r.ts);
      let c = chunks.get(slot);
      if (!c) chunks.set(slot, (c = emptyChunk(hostId)));
      addToChunk(c, i, r, t.id);
    }
    let bytes = 0;
    for (const c of chunks.values()) bytes += c.b;
    const s = this.state;
    s.appliedPos = Math.max(s.appliedPos, pos);
    s.records += logs.length;
    s.bytes += bytes;
    for (const [slot, c] of chunks) void this.chunks.put([hostId, slot, pos], c);
    return { hostId, pos, logs, templateIds };
  }

  private mine(msg: string): { id: string; text: string } {
    const nl = msg.indexOf('\n');
    const head = nl >= 0 ? msg.slice(0, nl) : msg;
    return this.miner.add(head.length > MINE_CHARS ? head.slice(0, MINE_CHARS) : head);
  }

  private publish({ hostId, logs, templateIds, pos }: Staged): void {
    const lines = logs.map((r, i): LogLine => {
      const line: { -readonly [K in keyof LogLine]: LogLine[K] } = { id: cursorOf(r.ts, pos, i), ts: r.ts, hostId, src: r.src, level: r.level, msg: r.msg, templateId: templateIds[i] as string };
      if (r.unit !== undefined) line.unit = r.unit;
      if (r.pid !== undefined) line.pid = r.pid;
      return line;
    });
    for (const { listener, wanted } of this.listeners) {
      if (!wanted()) continue;
      try {
        listener(hostId, lines);
      } catch (e) {
        this.log('warn', `logs: a live listener failed: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Adds the oldest chunks from `ageEnd` on, over every host (by second), until `excess` bytes are
   * found; adds their records and bytes to `evicted`.
   */
  private oldestBeyondCap(hosts: readonly string[], ageEnd: number, excess: number, doomed: ChunkKey[], evicted: { records: number; bytes: number }): void {
    const its = hosts.map((h) => this.chunks.getRange({ start: [h, ageEnd] as unknown as ChunkKey, end: [h, Number.MAX_SAFE_INTEGER] as unknown as ChunkKey })[Symbol.iterator]());
    const heads = its.map((it) => it.next());
    let bytes = 0;
    while (bytes < excess && evicted.records < EVICT_PER_PASS) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i]!;
        if (!h.done && (best < 0 || h.value.key[1] < (heads[best]!.value as { key: ChunkKey }).key[1])) best = i;
      }
      if (best < 0) break;
      const { key, value } = heads[best]!.value as { key: ChunkKey; value: StoredChunk };
      doomed.push(key);
      bytes += value.b;
      evicted.records += value.ts.length;
      evicted.bytes += value.b;
      heads[best] = its[best]!.next();
    }
  }
}

function restoreMiner(saved: unknown, log: Log): TemplateMiner {
  if (saved === undefined) return new TemplateMiner();
  try {
    return TemplateMiner.restore(saved as MinerState);
  } catch (e) {
    log('warn', `logs: the saved template miner could not be restored (${(e as Error).message}); templates are learnt again (ids of known templates stay the same)`);
    return new TemplateMiner();
  }
}

export { MINUTE_MS };
