/**
 * The lines of the logs view: the newest page matching the link (GET /logs), then, unless the link is a
 * fixed window (`to`), new lines from the live `logs` topic (host and levels filtered by the console,
 * the rest here). Live lines are gathered and applied once per animation frame, so a log storm costs one
 * render a frame; while paused they are held and counted, and applied on resume.
 */
import { useEffect, useRef, useState } from 'react';
import type { LogLine } from '@cerebro/shared/api/contract';
import type { LogsLink } from '../../state/types';
import { useTransport } from '../../transport/context';
import { appendLines, levelsOf, lineFilter, MAX_LINES } from './logs-model';

export interface LogsFeed {
  readonly lines: readonly LogLine[];
  readonly status: 'loading' | 'ready' | 'error';
  readonly error: string | null;
  /** The first page stopped at the console's scan budget: older matches may exist. */
  readonly partial: boolean;
  /** Lines held while paused. */
  readonly held: number;
  readonly live: boolean;
}

export function useLogsFeed(link: LogsLink, paused: boolean): LogsFeed {
  const transport = useTransport();
  const [feed, setFeed] = useState<LogsFeed>({ lines: [], status: 'loading', error: null, partial: false, held: 0, live: link.to === undefined });
  const pending = useRef<LogLine[]>([]);
  const pausedRef = useRef(paused);
  const flushRef = useRef<() => void>(() => undefined);
  pausedRef.current = paused;

  useEffect(() => {
    let alive = true;
    let frame = 0;
    const live = link.to === undefined;
    // Another link (filters changed): start over.
    setFeed({ lines: [], status: 'loading', error: null, partial: false, held: 0, live });
    const keep = lineFilter(link);
    const flush = (): void => {
      frame = 0;
      if (!alive || pending.current.length === 0) return;
      if (pausedRef.current) {
        setFeed((f) => ({ ...f, held: pending.current.length }));
        return;
      }
      const batch = pending.current;
      pending.current = [];
      setFeed((f) => ({ ...f, lines: appendLines(f.lines, batch), held: 0 }));
    };
    flushRef.current = flush;
    const levels = levelsOf(link.level);
    const off = live
      ? transport.subscribe({ topic: 'logs', ...(link.host ? { hostId: link.host } : {}), ...(levels ? { levels } : {}) }, (e) => {
          if (e.type !== 'logs') return;
          for (const l of e.records) if (keep(l)) pending.current.push(l);
          // Bounded while paused: only the newest MAX_LINES can ever be shown.
          if (pending.current.length > MAX_LINES) pending.current = pending.current.slice(-MAX_LINES);
          if (frame === 0) frame = requestAnimationFrame(flush);
        })
      : null;
    const query: Record<string, string | number> = { limit: 1000 };
    if (link.host) query['host'] = link.host;
    if (link.level) query['level'] = link.level;
    if (link.template) query['template'] = link.template;
    if (link.q) query['q'] = link.q;
    if (link.from !== undefined) query['from'] = link.from;
    if (link.to !== undefined) query['to'] = link.to;
    transport.request('logs', { query }).then(
      (page) => {
        if (!alive) return;
        // Live lines that arrived while the page loaded are newer than it (or in it: skip those by id).
        const ids = new Set(page.records.map((l) => l.id));
        pending.current = pending.current.filter((l) => !ids.has(l.id));
        setFeed((f) => ({ ...f, lines: appendLines([...page.records].reverse(), f.lines), status: 'ready', partial: page.partial }));
      },
      (e: Error) => alive && setFeed((f) => ({ ...f, status: 'error', error: e.message })),
    );
    return () => {
      alive = false;
      if (frame) cancelAnimationFrame(frame);
      off?.();
      pending.current = [];
    };
  }, [transport, link]);

  useEffect(() => {
    if (!paused) flushRef.current();
  }, [paused]);
  return feed;
}
