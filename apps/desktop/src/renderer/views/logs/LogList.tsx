/**
 * The tail: a virtualised list (only the rows in view are in the DOM, so 10,000 lines scroll without
 * jank), oldest at the top. It follows the newest line while scrolled to the bottom; scrolling up stops
 * following until the operator scrolls back down.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import type { LogLine } from '@cerebro/shared/api/contract';
import { visibleRange } from './logs-model';

const ROW = 20;

function time(ts: number): string {
  const d = new Date(ts);
  return `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function LogList({ lines, onTemplate }: { lines: readonly LogLine[]; onTemplate: (id: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  const follow = useRef(true);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (follow.current) el.scrollTop = el.scrollHeight;
    setView({ top: el.scrollTop, height: el.clientHeight });
  }, [lines]);

  const onScroll = (): void => {
    const el = box.current;
    if (!el) return;
    follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    setView({ top: el.scrollTop, height: el.clientHeight });
  };
  const [first, end] = visibleRange(view.top, view.height, ROW, lines.length);
  const rows = [];
  for (let i = first; i < end; i++) {
    const l = lines[i]!;
    rows.push(
      <div key={l.id} className={`log-row lv-${l.level}`} style={{ top: i * ROW }} data-testid="log-row" title={l.msg}>
        <span className="log-ts">{time(l.ts)}</span>
        <span className="log-host">{l.hostId}</span>
        <span className="log-level">{l.level}</span>
        <span className="log-src">{l.unit ?? l.src}</span>
        <button type="button" className="log-tpl" onClick={() => onTemplate(l.templateId)} title="Only this template">
          #{l.templateId.slice(0, 4)}
        </button>
        <span className="log-msg">{l.msg}</span>
      </div>,
    );
  }
  return (
    <div className="log-list" ref={box} onScroll={onScroll} data-testid="log-list" data-count={lines.length} data-last-id={lines.at(-1)?.id ?? ''}>
      <div className="log-spacer" style={{ height: lines.length * ROW }}>
        {rows}
      </div>
    </div>
  );
}
