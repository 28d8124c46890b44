/**
 * Per-host × template counts per minute and template metadata, kept in the logs environment's `meta`
 * sub-db beside the records (written in the same transaction as the batch's records, so they replay
 * exactly as the records do).
 *
 * Why not TSDB series (`log.template.count{template=…}`): those would count against each host's series
 * limit, show up among its metrics, and be scored by the metric scorer on every batch; most minutes of
 * most templates are zero, and a sparse map per (host, minute) stores only the non-zero counts in one
 * value that one range scan reads for a whole sparkline.
 *
 * Keys: ['t', tid] → TemplateMeta; ['ht', host, tid] → HostTemplate; ['h', host] → HostLogState;
 * ['m', host, minuteMs] → { [tid]: count }.
 */
import type { LogLevel } from '@cerebro/shared/protocol/messages';
import { levelBit } from './records';

export const MINUTE_MS = 60_000;
/** Minutes kept in memory behind a host's newest one (late records within it are counted without a read). */
const RECENT_MINUTES = 10;

export interface TemplateMeta {
  text: string;
  first: number;
  last: number;
  count: number;
  /** Bit set of levels seen (records.ts levelBit). */
  levels: number;
}

export interface HostTemplate {
  first: number;
  last: number;
  count: number;
  levels: number;
}

export interface HostLogState {
  /** Timestamp of the host's first log record: its learning period starts there. */
  firstTs: number;
  lastTs: number;
  /** Start of the newest minute with records, ms. */
  minute: number;
}

export type Bucket = Record<string, number>;
export type MetaKey = string | Array<string | number>;

export interface RecordOutcome {
  /** The template was never seen on this host before this record. */
  readonly newForHost: boolean;
  /** Minutes closed by this record (the host moved on to a newer minute): [first, end) starts, ms. */
  readonly closed: readonly [number, number] | null;
}

export class TemplateCounts {
  readonly meta = new Map<string, TemplateMeta>();
  readonly hostTemplates = new Map<string, Map<string, HostTemplate>>();
  readonly hosts = new Map<string, HostLogState>();
  private readonly recent = new Map<string, Map<number, Bucket>>();
  private readonly dirtyMeta = new Set<string>();
  private readonly dirtyHostTpl = new Map<string, Set<string>>();
  private readonly dirtyHosts = new Set<string>();
  private readonly dirtyBuckets = new Map<string, Set<number>>();

  /** `readBucket`: a persisted minute (for late records older than the in-memory window). */
  constructor(private readonly readBucket: (hostId: string, minute: number) => Bucket | undefined) {}

  /** Loads persisted metadata (not buckets: those are read on demand). */
  load(entries: Iterable<{ key: MetaKey; value: unknown }>): void {
    for (const { key, value } of entries) {
      if (!Array.isArray(key)) continue;
      if (key[0] === 't' && typeof key[1] === 'string') this.meta.set(key[1], value as TemplateMeta);
      else if (key[0] === 'ht' && typeof key[1] === 'string' && typeof key[2] === 'string') this.hostMap(key[1]).set(key[2], value as HostTemplate);
      else if (key[0] === 'h' && typeof key[1] === 'string') this.hosts.set(key[1], value as HostLogState);
    }
  }

  record(hostId: string, tid: string, text: string, level: LogLevel, ts: number): RecordOutcome {
    const bit = levelBit(level);
    const m = this.meta.get(tid);
    if (m) {
      m.text = text;
      if (ts > m.last) m.last = ts;
      if (ts < m.first) m.first = ts;
      m.count++;
      m.levels |= bit;
    } else {
      this.meta.set(tid, { text, first: ts, last: ts, count: 1, levels: bit });
    }
    this.dirtyMeta.add(tid);
    const hm = this.hostMap(hostId);
    const ht = hm.get(tid);
    if (ht) {
      if (ts > ht.last) ht.last = ts;
      ht.count++;
      ht.levels |= bit;
    } else {
      hm.set(tid, { first: ts, last: ts, count: 1, levels: bit });
    }
    let dirty = this.dirtyHostTpl.get(hostId);
    if (!dirty) this.dirtyHostTpl.set(hostId, (dirty = new Set()));
    dirty.add(tid);
    const closed = this.count(hostId, tid, ts);
    return { newForHost: ht === undefined, closed };
  }

  /** The counts of one minute of a host (in memory or persisted). */
  bucket(hostId: string, minute: number): Bucket | undefined {
    return this.recent.get(hostId)?.get(minute) ?? this.readBucket(hostId, minute);
  }

  /** Everything changed since the last call, as [key, value] copies (safe to write later). */
  takeWrites(): Array<[MetaKey, unknown]> {
    const out: Array<[MetaKey, unknown]> = [];
    for (const tid of this.dirtyMeta) out.push([['t', tid], { ...(this.meta.get(tid) as TemplateMeta) }]);
    for (const [host, tids] of this.dirtyHostTpl) {
      const hm = this.hostMap(host);
      for (const tid of tids) out.push([['ht', host, tid], { ...(hm.get(tid) as HostTemplate) }]);
    }
    for (const host of this.dirtyHosts) out.push([['h', host], { ...(this.hosts.get(host) as HostLogState) }]);
    for (const [host, minutes] of this.dirtyBuckets) {
      const r = this.recent.get(host);
      for (const minute of minutes) {
        const b = r?.get(minute);
        if (b) out.push([['m', host, minute], { ...b }]);
      }
    }
    this.dirtyMeta.clear();
    this.dirtyHostTpl.clear();
    this.dirtyHosts.clear();
    this.dirtyBuckets.clear();
    return out;
  }

  /** Forgets in-memory minutes before `cutoff` (retention deleted them on disk). */
  forgetBefore(cutoffMs: number): void {
    for (const r of this.recent.values()) for (const minute of r.keys()) if (minute < cutoffMs) r.delete(minute);
  }

  private hostMap(hostId: string): Map<string, HostTemplate> {
    let hm = this.hostTemplates.get(hostId);
    if (!hm) this.hostTemplates.set(hostId, (hm = new Map()));
    return hm;
  }

  private count(hostId: string, tid: string, ts: number): readonly [number, number] | null {
    const minute = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
    let closed: readonly [number, number] | null = null;
    let h = this.hosts.get(hostId);
    if (!h) {
      h = { firstTs: ts, lastTs: ts, minute };
      this.hosts.set(hostId, h);
    } else {
      if (minute > h.minute) {
        closed = [h.minute, minute];
        h.minute = minute;
      }
      if (ts > h.lastTs) h.lastTs = ts;
    }
    this.dirtyHosts.add(hostId);
    let r = this.recent.get(hostId);
    if (!r) this.recent.set(hostId, (r = new Map()));
    let b = r.get(minute);
    if (!b) {
      // A minute counted before (an earlier run, or evicted from memory) continues from its stored counts.
      b = { ...this.readBucket(hostId, minute) };
      r.set(minute, b);
    }
    b[tid] = (b[tid] ?? 0) + 1;
    let dm = this.dirtyBuckets.get(hostId);
    if (!dm) this.dirtyBuckets.set(hostId, (dm = new Set()));
    dm.add(minute);
    if (closed) for (const old of r.keys()) if (old < h.minute - RECENT_MINUTES * MINUTE_MS && !dm.has(old)) r.delete(old);
    return closed;
  }
}
