import { useEffect } from 'react';
import { StatusBar } from './components/StatusBar';
import { TopBar } from './components/TopBar';
import { useAppFeed } from './feeds/use-app-feed';
import { useAlertsFeed } from './feeds/use-alerts-feed';
import { useIncidentsFeed } from './feeds/use-incidents-feed';
import { parseRoute } from './lib/route';
import { routeChanged } from './state/actions';
import { dispatch, useApp } from './state/store';
import { FleetView } from './views/fleet/FleetView';
import { HostView } from './views/host/HostView';
import { ErrorState } from './components/States';
import { CommandPalette, usePaletteShortcut } from './components/CommandPalette';
import { TopologyView } from './views/topology/TopologyView';
import { TerminalView } from './views/terminal/TerminalView';
import { LogsView } from './views/logs/LogsView';
import { IncidentsView } from './views/incidents/IncidentsView';
import { ActionsView } from './views/remediation/ActionsView';
import { NotificationsView } from './views/notifications/NotificationsView';
import { AuditView } from './views/remediation/AuditView';
import { RemediationDrawer } from './views/remediation/RemediationDrawer';
import { AskView } from './views/ask/AskView';

function useHashRoute(): void {
  useEffect(() => {
    const apply = (): void => dispatch(routeChanged, parseRoute(window.location.hash));
    apply();
    window.addEventListener('hashchange', apply);
    return () => window.removeEventListener('hashchange', apply);
  }, []);
}

export function App({ hasToken }: { hasToken: boolean }) {
  useHashRoute();
  useAppFeed();
  useAlertsFeed();
  useIncidentsFeed();
  usePaletteShortcut();
  const { route, theme } = useApp((s) => ({ route: s.route, theme: s.theme }));
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  return (
    <div className="app">
      <TopBar />
      <main className="main">
        {!hasToken ? (
          <ErrorState
            title="This page has no session token"
            message="The console's API needs the token it generated at start, and this tab was opened without it."
            hint={
              <p>
                Open the address that <code>npm start</code> printed (the line starting with “open”; it ends in <code>#token=…</code>), or read <code>uiUrl</code> from <code>$CEREBRO_HOME/console.json</code>.
              </p>
            }
          />
        ) : route.name === 'host' ? (
          <HostView key={route.hostId} hostId={route.hostId} />
        ) : route.name === 'logs' ? (
          <LogsView link={route.link} />
        ) : route.name === 'incidents' ? (
          <>
            <IncidentsView incidentId={route.incidentId} />
            {route.incidentId && route.remediate ? <RemediationDrawer key={route.incidentId} incidentId={route.incidentId} link={route.remediate} /> : null}
          </>
        ) : route.name === 'actions' ? (
          <ActionsView />
        ) : route.name === 'notifications' ? (
          <NotificationsView incidentId={route.incident ?? null} />
        ) : route.name === 'audit' ? (
          <AuditView />
        ) : route.name === 'ask' ? (
          <AskView incidentId={route.incident ?? null} />
        ) : route.name === 'topology' ? (
          <TopologyView incidentId={route.incident ?? null} />
        ) : route.name === 'terminal' ? (
          <TerminalView key={route.hostId} hostId={route.hostId} replay={route.replay ?? null} />
        ) : (
          <FleetView />
        )}
      </main>
      <StatusBar />
      <CommandPalette />
    </div>
  );
}
