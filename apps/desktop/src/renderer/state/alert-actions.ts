/**
 * Changes to the alerts slice, by name (pure `(state, payload) → partial state`, as in actions.ts).
 * Queried alerts merge forward (alerts.ts mergeQueried); live changes replace, in the order they came.
 */
import type { Alert, AlertChangeEvent, HostAlertsView, SeriesData } from '@cerebro/shared/api/contract';
import { chartSeriesFrom } from '../charts/chart-series';
import { mergeQueried, pruneAlerts } from './alerts';
import type { Action, AlertsState, AppState } from './types';

const patch = (s: AppState, p: Partial<AlertsState>): Partial<AppState> => ({ alerts: { ...s.alerts, ...p } });

function merged(s: AppState, list: readonly Alert[]): Record<string, Alert> {
  const byId = { ...s.alerts.byId };
  for (const a of list) byId[a.id] = mergeQueried(byId[a.id], a);
  return pruneAlerts(byId);
}

/** The answer of GET /alerts (open ones, or all with ?all=1). */
export const alertsLoaded: Action<readonly Alert[]> = (s, list) => patch(s, { byId: merged(s, list), load: { status: 'ready' } });

/** A failed load keeps what is shown and says why. */
export const alertsFailed: Action<string> = (s, message) => patch(s, { load: { status: 'error', message } });

/** One event of the live `alerts` topic. */
export const alertsChanged: Action<readonly AlertChangeEvent[]> = (s, changes) => {
  if (changes.length === 0) return {};
  const byId = { ...s.alerts.byId };
  for (const c of changes) byId[c.alert.id] = c.alert;
  return patch(s, { byId: pruneAlerts(byId) });
};

/** GET /hosts/:host/alerts: the host's alerts and its series still learning. */
export const hostAlertsLoaded: Action<{ hostId: string; view: HostAlertsView }> = (s, { hostId, view }) =>
  patch(s, {
    byId: merged(s, view.alerts),
    learning: { ...s.alerts.learning, [hostId]: { series: view.series, left: view.learningLeft ?? {}, warmupSamples: view.warmupSamples ?? 0, strong: view.strong ?? [] } },
  });

export const alertSelected: Action<string | null> = (s, selectedId) => (s.alerts.selectedId === selectedId ? {} : patch(s, { selectedId, window: null }));

/** The series around the alert shown in full, for its chart (the chart draws it only for that alert's id). */
export const alertWindowLoaded: Action<{ alertId: string; key: string; data: SeriesData }> = (s, p) => patch(s, { window: { alertId: p.alertId, line: chartSeriesFrom(p.key, p.data) } });

export const alertActionStarted: Action<string> = (s, id) => patch(s, { pending: { ...s.alerts.pending, [id]: true }, actionError: null });

/** The action's answer: the alert as stored (the live change may have arrived already; merging keeps the newest). */
export const alertActionDone: Action<Alert> = (s, alert) => {
  const pending = { ...s.alerts.pending };
  delete pending[alert.id];
  return patch(s, { pending, byId: merged(s, [alert]) });
};

export const alertActionFailed: Action<{ id: string; message: string }> = (s, p) => {
  const pending = { ...s.alerts.pending };
  delete pending[p.id];
  return patch(s, { pending, actionError: p.message });
};

export const ingestUrlLoaded: Action<string> = (_s, ingestUrl) => ({ ingestUrl: ingestUrl === '' ? null : ingestUrl });

export const fleetAlertingFilterChanged: Action<boolean> = (s, alerting) => ({ fleetFilter: { ...s.fleetFilter, alerting } });
