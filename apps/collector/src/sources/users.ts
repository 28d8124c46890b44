/** uid → user name from /etc/passwd, re-read only when the file's mtime changes (no NSS, no child process). */
import { readFileSync, statSync } from 'node:fs';

export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [name, , uid] = line.split(':');
    if (!name || uid === undefined || uid === '') continue;
    const n = Number(uid);
    // The first entry wins, as with getpwuid(3).
    if (Number.isInteger(n) && !out.has(n)) out.set(n, name);
  }
  return out;
}

export class UserNames {
  private names = new Map<number, string>();
  /** mtime and size of the version read: an edit within one mtime tick still changes the size. */
  private version: string | null = null;

  constructor(private readonly path = '/etc/passwd') {}

  /** Re-reads the file if it changed since the last call; a missing file leaves every uid unnamed. */
  refresh(): void {
    let version: string;
    try {
      const st = statSync(this.path);
      version = `${st.mtimeMs}:${st.size}`;
    } catch {
      this.names.clear();
      this.version = null;
      return;
    }
    if (version === this.version) return;
    try {
      this.names = parsePasswd(readFileSync(this.path, 'utf8'));
      this.version = version;
    } catch {
      this.names.clear();
      this.version = null;
    }
  }

  /** The user's name, or the uid as a string when it has none. */
  name(uid: number): string {
    return this.names.get(uid) ?? String(uid);
  }
}
