/** Pure parsers for the per-process files under /proc/<pid>. */

/** The fields of /proc/<pid>/stat we use; times in clock ticks (USER_HZ), rss in pages. */
export interface PidStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** utime + stime, clock ticks since the process started. */
  readonly cpuTicks: number;
  readonly threads: number;
  /** Start time, clock ticks after boot. */
  readonly starttime: number;
  readonly rssPages: number;
}

/**
 * Parses /proc/<pid>/stat. The comm field is in parentheses and may itself contain spaces and parentheses
 * ("(my (odd) name)"), so it runs from the first '(' to the LAST ')'. Returns null for a malformed line.
 */
export function parsePidStat(text: string): PidStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // Fields after comm, numbered from 3 (state) as in proc(5); index = field number - 3.
  const f = text.slice(close + 2).split(' ');
  if (f.length < 22) return null;
  const n = (field: number): number => Number(f[field - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0] as string,
    ppid: n(4),
    cpuTicks: n(14) + n(15),
    threads: n(20),
    starttime: n(22),
    rssPages: n(24),
  };
}

/** Effective uid from /proc/<pid>/status (the one ps and top show), or null when the line is missing. */
export function parseStatusUid(text: string): number | null {
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** Longest command line kept, characters (ProcessRow.cmd). */
export const MAX_CMD_CHARS = 512;

/** /proc/<pid>/cmdline: NUL-separated arguments → one space-joined line; '' for kernel threads. */
export function parseCmdline(raw: string): string {
  let s = raw;
  while (s.endsWith('\0')) s = s.slice(0, -1);
  return s.replaceAll('\0', ' ').slice(0, MAX_CMD_CHARS);
}

/** The fields of /proc/<pid>/io we use: bytes the process caused to be read from or written to storage. */
export interface PidIo {
  readonly readBytes: number;
  readonly writeBytes: number;
}

/**
 * Parses /proc/<pid>/io. `read_bytes` and `write_bytes` count block I/O (page-cache hits and misses are
 * both in `rchar`/`wchar`, which is why those are not used: a process re-reading a cached file does not
 * touch the disk). Returns null when either line is missing (a kernel without task I/O accounting).
 */
export function parsePidIo(text: string): PidIo | null {
  const r = /^read_bytes:\s*(\d+)/m.exec(text);
  const w = /^write_bytes:\s*(\d+)/m.exec(text);
  if (r?.[1] === undefined || w?.[1] === undefined) return null;
  return { readBytes: Number(r[1]), writeBytes: Number(w[1]) };
}
