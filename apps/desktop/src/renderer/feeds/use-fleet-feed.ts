/**
 * While the fleet view is shown: the fleet figures, fetched at once and again when hosts report over the
 * live channel, at most every 5 s. Unmounting unsubscribes and cancels a pending fetch.
 */
import { useEffect } from 'react';
import { fleetFailed, fleetLoaded } from '../state/actions';
import { dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { throttle } from '../lib/throttle';

const FLEET_EVERY_MS = 5_000;

export function useFleetFeed(): void {
  const transport = useTransport();
  useEffect(() => {
    let alive = true;
    const refresh = throttle(() => {
      transport.request('fleet').then(
        (f) => alive && dispatch(fleetLoaded, f),
        (e: Error) => alive && dispatch(fleetFailed, e.message),
      );
    }, FLEET_EVERY_MS);
    const off = transport.subscribe({ topic: 'hosts' }, (e) => {
      if (e.type === 'host') refresh();
    });
    refresh();
    return () => {
      alive = false;
      off();
      refresh.cancel();
    };
  }, [transport]);
}
