/**
 * Terminals on one host (#/terminal?host=ID, lib/route.ts terminalHash): opening the route opens a
 * terminal at once; more tabs with "New terminal"; the host's past sessions (who opened them, when) with
 * a replay of each recording (#/terminal?host=ID&replay=SID opens one directly).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TerminalSessionView } from '@cerebro/shared/api/contract';
import { useTransport } from '../../transport/context';
import { useApp } from '../../state/store';
import { TerminalPane } from './TerminalPane';
import './terminal.css';

interface Tab {
  /** The session id, prefixed with "replay:" for a replay (a session can be open live and replayed at once). */
  readonly key: string;
  readonly sid: string;
  readonly label: string;
  readonly mode: 'live' | 'replay';
  readonly ended: boolean;
}

export function TerminalView({ hostId, replay }: { hostId: string; replay: string | null }) {
  const transport = useTransport();
  const hostname = useApp((s) => s.hosts[hostId]?.hostname ?? hostId);
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);
  const [sessions, setSessions] = useState<readonly TerminalSessionView[]>([]);
  const started = useRef(false);

  const refresh = useCallback(() => {
    transport.request('terminals').then(
      (v) => setSessions(v.sessions.filter((s) => s.hostId === hostId)),
      () => undefined,
    );
  }, [transport, hostId]);

  const addTab = useCallback((tab: Tab) => {
    setTabs((ts) => (ts.some((t) => t.key === tab.key) ? ts : [...ts, tab]));
    setActive(tab.key);
  }, []);

  const open = useCallback(() => {
    setOpening(true);
    setError(null);
    transport.post('openTerminal', undefined, { hostId, cols: 100, rows: 30, by: 'operator' }).then(
      (s) => {
        setOpening(false);
        addTab({ key: s.sid, sid: s.sid, label: `${s.user}@${s.hostname}`, mode: 'live', ended: false });
        refresh();
      },
      (e: unknown) => {
        setOpening(false);
        setError((e as Error).message);
      },
    );
  }, [transport, hostId, addTab, refresh]);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    refresh();
    if (replay) addTab({ key: `replay:${replay}`, sid: replay, label: `replay ${replay.slice(0, 6)}`, mode: 'replay', ended: true });
    else open();
  }, [replay, open, refresh, addTab]);

  const close = (tab: Tab): void => {
    if (tab.mode === 'live' && !tab.ended) void transport.post('closeTerminal', tab.sid, {}).catch(() => undefined);
    setTabs((ts) => ts.filter((t) => t.key !== tab.key));
    setActive((a) => (a === tab.key ? (tabs.find((t) => t.key !== tab.key)?.key ?? null) : a));
  };

  return (
    <section className="view terminal-view" data-testid="terminal-view">
      <div className="view-head">
        <div>
          <a href={`#/host/${encodeURIComponent(hostId)}`} className="crumb">
            {hostname} /
          </a>
          <h1>Terminals</h1>
          <p className="muted">Each session is opened with a short-lived grant signed by this console, may be refused by the host&apos;s policy, and is recorded.</p>
        </div>
        <button type="button" className="term-btn" onClick={open} disabled={opening} data-testid="new-terminal">
          {opening ? 'Opening…' : 'New terminal'}
        </button>
      </div>
      {error ? (
        <div className="banner" role="alert" data-testid="terminal-error">
          {error}
        </div>
      ) : null}
      <div className="term-tabs" role="tablist">
        {tabs.map((t) => (
          <span key={t.key} className={`term-tab${t.key === active ? ' on' : ''}${t.ended ? ' ended' : ''}`}>
            <button type="button" role="tab" aria-selected={t.key === active} onClick={() => setActive(t.key)}>
              {t.mode === 'replay' ? '▶ ' : ''}
              {t.label}
            </button>
            <button type="button" aria-label={`Close ${t.label}`} onClick={() => close(t)}>
              ×
            </button>
          </span>
        ))}
      </div>
      <div className="term-area">
        {tabs.map((t) => (
          <TerminalPane
            key={t.key}
            sid={t.sid}
            mode={t.mode}
            active={t.key === active}
            onEnded={() => {
              setTabs((ts) => ts.map((x) => (x.key === t.key ? { ...x, ended: true } : x)));
              refresh();
            }}
          />
        ))}
      </div>
      <h2>Sessions on this host</h2>
      <table className="term-sessions" data-testid="terminal-sessions">
        <thead>
          <tr>
            <th>Opened</th>
            <th>By</th>
            <th>As</th>
            <th>State</th>
            <th>Output</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.sid}>
              <td>{new Date(s.openedMs).toLocaleString()}</td>
              <td>{s.by}</td>
              <td>{s.user}</td>
              <td>{s.state === 'open' ? 'open' : `closed${s.reason ? `: ${s.reason}` : ''}`}</td>
              <td>{(s.outputBytes / 1024).toFixed(1)} KiB</td>
              <td>
                {s.state === 'open' ? (
                  <button type="button" className="link-button" onClick={() => addTab({ key: s.sid, sid: s.sid, label: `${s.user}@${s.hostname}`, mode: 'live', ended: false })}>
                    Attach
                  </button>
                ) : null}{' '}
                <button type="button" className="link-button" onClick={() => addTab({ key: `replay:${s.sid}`, sid: s.sid, label: `replay ${s.sid.slice(0, 6)}`, mode: 'replay', ended: true })}>
                  Replay
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
