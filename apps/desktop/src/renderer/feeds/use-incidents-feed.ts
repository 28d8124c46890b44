/**
 * Always on while the UI is open: the incidents slice (the top bar's count, the incidents view, the
 * topology highlight). Subscribes to the live `incidents` topic first, then queries the current incidents
 * (the open ones, and the newest of every state), again after each reconnect since changes made while
 * the channel was down never arrive. No polling.
 */
import { useEffect } from 'react';
import { incidentsChanged, incidentsFailed, incidentsLoaded } from '../state/incident-actions';
import { dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { subscribeAndLoad } from './live-feed';

export function useIncidentsFeed(): void {
  const transport = useTransport();
  useEffect(
    () =>
      subscribeAndLoad(
        transport,
        { topic: 'incidents' },
        (e) => {
          if (e.type === 'incidents') dispatch(incidentsChanged, e.changes);
        },
        (alive) => {
          // Open ones on their own: the newest-first `all` list is capped (500) and could leave an old open one out.
          for (const state of ['open', 'all']) {
            transport.request('incidents', { query: { state } }).then(
              (v) => alive() && dispatch(incidentsLoaded, v.incidents),
              (e: Error) => alive() && dispatch(incidentsFailed, e.message),
            );
          }
        },
      ),
    [transport],
  );
}
