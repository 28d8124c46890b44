/**
 * Hot spots of a V8 `.cpuprofile` (node --cpu-prof): self time per function, with positions in the
 * bundle mapped back to the TypeScript sources through the bundle's source map.
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based. */
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  /** Samples per source line (1-based, in the generated file) inside this function. */
  readonly positionTicks?: ReadonlyArray<{ readonly line: number; readonly ticks: number }>;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface HotSpot {
  /** function (location), location as repo-relative file:line (1-based) where known. */
  readonly what: string;
  readonly selfMs: number;
  /** Share of all sampled time (idle included), 0–1. */
  readonly share: number;
}

function mapperFor(url: string, cache: Map<string, SourceMap | null>): SourceMap | null {
  if (cache.has(url)) return cache.get(url) as SourceMap | null;
  let map: SourceMap | null = null;
  try {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    map = null;
  }
  cache.set(url, map);
  return map;
}

function location(frame: CallFrame, root: string, cache: Map<string, SourceMap | null>): string {
  if (!frame.url) return '';
  const map = mapperFor(frame.url, cache);
  if (map) {
    const e = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
    if (e.originalSource) {
      const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : path.resolve(path.dirname(fileURLToPath(frame.url)), e.originalSource);
      return `${path.relative(root, src)}:${(e.originalLine ?? 0) + 1}`;
    }
  }
  const file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  return `${file.startsWith(root) ? path.relative(root, file) : file}:${frame.lineNumber + 1}`;
}

/** Self time per function (merged by name and mapped location) and per source line, largest first. */
export function hotSpots(profile: CpuProfile, root: string, top = 25): { totalMs: number; byFunction: HotSpot[]; byFile: HotSpot[]; byLine: HotSpot[] } {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the gap after it (next delta) to it.
    const dt = deltas[i + 1] ?? 0;
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const cache = new Map<string, SourceMap | null>();
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  const lineTicks = new Map<string, number>();
  let ticks = 0;
  for (const node of profile.nodes) {
    for (const p of node.positionTicks ?? []) {
      // Ticks carry a line but no column: map the line's last position (its indentation has no mapping).
      const key = `${location({ ...node.callFrame, lineNumber: p.line - 1, columnNumber: 1e6 }, root, cache)} in ${node.callFrame.functionName || '(anonymous)'}`;
      lineTicks.set(key, (lineTicks.get(key) ?? 0) + p.ticks);
    }
    ticks += node.hitCount ?? 0;
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const loc = location(node.callFrame, root, cache);
    const fn = node.callFrame.functionName || (loc ? '(anonymous)' : node.callFrame.url || '(native)');
    const key = loc ? `${fn} (${loc})` : fn;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const file = loc ? loc.replace(/:\d+$/, '') : fn;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const list = (m: Map<string, number>): HotSpot[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, us]) => ({ what, selfMs: Math.round(us / 100) / 10, share: Math.round((us / totalUs) * 1000) / 1000 }));
  const usPerTick = ticks > 0 ? totalUs / ticks : 0;
  const byLine = list(new Map([...lineTicks.entries()].map(([k, t]) => [k, t * usPerTick])));
  return { totalMs: Math.round(totalUs / 1000), byFunction: list(byFn), byFile: list(byFile), byLine };
}

export function formatHotSpots(title: string, spots: readonly HotSpot[]): string {
  return [title, ...spots.map((s) => `  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.selfMs.toFixed(0).padStart(7)} ms  ${s.what}`)].join('\n') + '\n';
}

/**
 * After a process run under `--cpu-prof --cpu-prof-dir dir` has exited: copy its profile to
 * build/bench/<label>-<time>.cpuprofile, print its hot spots to stderr, and return them (null: no profile).
 */
export function keepAndReport(dir: string, root: string, label: string, log: (m: string) => void): ReturnType<typeof hotSpots> | null {
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    log(`warning: ${label} wrote no .cpuprofile`);
    return null;
  }
  const keep = path.join(root, 'build/bench', `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  fs.mkdirSync(path.dirname(keep), { recursive: true });
  fs.copyFileSync(path.join(dir, file), keep);
  const hot = hotSpots(JSON.parse(fs.readFileSync(keep, 'utf8')) as CpuProfile, root, 25);
  process.stderr.write(`\n${label} CPU profile (whole run, ${hot.totalMs} ms sampled, idle included) kept in ${path.relative(root, keep)}\n`);
  process.stderr.write(formatHotSpots('self time by function:', hot.byFunction));
  process.stderr.write(formatHotSpots('self time by file:', hot.byFile.slice(0, 15)));
  process.stderr.write(formatHotSpots('self time by source line (sampled ticks):', hot.byLine.slice(0, 20)));
  return hot;
}
