/**
 * While a host view is shown: the host's alerts (open and recent closed) and its series still learning,
 * fetched at once and after each reconnect. Live alert changes come from the always-on alerts feed; the
 * warm-up counts have no event of their own, so while some series still learn they are re-read when the
 * host reports (at most every 5 s), and not at all once every series is warm.
 */
import { useEffect, useRef } from 'react';
import type { Alert } from '@cerebro/shared/api/contract';
import { alertWindowLoaded, hostAlertsLoaded } from '../state/alert-actions';
import { currentState, dispatch } from '../state/store';
import { useTransport } from '../transport/context';
import { throttle } from '../lib/throttle';
import { refreshOnHostReports } from './live-feed';

const LEARNING_EVERY_MS = 5_000;
/** Re-read the window of an open alert at most this often, ms (its document changes every second). */
const WINDOW_EVERY_MS = 5_000;
/** Points asked for the alert's chart: about its width in pixels. */
const WINDOW_POINTS = 400;

export function useHostAlertsFeed(hostId: string): void {
  const transport = useTransport();
  useEffect(() => {
    let alive = true;
    const refresh = throttle(() => {
      transport.request('hostAlerts', { hostId }).then((view) => alive && dispatch(hostAlertsLoaded, { hostId, view }), () => undefined);
    }, LEARNING_EVERY_MS);
    const stillLearning = (): boolean => {
      const learning = currentState().alerts.learning[hostId];
      return !learning || Object.keys(learning.left).length > 0;
    };
    const off = refreshOnHostReports(transport, hostId, refresh, stillLearning);
    return () => {
      alive = false;
      off();
      refresh.cancel();
    };
  }, [transport, hostId]);
}

/** The span shown around an alert: some context before, the alert, a little after (or up to now). */
export function alertWindow(a: Alert, nowMs: number): { fromMs: number; toMs: number } {
  const endMs = a.endMs ?? nowMs;
  const pad = Math.max(120_000, (endMs - a.startMs) / 2);
  return { fromMs: a.startMs - pad, toMs: Math.min(nowMs, endMs + pad / 4) };
}

/** The selected alert's series around its span; re-read (at most every 5 s) while its document changes. */
export function useAlertWindowFeed(alert: Alert | undefined): void {
  const transport = useTransport();
  const latest = useRef(alert);
  const refresh = useRef<(() => void) | null>(null);
  const id = alert?.id;
  const version = alert ? `${alert.state}:${alert.endMs ?? ''}:${alert.lastScore}` : '';
  useEffect(() => {
    latest.current = alert;
  }, [alert]);
  useEffect(() => {
    if (id === undefined) return;
    let alive = true;
    const fetchWindow = (): void => {
      const a = latest.current;
      if (!a || a.id !== id) return;
      const { fromMs, toMs } = alertWindow(a, Date.now());
      const query = { key: a.seriesKey, from: Math.round(fromMs), to: Math.round(toMs), points: WINDOW_POINTS };
      transport.request('query', { hostId: a.hostId, query }).then(
        (data) => alive && dispatch(alertWindowLoaded, { alertId: id, key: a.seriesKey, data }),
        // A series the scorer saw but the store holds no points of (e.g. a log-rate series) answers 404:
        // show an empty window ("no samples") rather than a chart that stays "Loading" for ever.
        () => alive && dispatch(alertWindowLoaded, { alertId: id, key: a.seriesKey, data: { kind: 'raw', t: [], v: [] } }),
      );
    };
    const t = throttle(fetchWindow, WINDOW_EVERY_MS);
    refresh.current = t;
    t();
    return () => {
      alive = false;
      t.cancel();
      refresh.current = null;
    };
  }, [transport, id]);
  useEffect(() => {
    refresh.current?.();
  }, [version]);
}
