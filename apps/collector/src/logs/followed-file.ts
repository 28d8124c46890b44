/**
 * One followed file: a kept-open fd read in bounded chunks from where the previous read stopped, split
 * into lines. Bytes after the last newline wait (a line being written) until the newline comes or
 * `partialLineMs` passes. A line longer than MAX_LINE_BYTES is cut there and the rest of it skipped.
 * Invalid UTF-8 becomes U+FFFD and control bytes are replaced, so binary garbage cannot break anything.
 *
 * Offsets: `readPos` is the next byte to read; `consumed` is the end of the last line handed on (where a
 * restart resumes). `lastByte` is the byte just before `readPos`: every read starts one byte early and
 * checks it, which catches a file truncated and rewritten past our position between two polls (the
 * size alone cannot show that).
 */
import fs from 'node:fs';
import { MultilineJoiner, type JoinedRecord, type MultilineOptions } from './multiline';

/** Longest line kept, bytes (the record is cut to MAX_LOG_MESSAGE_CHARS later anyway). */
export const MAX_LINE_BYTES = 64 * 1024;
/** Bytes read per read() call; one buffer shared by all files (reads are synchronous). */
const CHUNK = 256 * 1024;
let shared: Buffer | null = null;

export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

export function identityKey(id: FileIdentity): string {
  return `${id.dev}:${id.ino}`;
}

export interface LineSink {
  (record: JoinedRecord, file: FollowedFile): void;
}

export class FollowedFile {
  readonly key: string;
  readonly src: string;
  readPos: number;
  private lastByte: number;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private partialSince = 0;
  private partialPrevByte = -1;
  /** Discarding the rest of an overlong line up to its newline. */
  private skipping = false;
  /** The path now names another file (or none): read what is left, then close. */
  draining = false;
  /** Last time a read returned data, ms. */
  lastDataAt: number;
  /** Records of this file handed on but not yet taken into a batch. */
  queued = 0;
  /** Offset up to which every line is in a batch (or deliberately dropped): what is saved. */
  done: number;
  /** The byte before `done`, saved with it. */
  doneLastByte: number;
  /** Bumped when the file restarts at 0: records of an older generation no longer move `done`. */
  generation = 0;
  private readonly joiner: MultilineJoiner;

  constructor(
    readonly path: string,
    readonly id: FileIdentity,
    private fd: number | null,
    start: { readonly offset: number; readonly lastByte: number },
    multiline: MultilineOptions,
    now: number,
  ) {
    this.key = identityKey(id);
    this.src = `file:${path}`;
    this.readPos = start.offset;
    this.lastByte = start.lastByte;
    this.done = start.offset;
    this.doneLastByte = start.lastByte;
    this.lastDataAt = now;
    this.joiner = new MultilineJoiner(multiline);
  }

  /** Offset of the end of the last line handed to the joiner (or skipped). */
  get consumed(): number {
    return this.readPos - this.partialBytes;
  }

  /** Nothing read is waiting in this file's buffers (partial line, joiner, queue): `done` may move to `consumed`. */
  get quiet(): boolean {
    return this.partialBytes === 0 && !this.joiner.busy && this.queued === 0;
  }

  get open(): boolean {
    return this.fd !== null;
  }

  /** The byte at `consumed` - 1 (-1 at 0), saved with the offset and checked at resume. */
  get consumedLastByte(): number {
    return this.partialBytes === 0 ? this.lastByte : this.partialPrevByte;
  }

  fstatSize(): number | null {
    if (this.fd === null) return null;
    try {
      return fs.fstatSync(this.fd).size;
    } catch {
      return null;
    }
  }

  /**
   * Read new bytes up to `size` (at most maxBytes) and hand on complete lines. Returns the bytes read, or
   * -1 when the content before our position changed (the caller restarts the file at 0).
   */
  readTo(size: number, maxBytes: number, now: number, sink: LineSink): number {
    if (this.fd === null || size <= this.readPos) return 0;
    const buf = (shared ??= Buffer.allocUnsafe(CHUNK + 1));
    let total = 0;
    while (this.readPos < size && total < maxBytes) {
      const back = this.readPos > 0 ? 1 : 0;
      const want = Math.min(CHUNK, size - this.readPos, maxBytes - total);
      const n = fs.readSync(this.fd, buf, 0, want + back, this.readPos - back);
      if (n <= back) break;
      if (back === 1 && this.lastByte >= 0 && buf[0] !== this.lastByte) return -1;
      this.split(buf.subarray(back, n), now, sink);
      total += n - back;
    }
    if (total > 0) this.lastDataAt = now;
    this.joiner.flushIdle(now, (r) => sink(r, this));
    return total;
  }

  private split(chunk: Buffer, now: number, sink: LineSink): void {
    const before = this.lastByte;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.line(chunk.subarray(start, nl), this.readPos + nl + 1, now, sink);
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    this.readPos += chunk.length;
    this.lastByte = chunk.length > 0 ? (chunk[chunk.length - 1] as number) : before;
    if (rest.length > 0) this.keepPartial(rest, start > 0 ? 10 : before, now, sink);
  }

  /** A complete line (bytes before its newline) ending at file offset `end`. */
  private line(bytes: Buffer, end: number, now: number, sink: LineSink): void {
    if (this.skipping) {
      this.skipping = false;
      this.dropPartial();
      return;
    }
    let data = bytes;
    if (this.partialBytes > 0) {
      data = Buffer.concat([...this.partial, bytes]);
      this.dropPartial();
    }
    this.emitLine(data, end, now, sink);
  }

  /** Bytes after the last newline; `prevByte` is the file byte just before them. */
  private keepPartial(rest: Buffer, prevByte: number, now: number, sink: LineSink): void {
    if (this.skipping) return;
    if (this.partialBytes === 0) {
      this.partialSince = now;
      this.partialPrevByte = prevByte;
    }
    this.partial.push(Buffer.from(rest));
    this.partialBytes += rest.length;
    if (this.partialBytes >= MAX_LINE_BYTES) {
      // An overlong line: hand on its first MAX_LINE_BYTES now and skip the rest up to the newline.
      const data = Buffer.concat(this.partial).subarray(0, MAX_LINE_BYTES);
      this.dropPartial();
      this.skipping = true;
      this.emitLine(data, this.readPos, now, sink);
    }
  }

  private dropPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
  }

  private emitLine(bytes: Buffer, end: number, now: number, sink: LineSink): void {
    const text = decodeLine(bytes);
    if (text.length === 0) return; // blank lines carry nothing
    this.joiner.push(text, now, end, (r) => sink(r, this));
  }

  /** A partial line older than `timeoutMs`, or a pending multi-line record: hand them on (the writer may never finish them). */
  flushStale(now: number, partialLineMs: number, sink: LineSink): void {
    if (this.partialBytes > 0 && now - this.partialSince >= partialLineMs) {
      const data = Buffer.concat(this.partial);
      this.dropPartial();
      this.emitLine(data, this.readPos, now, sink);
    }
    this.joiner.flushIdle(now, (r) => sink(r, this));
  }

  /**
   * Hand on the complete lines the multi-line joiner holds (not a partial line). Called when a successor file
   * appears: the writer has moved on, and the old file's last record must reach the batch before the new
   * file's first lines, or it would wait for the joiner's idle timeout and arrive out of order.
   */
  flushJoined(sink: LineSink): void {
    this.joiner.flush((r) => sink(r, this));
  }

  /** Hand on everything buffered (the file is closed or restarts at 0). */
  flushAll(now: number, sink: LineSink): void {
    if (this.partialBytes > 0) {
      const data = Buffer.concat(this.partial);
      this.dropPartial();
      this.emitLine(data, this.readPos, now, sink);
    }
    this.skipping = false;
    this.joiner.flush((r) => sink(r, this));
  }

  /** The file was truncated (copytruncate) or rewritten: flush what was buffered and start again at 0. */
  restartAtZero(now: number, sink: LineSink): void {
    this.flushAll(now, sink);
    this.readPos = 0;
    this.lastByte = -1;
    // The old content is gone from the file, so its queued records can no longer be re-read: resume at 0.
    this.generation++;
    this.done = 0;
    this.doneLastByte = -1;
  }

  close(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already gone
      }
      this.fd = null;
    }
  }
}

// ANSI colour/cursor sequences carry no meaning off a terminal; other control bytes would only confuse
// readers of the text, so they become U+FFFD (tabs stay).
// Built from char codes: matching control characters is the point here (eslint's no-control-regex).
const ESC = String.fromCharCode(0x1b);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');
const CONTROL = new RegExp(`[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(0x0b)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}]`, 'g');

export function decodeLine(bytes: Buffer): string {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 13) end--; // CRLF
  let text = bytes.toString('utf8', 0, end);
  if (text.includes(ESC)) text = text.replace(ANSI, '');
  CONTROL.lastIndex = 0;
  if (CONTROL.test(text)) text = text.replace(CONTROL, '\ufffd');
  return text;
}
