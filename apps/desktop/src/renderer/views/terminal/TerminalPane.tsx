/**
 * One xterm.js terminal: live (a session's byte socket) or a replay of its recording. Fits its box,
 * WebGL renderer where the browser gives a context (DOM renderer otherwise), search, and copy / paste
 * with Ctrl+Shift+C / Ctrl+Shift+V (plain Ctrl+C stays the shell's interrupt).
 */
import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebglAddon } from '@xterm/addon-webgl';
import '@xterm/xterm/css/xterm.css';
import type { TerminalServerEvent } from '@cerebro/shared/api/contract';
import { useTransport } from '../../transport/context';
import { castOutputText } from './cast-text';

declare global {
  interface Window {
    /** The visible terminal's screen as text, for the e2e tests (a WebGL canvas has no DOM text). */
    __cerebroTerminal?: { readonly sid: string; text(): string };
  }
}

function screenText(term: Terminal): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n');
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
      transport.request('terminalRecording', { hostId: sid }).then(
        (r) => {
          term.write(castOutputText(r.cast));
          setStatus(`replay of ${r.session.user}@${r.session.hostname}, opened by ${r.session.by} at ${new Date(r.session.openedMs).toLocaleString()}`);
        },
        (e: unknown) => setStatus(`cannot load the recording: ${(e as Error).message}`),
      );
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
    window.__cerebroTerminal = { sid, text: () => screenText(term) };
    return () => {
      if (window.__cerebroTerminal?.sid === sid) delete window.__cerebroTerminal;
    };
  }, [active, sid]);

  const find = (backwards: boolean): void => {
    if (!query) return;
    if (backwards) searchRef.current?.findPrevious(query);
    else searchRef.current?.findNext(query);
  };

  return (
    <div className="term-pane" hidden={!active} data-testid="terminal-pane" data-sid={sid}>
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
      <div className="term-box" ref={box} data-testid="terminal" />
    </div>
  );
}
