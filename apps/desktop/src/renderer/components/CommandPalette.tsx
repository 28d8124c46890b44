/**
 * Ctrl/Cmd+K: jump to a view or a host by typing part of its name or id. ↑/↓ choose, Enter jumps, Esc
 * closes. Focus stays inside while it is open (Tab cannot leave it) and returns where it was on close.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { routeHash } from '../lib/route';
import { paletteClosed, paletteOpened } from '../state/actions';
import { alertSelected } from '../state/alert-actions';
import { currentState, dispatch, useApp } from '../state/store';
import { paletteItems, paletteMatches, type PaletteItem } from './palette-items';
import { StatusBadge } from './StatusDot';
import { SeverityLabel } from './AlertBadge';

/** The global shortcut; mounted once by App. */
export function usePaletteShortcut(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        dispatch(currentState().paletteOpen ? paletteClosed : paletteOpened, undefined);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function CommandPalette() {
  const open = useApp((s) => s.paletteOpen);
  return open ? <PaletteDialog /> : null;
}

function PaletteDialog() {
  const { hosts, alerts, incidents } = useApp((s) => ({ hosts: s.hosts, alerts: s.alerts.byId, incidents: s.incidents.byId }));
  const items = useMemo(() => paletteItems(Object.values(hosts), Object.values(alerts), Object.values(incidents)), [hosts, alerts, incidents]);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const matches = useMemo(() => paletteMatches(query, items), [query, items]);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    inputRef.current?.focus();
    return () => before?.focus();
  }, []);
  useEffect(() => setActive(0), [query]);
  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const go = (item: PaletteItem | undefined): void => {
    if (!item) return;
    dispatch(paletteClosed, undefined);
    if (item.alertId) dispatch(alertSelected, item.alertId);
    window.location.hash = routeHash(item.route);
  };
  const onKeyDown = (e: React.KeyboardEvent): void => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        setActive((a) => Math.min(matches.length - 1, a + 1));
        break;
      case 'ArrowUp':
        e.preventDefault();
        setActive((a) => Math.max(0, a - 1));
        break;
      case 'Enter':
        e.preventDefault();
        go(matches[active]);
        break;
      case 'Escape':
        e.preventDefault();
        dispatch(paletteClosed, undefined);
        break;
      case 'Tab':
        // The focus trap: the input is the only focusable element, the list is driven by the arrows.
        e.preventDefault();
        inputRef.current?.focus();
        break;
    }
  };

  return (
    <div className="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && dispatch(paletteClosed, undefined)}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="Go to a view or host" data-testid="command-palette" onKeyDown={onKeyDown}>
        <input
          ref={inputRef}
          className="palette-input"
          placeholder="Go to a host, alert or view…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={matches[active] ? `palette-${matches[active].key}` : undefined}
          spellCheck={false}
          autoComplete="off"
        />
        <ul className="palette-list" id="palette-list" role="listbox" ref={listRef}>
          {matches.length === 0 ? <li className="palette-empty muted">Nothing matches “{query}”.</li> : null}
          {matches.map((m, i) => (
            <li
              key={m.key}
              id={`palette-${m.key}`}
              role="option"
              aria-selected={i === active}
              className={`palette-item${i === active ? ' active' : ''}`}
              onMouseMove={() => setActive(i)}
              onClick={() => go(m)}
              data-testid="palette-item"
            >
              <span className="palette-kind">{m.kind === 'view' ? 'View' : m.severity ? <SeverityLabel severity={m.severity} /> : m.status ? <StatusBadge status={m.status} /> : 'Host'}</span>
              <span className="palette-title">{m.title}</span>
              <span className="palette-detail muted">{m.detail}</span>
            </li>
          ))}
        </ul>
        <div className="palette-foot muted">
          <span><kbd>↑</kbd><kbd>↓</kbd> choose</span>
          <span><kbd>Enter</kbd> open</span>
          <span><kbd>Esc</kbd> close</span>
        </div>
      </div>
    </div>
  );
}
