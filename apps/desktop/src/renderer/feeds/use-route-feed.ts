/**
 * While a view is shown: one API route, fetched at once and again when hosts report over the live channel,
 * at most every `everyMs`. Unmounting unsubscribes and cancels a pending fetch, so a hidden view costs nothing.
 */
import { useEffect } from 'react';
import type { RouteName, RouteResponses } from '@cerebro/shared/api/contract';
import type { Action } from '../state/types';
import { dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { throttle } from '../lib/throttle';

/** `query`: the route's query parameters (a change fetches at once). */
export function useRouteRefreshedOnHostEvents<N extends RouteName>(route: N, loaded: Action<RouteResponses[N]>, failed: Action<string>, everyMs: number, query?: string): void {
  const transport = useTransport();
  useEffect(() => {
    let alive = true;
    const params = query === undefined ? {} : { query: Object.fromEntries(new URLSearchParams(query)) };
    const refresh = throttle(() => {
      transport.request(route, params).then(
        (value) => alive && dispatch(loaded, value),
        (e: Error) => alive && dispatch(failed, e.message),
      );
    }, everyMs);
    const off = transport.subscribe({ topic: 'hosts' }, (e) => {
      if (e.type === 'host') refresh();
    });
    refresh();
    return () => {
      alive = false;
      off();
      refresh.cancel();
    };
  }, [transport, route, loaded, failed, everyMs, query]);
}
