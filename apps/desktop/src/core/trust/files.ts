/** Small file helpers for the trust directory: atomic writes, private modes, tolerant reads. */
import fs from 'node:fs';
import path from 'node:path';

/** Write `text` to `file` atomically (temp file + rename) with `mode`; creates the directory 0700. */
export function writePrivate(file: string, text: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

/** The file's text, or null when it does not exist (other errors throw). */
export function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
