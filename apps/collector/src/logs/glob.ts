/**
 * File glob patterns for the log follower: `*`, `?`, `[abc]` within one path segment and `**` for any
 * number of directories. Hand-written because Node 20 has no fs.glob and the collector takes no
 * dependency for ~80 lines; expansion reads only the directories a pattern can reach, synchronously
 * (it runs every few seconds on the tick, never on a hot path).
 */
import fs from 'node:fs';
import path from 'node:path';

type Segment = { readonly kind: 'literal'; readonly name: string } | { readonly kind: 'wild'; readonly re: RegExp } | { readonly kind: 'globstar' };

export interface GlobPattern {
  readonly source: string;
  /** The literal directory the pattern starts in (absolute). */
  readonly base: string;
  readonly segments: readonly Segment[];
}

const WILD = /[*?[]/;

/** Most directory levels `**` descends, and most entries one expansion visits (a pattern over / must not scan the disk). */
const MAX_DEPTH = 16;
const MAX_VISITS = 20_000;

/** Compile an absolute pattern; throws an Error naming what is wrong. */
export function compileGlob(pattern: string): GlobPattern {
  if (!path.isAbsolute(pattern)) throw new Error(`"${pattern}" is not an absolute path; give patterns such as /var/log/*.log`);
  const parts = path.normalize(pattern).split('/').filter((p) => p.length > 0);
  let i = 0;
  while (i < parts.length && !WILD.test(parts[i] as string)) i++;
  if (i === parts.length) i--; // a literal path: its directory is the base, its name the one segment
  const base = '/' + parts.slice(0, i).join('/');
  const segments: Segment[] = [];
  for (const part of parts.slice(i)) {
    if (part === '**') segments.push({ kind: 'globstar' });
    else if (WILD.test(part)) segments.push({ kind: 'wild', re: segmentRegExp(part, pattern) });
    else segments.push({ kind: 'literal', name: part });
  }
  if (segments.at(-1)?.kind === 'globstar') throw new Error(`"${pattern}" ends in **; end it with a file name pattern such as **/*.log`);
  return { source: pattern, base, segments };
}

function segmentRegExp(part: string, pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) throw new Error(`"${pattern}" has an unclosed [ in "${part}"`);
      let body = part.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether `name` (one path segment) matches a compiled wildcard segment. Dot files match only explicit dots. */
function matches(seg: Segment, name: string): boolean {
  if (seg.kind === 'literal') return seg.name === name;
  if (seg.kind === 'globstar') return true;
  return seg.re.test(name);
}

/** Regular files the pattern matches now, sorted. Unreadable directories are skipped (reported by the caller via `onError`). */
export function expandGlob(pattern: GlobPattern, onError?: (dir: string, e: NodeJS.ErrnoException) => void): string[] {
  const out = new Set<string>();
  const budget = { visits: 0 };
  walk(pattern.base, pattern.segments, 0, out, budget, onError);
  return [...out].sort();
}

function walk(dir: string, segs: readonly Segment[], depth: number, out: Set<string>, budget: { visits: number }, onError?: (dir: string, e: NodeJS.ErrnoException) => void): void {
  const [seg, ...rest] = segs;
  if (!seg) return;
  if (seg.kind === 'literal') {
    const p = path.join(dir, seg.name);
    if (rest.length === 0) {
      if (isFile(p)) out.add(p);
    } else walk(p, rest, depth, out, budget, onError);
    return;
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') onError?.(dir, err);
    return;
  }
  if (seg.kind === 'globstar') {
    walk(dir, rest, depth, out, budget, onError); // ** matches zero directories too
    if (depth >= MAX_DEPTH) return;
    for (const e of entries) {
      if (++budget.visits > MAX_VISITS) return;
      if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(dir, e.name), segs, depth + 1, out, budget, onError);
    }
    return;
  }
  for (const e of entries) {
    if (++budget.visits > MAX_VISITS) return;
    if (e.name.startsWith('.') && !seg.re.source.startsWith('^\\.')) continue;
    if (!matches(seg, e.name)) continue;
    const p = path.join(dir, e.name);
    if (rest.length === 0) {
      if (e.isFile() || (e.isSymbolicLink() && isFile(p))) out.add(p);
    } else if (e.isDirectory() || e.isSymbolicLink()) walk(p, rest, depth + 1, out, budget, onError);
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Whether a file's base name matches a simple exclude pattern (`*.gz`). */
export function excludeMatcher(patterns: readonly string[]): (file: string) => boolean {
  const res = patterns.map((p) => segmentRegExp(p, p));
  return (file) => {
    const name = path.basename(file);
    return res.some((re) => re.test(name));
  };
}
