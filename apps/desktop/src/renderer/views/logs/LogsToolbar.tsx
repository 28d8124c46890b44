/** Filters of the logs view; every change goes to the address (#/logs?…), so a filtered view is a link. */
import { useState } from 'react';
import { LOG_LEVELS } from '@cerebro/shared/protocol/messages';
import { useApp } from '../../state/store';
import type { LogsLink } from '../../state/types';

const LEVEL_CHOICES = ['', 'error+', 'warn+', 'info+', ...LOG_LEVELS] as const;

export function LogsToolbar({ link, onChange }: { link: LogsLink; onChange: (next: LogsLink) => void }) {
  const hosts = useApp((s) => s.hosts);
  const [text, setText] = useState(link.q ?? '');
  const set = (k: keyof LogsLink, v: string | number | undefined): void => {
    const next: Record<string, unknown> = { ...link };
    if (v === undefined || v === '') delete next[k];
    else next[k] = v;
    onChange(next as LogsLink);
  };
  return (
    <div className="toolbar">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          set('q', text.trim());
        }}
      >
        <input type="search" className="search" placeholder="Search lines (words or &quot;a phrase&quot;), Enter" value={text} onChange={(e) => setText(e.target.value)} aria-label="Search logs" />
      </form>
      <select aria-label="Host" value={link.host ?? ''} onChange={(e) => set('host', e.target.value)}>
        <option value="">all hosts</option>
        {Object.values(hosts)
          .sort((a, b) => a.hostname.localeCompare(b.hostname))
          .map((h) => (
            <option key={h.id} value={h.id}>
              {h.hostname}
            </option>
          ))}
        {link.host && !hosts[link.host] ? <option value={link.host}>{link.host}</option> : null}
      </select>
      <select aria-label="Level" value={link.level ?? ''} onChange={(e) => set('level', e.target.value)}>
        {LEVEL_CHOICES.map((l) => (
          <option key={l} value={l}>
            {l === '' ? 'all levels' : l}
          </option>
        ))}
      </select>
      {link.template ? (
        <button type="button" className="chip on" onClick={() => set('template', undefined)} title="Show every template">
          template {link.template} ✕
        </button>
      ) : null}
      {link.to !== undefined ? (
        <button type="button" className="chip on" onClick={() => onChange({ ...link, from: undefined, to: undefined } as LogsLink)} title="Back to the live tail">
          {new Date(link.from ?? 0).toLocaleTimeString('en-GB')}–{new Date(link.to).toLocaleTimeString('en-GB')} ✕
        </button>
      ) : null}
    </div>
  );
}
