/**
 * The logs view's pure parts: which lines a link shows (the console filters host and level; template,
 * terms and time are checked here for live lines), and the bounded line buffer of the tail.
 */
import type { LogLine } from '@cerebro/shared/api/contract';
import { LOG_LEVELS, type LogLevel } from '@cerebro/shared/protocol/messages';
import type { LogsLink } from '../../state/types';

/** Lines kept in the view; older ones are dropped from the top (the search still finds them). */
export const MAX_LINES = 10_000;

/** Levels of a `level` text ("error", "warn+", "warn,error"); null for all or for text it cannot read. */
export function levelsOf(text: string | undefined): LogLevel[] | null {
  if (!text) return null;
  const out = new Set<LogLevel>();
  for (const raw of text.split(',')) {
    const w = raw.trim().toLowerCase();
    const atLeast = w.endsWith('+');
    const i = LOG_LEVELS.indexOf((atLeast ? w.slice(0, -1) : w) as LogLevel);
    if (i < 0) return null;
    for (const l of atLeast ? LOG_LEVELS.slice(0, i + 1) : [LOG_LEVELS[i]!]) out.add(l);
  }
  return [...out];
}

function terms(q: string | undefined): string[] {
  if (!q) return [];
  return [...q.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? '').toLowerCase()).filter((t) => t !== '');
}

/** A predicate for live lines: the link's template, terms and window (host and level come filtered). */
export function lineFilter(link: LogsLink): (l: LogLine) => boolean {
  const ts = terms(link.q);
  return (l) => {
    if (link.template && l.templateId !== link.template) return false;
    if (link.from !== undefined && l.ts < link.from) return false;
    if (link.to !== undefined && l.ts > link.to) return false;
    if (ts.length === 0) return true;
    const m = l.msg.toLowerCase();
    return ts.every((t) => m.includes(t));
  };
}

/** Appends newer lines to the tail (oldest first), keeping at most `max`. */
export function appendLines(lines: readonly LogLine[], incoming: readonly LogLine[], max = MAX_LINES): LogLine[] {
  const next = lines.concat(incoming);
  return next.length > max ? next.slice(next.length - max) : next;
}

/** The rows a virtualised list draws: [first, end) with `overscan` rows either side. */
export function visibleRange(scrollTop: number, viewHeight: number, rowHeight: number, count: number, overscan = 10): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return [first, Math.max(first, end)];
}
