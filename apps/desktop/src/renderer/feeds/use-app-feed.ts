/**
 * Always on while the UI is open: the live channel's state, the host list (pushed by the `hosts`
 * topic) and the ingest figures of the status bar (re-read at most every 3 s, when hosts report).
 */
import { useEffect } from 'react';
import { connectionChanged, hostUpdated, hostsFailed, hostsLoaded, statsLoaded } from '../state/actions';
import { ingestUrlLoaded } from '../state/alert-actions';
import { dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { throttle } from '../lib/throttle';

const STATS_EVERY_MS = 3_000;

export function useAppFeed(): void {
  const transport = useTransport();
  useEffect(() => {
    const refreshStats = throttle(() => {
      transport.request('stats').then((s) => dispatch(statsLoaded, s), () => undefined);
    }, STATS_EVERY_MS);
    const loadHosts = (): void => {
      transport.request('hosts').then(
        (h) => dispatch(hostsLoaded, h),
        (e: Error) => dispatch(hostsFailed, e.message),
      );
      // The ingest address, for the first-run instructions (it may change when the console restarts).
      transport.request('health').then((h) => dispatch(ingestUrlLoaded, h.ingestUrl), () => undefined);
      refreshStats();
    };
    const offConn = transport.onConnection((info) => {
      dispatch(connectionChanged, info);
      // After a (re)connect the list may have changed while we were away.
      if (info.state === 'open') loadHosts();
    });
    const offHosts = transport.subscribe({ topic: 'hosts' }, (e) => {
      if (e.type !== 'host') return;
      dispatch(hostUpdated, e.host);
      refreshStats();
    });
    loadHosts();
    return () => {
      offConn();
      offHosts();
      refreshStats.cancel();
    };
  }, [transport]);
}
