/**
 * One xterm.js terminal: live (a session's byte socket) or a replay of its recording. Fits its box,
 * WebGL renderer where the browser gives a context (DOM renderer otherwise), search, and copy / paste
 * with Ctrl+Shift+C / Ctrl+Shift+V (plain Ctrl+C stays the shell's interrupt). A replay is timed
 * (replay-player.ts: the session's own delays, idle gaps capped at 2 s) with pause, speed and skip to
 * the end, and reads the recording page by page.
 */
import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebglAddon } from '@xterm/addon-webgl';
import '@xterm/xterm/css/xterm.css';
import type { TerminalServerEvent } from '@cerebro/shared/api/contract';
import { useTransport } from '../../transport/context';
import { castEvents, REPLAY_SPEEDS, ReplayPlayer, type ReplayState } from './replay-player';

declare global {
  interface Window {
    /** The visible terminal's screen as text, for the e2e tests (a WebGL canvas has no DOM text). */
    __cerebroTerminal?: { readonly sid: string; readonly mode: 'live' | 'replay'; text(): string };
  }
}

function screenText(term: Terminal): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n');
}

/** Seconds as m:ss. */
function clockText(s: number): string {
  const whole = Math.floor(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

export interface TerminalPaneProps {
  readonly sid: string;
  readonly mode: 'live' | 'replay';
  readonly active: boolean;
  /** The live session ended (exit, closed, idle). */
  readonly onEnded?: (reason: string) => void;
}

export function TerminalPane({ sid, mode, active, onEnded }: TerminalPaneProps) {
  const transport = useTransport();
  const box = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const [status, setStatus] = useState<string>(mode === 'live' ? 'connecting…' : 'loading the recording…');
  const [query, setQuery] = useState('');
  const [replay, setReplay] = useState<ReplayState | null>(null);
  const playerRef = useRef<ReplayPlayer | null>(null);
  const ended = useRef(onEnded);
  ended.current = onEnded;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new Terminal({ cursorBlink: mode === 'live', disableStdin: mode === 'replay', fontSize: 13, scrollback: 5000, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', allowProposedApi: true });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.open(el);
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => webgl.dispose());
      term.loadAddon(webgl);
    } catch {
      // No WebGL here (headless, blocked GPU): xterm's DOM renderer draws instead.
    }
    termRef.current = term;
    searchRef.current = search;
    fitRef.current = fit;
    fit.fit();
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC') {
        void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      if (e.code === 'KeyV') {
        void navigator.clipboard?.readText().then((t) => term.paste(t));
        return false;
      }
      return true;
    });
    let cleanup = (): void => undefined;
    if (mode === 'replay') {
      let stopped = false;
      let nextOffset: number | null = 0;
      let fetching = false;
      let started = false;
      const player = new ReplayPlayer({
        write: (text) => term.write(text),
        onState: setReplay,
        onLow: () => fetchPage(),
      });
      playerRef.current = player;
      const fetchPage = (): void => {
        if (fetching || stopped || nextOffset === null) return;
        fetching = true;
        transport.request('terminalRecording', { hostId: sid, query: { offset: nextOffset } }).then(
          (r) => {
            fetching = false;
            if (stopped) return;
            // A console without paging answers the whole recording.
            nextOffset = r.page?.nextOffset ?? null;
            player.append(castEvents(r.cast), nextOffset === null);
            if (!started) {
              started = true;
              setStatus(`replay of ${r.session.user}@${r.session.hostname}, opened by ${r.session.by} at ${new Date(r.session.openedMs).toLocaleString()}`);
              player.play();
            }
          },
          (e: unknown) => {
            fetching = false;
            setStatus(`cannot load the recording: ${(e as Error).message}`);
          },
        );
      };
      fetchPage();
      cleanup = () => {
        stopped = true;
        player.stop();
        playerRef.current = null;
      };
    } else {
      const enc = new TextEncoder();
      let connected = false;
      const channel = transport.openTerminal(sid, {
        open: () => {
          connected = true;
          setStatus('connected');
          channel.control({ op: 'resize', cols: term.cols, rows: term.rows });
        },
        data: (bytes) => term.write(bytes),
        event: (ev: TerminalServerEvent) => {
          if (ev.type === 'exit') {
            term.write(`\r\n\x1b[2m[session ended: ${ev.reason}]\x1b[0m\r\n`);
            setStatus(`ended: ${ev.reason}`);
            ended.current?.(ev.reason);
          } else if (ev.type === 'error') {
            setStatus(ev.message);
          }
        },
        closed: (reason) => setStatus((s) => (s === 'connected' ? `disconnected (${reason})` : s === 'connecting…' ? `cannot connect: ${reason}` : s)),
      });
      const data = term.onData((d) => channel.input(enc.encode(d)));
      const resized = term.onResize(({ cols, rows }) => {
        if (connected) channel.control({ op: 'resize', cols, rows });
      });
      cleanup = () => {
        data.dispose();
        resized.dispose();
        // Leaves the session open on the host (re-attach from the session list); the tab's × closes it.
        channel.close();
      };
    }
    const observer = new ResizeObserver(() => {
      if (el.offsetParent !== null) fit.fit();
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      cleanup();
      term.dispose();
      termRef.current = null;
    };
  }, [sid, mode, transport]);

  useEffect(() => {
    const term = termRef.current;
    if (!active || !term) return;
    fitRef.current?.fit();
    term.focus();
    const visible = { sid, mode, text: () => screenText(term) };
    window.__cerebroTerminal = visible;
    return () => {
      if (window.__cerebroTerminal === visible) delete window.__cerebroTerminal;
    };
  }, [active, sid, mode]);

  const find = (backwards: boolean): void => {
    if (!query) return;
    if (backwards) searchRef.current?.findPrevious(query);
    else searchRef.current?.findNext(query);
  };

  return (
    <div className="term-pane" hidden={!active} data-testid="terminal-pane" data-sid={sid} data-mode={mode}>
      <div className="term-bar">
        <span className="muted term-status" data-testid="terminal-status">
          {status}
        </span>
        <input
          type="search"
          aria-label="Search the terminal"
          placeholder="Search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') find(e.shiftKey);
          }}
        />
        <button type="button" onClick={() => find(true)} aria-label="Previous match">
          ↑
        </button>
        <button type="button" onClick={() => find(false)} aria-label="Next match">
          ↓
        </button>
      </div>
      {mode === 'replay' && replay ? (
        <div className="term-bar term-replay" data-testid="replay-controls">
          <button
            type="button"
            data-testid="replay-toggle"
            disabled={replay.done}
            onClick={() => (replay.playing ? playerRef.current?.pause() : playerRef.current?.play())}
          >
            {replay.playing ? 'Pause' : 'Play'}
          </button>
          <label>
            Speed{' '}
            <select data-testid="replay-speed" value={replay.speed} onChange={(e) => playerRef.current?.setSpeed(Number(e.target.value))}>
              {REPLAY_SPEEDS.map((x) => (
                <option key={x} value={x}>
                  {x}×
                </option>
              ))}
            </select>
          </label>
          <button type="button" data-testid="replay-end" disabled={replay.done} onClick={() => playerRef.current?.skipToEnd()}>
            Skip to end
          </button>
          <span className="muted" data-testid="replay-state">
            {replay.done ? 'replay done' : replay.waiting ? 'loading…' : replay.playing ? 'playing' : 'paused'} · {clockText(replay.position)} / {clockText(replay.duration)} (idle gaps cut to 2 s)
          </span>
        </div>
      ) : null}
      <div className="term-box" ref={box} data-testid="terminal" />
    </div>
  );
}
