/**
 * Always on while the UI is open: the alerts slice. Subscribes to the live `alerts` topic first, then
 * queries the current alerts (the open ones, and the newest of every state), again after each reconnect
 * since changes made while the channel was down never arrive. No polling.
 */
import { useEffect } from 'react';
import { alertsChanged, alertsFailed, alertsLoaded } from '../state/alert-actions';
import { dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { subscribeAndLoad } from './live-feed';

export function useAlertsFeed(): void {
  const transport = useTransport();
  useEffect(
    () =>
      subscribeAndLoad(
        transport,
        { topic: 'alerts' },
        (e) => {
          if (e.type === 'alerts') dispatch(alertsChanged, e.changes);
        },
        (alive) => {
          // Open ones on their own: the newest-first `all` list is capped and could leave an old open alert out.
          for (const query of [undefined, { all: 1 }]) {
            transport.request('alerts', query ? { query } : {}).then(
              (v) => alive() && dispatch(alertsLoaded, v.alerts),
              (e: Error) => alive() && dispatch(alertsFailed, e.message),
            );
          }
        },
      ),
    [transport],
  );
}
