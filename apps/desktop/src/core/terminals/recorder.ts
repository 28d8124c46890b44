/**
 * Records one terminal session as asciicast v2 in `<dir>/<sid>.cast`, beside `<sid>.json` (the session's
 * metadata, rewritten when it changes). Output and echoed input arrive as bytes: each stream has its own
 * streaming UTF-8 decoder, so a character split across two frames is recorded whole. Input the host did
 * not echo (passwords) never reaches the console, so it cannot be recorded. A recording stops growing at
 * `maxBytes` (marked truncated in the metadata); the session itself goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TerminalSessionView } from '@cerebro/shared/api/contract';
import { castEventLine, castHeaderLine } from './cast';

export class Recorder {
  private fd: number | null;
  private bytes = 0;
  private readonly decoders = { o: new TextDecoder('utf-8'), i: new TextDecoder('utf-8') };
  truncated = false;
  /** Why recording stopped early on a write error (disk full...); the session itself goes on. */
  error: string | null = null;

  constructor(
    private readonly file: string,
    private readonly startedMs: number,
    private readonly maxBytes: number,
    header: { cols: number; rows: number; title: string },
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(file, 'w', 0o600);
    this.write(castHeaderLine({ version: 2, width: header.cols, height: header.rows, timestamp: Math.floor(startedMs / 1000), title: header.title, env: { TERM: 'xterm-256color' } }));
  }

  data(stream: 'o' | 'i', bytes: Uint8Array, atMs: number): void {
    if (this.fd === null) return;
    const text = this.decoders[stream].decode(bytes, { stream: true });
    if (text) this.write(castEventLine((atMs - this.startedMs) / 1000, stream, text));
  }

  resize(cols: number, rows: number, atMs: number): void {
    if (this.fd !== null) this.write(castEventLine((atMs - this.startedMs) / 1000, 'r', `${cols}x${rows}`));
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fs.closeSync(fd);
    } catch {
      // already unusable: nothing more is written
    }
  }

  private write(line: string): void {
    if (this.fd === null) return;
    const buf = Buffer.from(line);
    if (this.bytes + buf.byteLength > this.maxBytes) {
      this.truncated = true;
      this.close();
      return;
    }
    try {
      fs.writeSync(this.fd, buf);
    } catch (e) {
      this.error = `cannot write ${this.file}: ${(e as Error).message}`;
      this.truncated = true;
      this.close();
      return;
    }
    this.bytes += buf.byteLength;
  }
}

/** `<dir>/<sid>.json`, written atomically. */
export function saveSessionMeta(dir: string, session: TerminalSessionView): void {
  const file = path.join(dir, `${session.sid}.json`);
  fs.writeFileSync(file + '.tmp', JSON.stringify(session), { mode: 0o600 });
  fs.renameSync(file + '.tmp', file);
}

/** Every session's metadata in `dir` (unreadable files skipped). */
export function loadSessionMetas(dir: string): TerminalSessionView[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: TerminalSessionView[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as TerminalSessionView);
    } catch {
      // a half-written or foreign file: not a session
    }
  }
  return out;
}
