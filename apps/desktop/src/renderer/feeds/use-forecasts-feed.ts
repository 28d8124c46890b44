/**
 * While the fleet or a host view is shown: time-to-exhaustion forecasts (the fleet's, or one host's).
 * Fetched at once and after each reconnect; the console re-evaluates them every `everyMs` (60 s) and has
 * no topic for them, so they are re-read when hosts report and that evaluation is due (at most every
 * 10 s), never on a timer of their own.
 */
import { useEffect } from 'react';
import { forecastsFailed, forecastsLoaded } from '../state/incident-actions';
import { currentState, dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { throttle } from '../lib/throttle';
import { refreshOnHostReports } from './live-feed';

const AT_MOST_EVERY_MS = 10_000;
/** Waited past the due evaluation, so that it has run when we ask. */
const SLACK_MS = 2_000;

export function useForecastsFeed(hostId?: string): void {
  const transport = useTransport();
  useEffect(() => {
    let alive = true;
    const refresh = throttle(() => {
      transport.request('forecasts', hostId === undefined ? {} : { query: { host: hostId } }).then(
        (view) => alive && dispatch(forecastsLoaded, hostId === undefined ? { view } : { hostId, view }),
        (e: Error) => alive && dispatch(forecastsFailed, e.message),
      );
    }, AT_MOST_EVERY_MS);
    const due = (): boolean => {
      const f = currentState().forecasts;
      // Not loaded yet (everyMs 0): ask; else once the console's next evaluation should have run.
      return f.everyMs === 0 || Date.now() >= f.evaluatedMs + f.everyMs + SLACK_MS;
    };
    const off = refreshOnHostReports(transport, hostId, refresh, due);
    return () => {
      alive = false;
      off();
      refresh.cancel();
    };
  }, [transport, hostId]);
}
