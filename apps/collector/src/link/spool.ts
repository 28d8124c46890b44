/**
 * The bounded on-disk spool of encoded batches not yet acked by the console.
 *
 * Every batch is appended here before it is sent, so a collector restart or a console outage loses
 * nothing until the disk bound is reached; then whole oldest segments are dropped, and the drop is
 * counted (batches, samples, bytes) in counters that persist and travel to the console in every batch.
 *
 * Layout of the spool directory:
 *   state.json         { epoch, nextSeq, dropped counters, acks of segments still on disk }  (written atomically by rename)
 *   seg-<seq>.log      records: [u32 length][u32 crc32][u32 seq][u32 samples][frame bytes], or with bit 31 of
 *                      length set: [.. samples][u32 log records][frame bytes] (so drops count log records too;
 *                      spools written before log shipping still read)
 * A torn record at the tail of a segment (a crash mid-write) is cut off at open.
 *
 * Hand-written rather than a queue library: the spool must sit in the one bundled collector file
 * without native modules, and needs exact drop accounting, which generic queues do not report.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { SpoolStats } from '@cerebro/shared/protocol/messages';

const HEADER = 16;
/** Bit 31 of the length word: the header has a fifth word, the batch's log record count. Frames are far below 2 GiB. */
const WITH_LOGS = 0x8000_0000;
const LOGS_WORD = 4;
/** How often acks are written to state.json at most, ms. */
const ACK_SAVE_EVERY_MS = 15_000;
/** Most dropped-but-maybe-in-flight batches remembered (only the newest few can still be acked). */
const MAX_DROPPED_REMEMBERED = 4096;

interface Entry {
  readonly seq: number;
  readonly offset: number;
  readonly length: number;
  readonly samples: number;
  /** Log records in the batch. */
  readonly logs: number;
  /** Header bytes before the frame. */
  readonly header: number;
  /** Acked (or rejected): no longer pending, removed with its segment. */
  done: boolean;
}

interface Segment {
  readonly file: string;
  readonly firstSeq: number;
  entries: Entry[];
  bytes: number;
  fd: number | null;
}

interface SpoolState {
  epoch: string;
  nextSeq: number;
  droppedBatches: number;
  droppedSamples: number;
  droppedBytes: number;
  droppedLogs: number;
  /** Batches the console rejected as invalid (a collector bug); dropped so they cannot block the stream. */
  rejectedBatches: number;
  /**
   * Acks of batches whose segment is still on disk (a segment is deleted only once it is full and all done),
   * so a restart does not resend them: every spooled seq ≤ ackedThrough is done, and so is each seq in
   * ackedAbove (acks that came out of order).
   */
  ackedThrough: number;
  ackedAbove: number[];
}

export interface SpoolOptions {
  readonly dir: string;
  /** Disk bound for all segments, bytes. */
  readonly maxBytes: number;
  /** A segment is closed after this many bytes. */
  readonly segmentBytes?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface SpooledBatch {
  readonly seq: number;
  readonly frame: Uint8Array;
}

export class Spool {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly log: NonNullable<SpoolOptions['log']>;
  private state: SpoolState;
  /** Batches dropped by the bound before their ack came (seq → what they held); see rememberDropped. */
  private readonly droppedUnacked = new Map<number, { samples: number; logs: number; bytes: number }>();
  private segments: Segment[] = [];
  /** Acks not yet written to state.json, and when it was last written (ms). */
  private acksDirty = false;
  private savedAtMs = 0;
  private pendingBytes = 0;
  private pendingBatches = 0;

  private constructor(options: SpoolOptions, state: SpoolState) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(options.maxBytes / 16)));
    this.log = options.log ?? (() => undefined);
    this.state = state;
  }

  static open(options: SpoolOptions): Spool {
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const statePath = path.join(options.dir, 'state.json');
    let state: SpoolState;
    try {
      state = parseState(fs.readFileSync(statePath, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        options.log?.('warn', `spool state ${statePath} is unreadable (${(e as Error).message}); starting a new epoch`);
      }
      state = { epoch: randomBytes(12).toString('base64url'), nextSeq: 1, droppedBatches: 0, droppedSamples: 0, droppedBytes: 0, droppedLogs: 0, rejectedBatches: 0, ackedThrough: 0, ackedAbove: [] };
    }
    const spool = new Spool(options, state);
    spool.loadSegments();
    spool.saveState();
    return spool;
  }

  get epoch(): string {
    return this.state.epoch;
  }

  /** The seq the next appended batch gets. */
  get nextSeq(): number {
    return this.state.nextSeq;
  }

  /** Oldest seq still held (= nextSeq when empty). */
  get oldestSeq(): number {
    for (const seg of this.segments) {
      for (const e of seg.entries) if (!e.done) return e.seq;
    }
    return this.state.nextSeq;
  }

  stats(): SpoolStats {
    return {
      pendingBatches: this.pendingBatches,
      pendingBytes: this.pendingBytes,
      droppedBatches: this.state.droppedBatches,
      droppedSamples: this.state.droppedSamples,
      droppedBytes: this.state.droppedBytes,
      droppedLogs: this.state.droppedLogs,
    };
  }

  get rejectedBatches(): number {
    return this.state.rejectedBatches;
  }

  /** Reserve the next seq (the caller encodes the batch with it, then appends). */
  takeSeq(): number {
    const seq = this.state.nextSeq;
    this.state.nextSeq = seq + 1;
    return seq;
  }

  /** Append an encoded batch (holding `logs` log records); drops the oldest segments first if the disk bound would be exceeded. */
  append(seq: number, frame: Uint8Array, samples: number, logs = 0): void {
    const headerBytes = logs > 0 ? HEADER + LOGS_WORD : HEADER;
    const recordBytes = headerBytes + frame.byteLength;
    let seg = this.segments.at(-1);
    if (!seg || seg.bytes + recordBytes > this.segmentBytes) seg = this.newSegment(seq);
    const header = Buffer.allocUnsafe(headerBytes);
    header.writeUInt32LE(logs > 0 ? (frame.byteLength | WITH_LOGS) >>> 0 : frame.byteLength, 0);
    header.writeUInt32LE(crc32(frame), 4);
    header.writeUInt32LE(seq, 8);
    header.writeUInt32LE(samples, 12);
    if (logs > 0) header.writeUInt32LE(logs, HEADER);
    const fd = seg.fd ?? fs.openSync(seg.file, 'a');
    seg.fd = fd;
    fs.writevSync(fd, [header, frame]);
    seg.entries.push({ seq, offset: seg.bytes + headerBytes, length: frame.byteLength, samples, logs, header: headerBytes, done: false });
    seg.bytes += recordBytes;
    this.pendingBatches++;
    this.pendingBytes += recordBytes;
    this.enforceBound();
    if (this.acksDirty && Date.now() - this.savedAtMs >= ACK_SAVE_EVERY_MS) this.saveState();
  }

  /** The batch `seq` is durable on the console. */
  ack(seq: number): void {
    this.undropIfAcked(seq);
    // Segments and entries are in seq order, and acks mostly come for the oldest: a scan from the front is short.
    let changed = false;
    for (const seg of this.segments) {
      const last = seg.entries.at(-1);
      if (!last || last.seq < seq) continue;
      for (const e of seg.entries) if (e.seq === seq) changed = this.markDone(e) || changed;
      break;
    }
    this.removeDoneSegments();
    if (changed) this.saveAcksSoon();
  }

  /** Every seq ≤ upTo is durable on the console (from welcome.durableSeq). */
  ackUpTo(upTo: number): void {
    // Not an ack of what it covers: a welcome's durableSeq also passes over the seqs the spool dropped (the
    // console stops waiting for them). It starts a new session, so no ack of a dropped batch can follow.
    this.droppedUnacked.clear();
    let changed = false;
    for (const seg of this.segments) {
      for (const e of seg.entries) if (e.seq <= upTo) changed = this.markDone(e) || changed;
    }
    this.removeDoneSegments();
    if (changed) this.saveAcksSoon();
  }

  /**
   * Acks are saved at most every ACK_SAVE_EVERY_MS (and at close): a lost ack only makes the collector resend a batch
   * after a restart, which the console drops as a duplicate, while saving on every ack would rewrite
   * state.json (and rescan the spool) for each of thousands of acks when a long spool is replayed.
   */
  private saveAcksSoon(): void {
    this.acksDirty = true;
    if (Date.now() - this.savedAtMs >= ACK_SAVE_EVERY_MS) this.saveState();
  }

  /** The console rejected `seq` as invalid: drop it so it cannot block the stream, and count it. */
  reject(seq: number): void {
    this.state.rejectedBatches++;
    this.ack(seq);
    this.saveState();
  }

  /** The oldest pending batch with seq > afterSeq, read from disk; null when there is none. */
  nextAfter(afterSeq: number): SpooledBatch | null {
    // Binary search for the first segment that can hold seq > afterSeq: replaying a spool of a day's
    // batches must not rescan it from the start for every frame sent.
    let lo = 0;
    let hi = this.segments.length - 1;
    let start = this.segments.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const last = (this.segments[mid] as Segment).entries.at(-1);
      if (last && last.seq > afterSeq) {
        start = mid;
        hi = mid - 1;
      } else {
        lo = mid + 1;
      }
    }
    for (let i = start; i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      for (const e of seg.entries) {
        if (e.seq <= afterSeq || e.done) continue;
        const frame = this.read(seg, e);
        if (frame) return { seq: e.seq, frame };
      }
    }
    return null;
  }

  close(): void {
    for (const seg of this.segments) this.closeFd(seg);
    this.saveState();
  }

  private read(seg: Segment, e: Entry): Uint8Array | null {
    const buf = Buffer.allocUnsafe(e.length);
    let fd: number;
    try {
      fd = fs.openSync(seg.file, 'r');
    } catch {
      return null; // the segment was dropped by the bound since the generator started
    }
    try {
      fs.readSync(fd, buf, 0, e.length, e.offset);
    } finally {
      fs.closeSync(fd);
    }
    return buf;
  }

  private newSegment(firstSeq: number): Segment {
    const last = this.segments.at(-1);
    if (last) this.closeFd(last);
    const seg: Segment = { file: path.join(this.dir, `seg-${String(firstSeq).padStart(12, '0')}.log`), firstSeq, entries: [], bytes: 0, fd: null };
    this.segments.push(seg);
    return seg;
  }

  private closeFd(seg: Segment): void {
    if (seg.fd !== null) {
      fs.closeSync(seg.fd);
      seg.fd = null;
    }
  }

  private enforceBound(): void {
    while (this.totalBytes() > this.maxBytes && this.segments.length > 1) {
      const seg = this.segments.shift() as Segment;
      let batches = 0;
      let samples = 0;
      let bytes = 0;
      let logs = 0;
      for (const e of seg.entries) {
        if (e.done) continue;
        batches++;
        samples += e.samples;
        logs += e.logs;
        bytes += e.length + e.header;
        this.rememberDropped(e);
      }
      this.closeFd(seg);
      fs.rmSync(seg.file, { force: true });
      this.pendingBatches -= batches;
      this.pendingBytes -= bytes;
      this.state.droppedBatches += batches;
      this.state.droppedSamples += samples;
      this.state.droppedBytes += bytes;
      this.state.droppedLogs += logs;
      this.log('warn', `spool reached its bound of ${this.maxBytes} bytes: dropped ${batches} unacked batches (${samples} samples${logs > 0 ? `, ${logs} log records` : ''}), oldest first; ${this.state.droppedBatches} dropped in all`);
      this.saveState();
    }
  }

  /**
   * A dropped batch may already be on its way (sent, not yet acked): the link drains the oldest segment,
   * which is also the one the bound drops. If its ack comes after all, the console has it: take it out
   * of the drop counters, so they count exactly the batches the console will never get.
   */
  private rememberDropped(e: Entry): void {
    if (this.droppedUnacked.size >= MAX_DROPPED_REMEMBERED) this.droppedUnacked.delete(this.droppedUnacked.keys().next().value as number);
    this.droppedUnacked.set(e.seq, { samples: e.samples, logs: e.logs, bytes: e.length + e.header });
  }

  private undropIfAcked(seq: number): void {
    const d = this.droppedUnacked.get(seq);
    if (!d) return;
    this.droppedUnacked.delete(seq);
    this.state.droppedBatches = Math.max(0, this.state.droppedBatches - 1);
    this.state.droppedSamples = Math.max(0, this.state.droppedSamples - d.samples);
    this.state.droppedLogs = Math.max(0, this.state.droppedLogs - d.logs);
    this.state.droppedBytes = Math.max(0, this.state.droppedBytes - d.bytes);
    this.acksDirty = true;
  }

  private totalBytes(): number {
    let n = 0;
    for (const seg of this.segments) n += seg.bytes;
    return n;
  }

  private markDone(e: Entry): boolean {
    if (e.done) return false;
    e.done = true;
    this.pendingBatches--;
    this.pendingBytes -= e.length + e.header;
    return true;
  }

  /** Delete segments whose every batch is done, from the front; the open (last, not full) segment stays. */
  private removeDoneSegments(): void {
    let removed = false;
    while (this.segments.length > 0) {
      const seg = this.segments[0] as Segment;
      if (!seg.entries.every((e) => e.done)) break;
      if (seg === this.segments.at(-1) && seg.bytes < this.segmentBytes) break;
      this.segments.shift();
      this.closeFd(seg);
      fs.rmSync(seg.file, { force: true });
      removed = true;
    }
    // Once a segment file is gone, only state.json remembers that its seqs were used: save nextSeq now,
    // or a restart could hand out seqs the console already holds (and would drop as duplicates).
    if (removed) this.saveState();
  }

  private loadSegments(): void {
    const ackedAbove = new Set(this.state.ackedAbove);
    const files = fs.readdirSync(this.dir).filter((f) => /^seg-\d+\.log$/.test(f)).sort();
    for (const name of files) {
      const file = path.join(this.dir, name);
      const data = fs.readFileSync(file);
      const seg: Segment = { file, firstSeq: Number(name.slice(4, -4)), entries: [], bytes: 0, fd: null };
      let off = 0;
      while (off + HEADER <= data.length) {
        const word = data.readUInt32LE(off);
        const length = (word & ~WITH_LOGS) >>> 0;
        const header = word & WITH_LOGS ? HEADER + LOGS_WORD : HEADER;
        const crc = data.readUInt32LE(off + 4);
        const seq = data.readUInt32LE(off + 8);
        const samples = data.readUInt32LE(off + 12);
        if (off + header + length > data.length || crc32(data.subarray(off + header, off + header + length)) !== crc) break;
        const logs = header > HEADER ? data.readUInt32LE(off + HEADER) : 0;
        const done = seq <= this.state.ackedThrough || ackedAbove.has(seq);
        seg.entries.push({ seq, offset: off + header, length, samples, logs, header, done });
        if (!done) {
          this.pendingBatches++;
          this.pendingBytes += header + length;
        }
        off += header + length;
      }
      if (off < data.length) {
        this.log('warn', `spool segment ${name} had a torn record at byte ${off} (a crash mid-write); cut it off`);
        fs.truncateSync(file, off);
      }
      seg.bytes = off;
      if (seg.entries.length === 0) {
        fs.rmSync(file, { force: true });
        continue;
      }
      this.segments.push(seg);
      const last = seg.entries.at(-1) as Entry;
      if (last.seq >= this.state.nextSeq) this.state.nextSeq = last.seq + 1;
    }
    this.removeDoneSegments();
  }

  private saveState(): void {
    this.acksDirty = false;
    this.savedAtMs = Date.now();
    // Record which batches of the segments still on disk are done (see SpoolState.ackedThrough).
    let through = 0;
    const above: number[] = [];
    let gap = false;
    for (const seg of this.segments) {
      for (const e of seg.entries) {
        if (!e.done) gap = true;
        else if (gap) above.push(e.seq);
        else through = e.seq;
      }
    }
    this.state.ackedThrough = through;
    this.state.ackedAbove = above;
    const file = path.join(this.dir, 'state.json');
    const tmp = file + '.tmp';
    fs.writeFileSync(tmp, JSON.stringify(this.state));
    fs.renameSync(tmp, file);
  }
}

function parseState(text: string): SpoolState {
  const o = JSON.parse(text) as Partial<SpoolState>;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
  if (typeof o.epoch !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(o.epoch)) throw new Error('missing or invalid epoch');
  return {
    epoch: o.epoch,
    nextSeq: Math.max(1, n(o.nextSeq)),
    droppedBatches: n(o.droppedBatches),
    droppedSamples: n(o.droppedSamples),
    droppedBytes: n(o.droppedBytes),
    droppedLogs: n(o.droppedLogs),
    rejectedBatches: n(o.rejectedBatches),
    ackedThrough: n(o.ackedThrough),
    ackedAbove: Array.isArray(o.ackedAbove) ? o.ackedAbove.filter((v) => n(v) > 0) : [],
  };
}
