import { paletteOpened, themeToggled } from '../state/actions';
import { dispatch, useApp } from '../state/store';

export function TopBar() {
  const { route, theme } = useApp((s) => ({ route: s.route, theme: s.theme }));
  return (
    <header className="topbar">
      <a className="brand" href="#/fleet">
        <span className="brand-mark" aria-hidden="true">◆</span> CEREBRO
      </a>
      <nav className="nav">
        <a href="#/fleet" className={route.name === 'fleet' ? 'active' : ''}>
          Fleet
        </a>
        <a href="#/topology" className={route.name === 'topology' ? 'active' : ''}>
          Topology
        </a>
      </nav>
      <button type="button" className="ghost palette-hint" onClick={() => dispatch(paletteOpened, undefined)} title="Go to a host or view (Ctrl+K)">
        Go to… <kbd>Ctrl</kbd><kbd>K</kbd>
      </button>
      <button type="button" className="ghost" onClick={() => dispatch(themeToggled, undefined)} title="Switch between dark and light theme">
        {theme === 'dark' ? 'Light theme' : 'Dark theme'}
      </button>
    </header>
  );
}
