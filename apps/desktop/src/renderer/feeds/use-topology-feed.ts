/**
 * While the topology view is shown: the graph, fetched at once and again when hosts report over the live
 * channel, at most every 5 s (socket tables change every 10 s by default). Unmounting stops everything, so
 * a hidden topology costs nothing.
 */
import { useEffect } from 'react';
import { topologyFailed, topologyLoaded } from '../state/actions';
import { dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { throttle } from '../lib/throttle';

const TOPOLOGY_EVERY_MS = 5_000;

export function useTopologyFeed(): void {
  const transport = useTransport();
  useEffect(() => {
    let alive = true;
    const refresh = throttle(() => {
      transport.request('topology').then(
        (t) => alive && dispatch(topologyLoaded, t),
        (e: Error) => alive && dispatch(topologyFailed, e.message),
      );
    }, TOPOLOGY_EVERY_MS);
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
