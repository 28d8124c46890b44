/**
 * Changes to the incidents and forecasts slices, by name (pure `(state, payload) → partial state`, as in
 * actions.ts). Queried incidents merge forward (incidents.ts mergeQueriedIncident); live changes replace,
 * in the order they came.
 */
import type { ForecastsView, Incident, IncidentChangeEvent, ResourceForecast } from '@cerebro/shared/api/contract';
import { forecastsByHost, mergeQueriedIncident, pruneIncidents } from './incidents';
import type { Action } from './types';

/** The answer of GET /incidents (open ones, or all with ?state=all), or of GET /incidents/:id as a list of one. */
export const incidentsLoaded: Action<readonly Incident[]> = (s, list) => {
  const byId = { ...s.incidents.byId };
  for (const i of list) byId[i.id] = mergeQueriedIncident(byId[i.id], i);
  return { incidents: { byId: pruneIncidents(byId), load: { status: 'ready' } } };
};

/** A failed load keeps what is shown and says why. */
export const incidentsFailed: Action<string> = (s, message) => ({ incidents: { ...s.incidents, load: { status: 'error', message } } });

/** One event of the live `incidents` topic. */
export const incidentsChanged: Action<readonly IncidentChangeEvent[]> = (s, changes) => {
  if (changes.length === 0) return {};
  const byId = { ...s.incidents.byId };
  for (const c of changes) byId[c.incident.id] = c.incident;
  return { incidents: { ...s.incidents, byId: pruneIncidents(byId) } };
};

/**
 * GET /forecasts: with `hostId`, that host's forecasts replace its own (a host view's query); without,
 * the whole fleet's replace everything (a resource no longer forecast disappears).
 */
export const forecastsLoaded: Action<{ hostId?: string; view: ForecastsView }> = (s, { hostId, view }) => {
  const fresh = forecastsByHost(view.forecasts);
  const byHost: Record<string, readonly ResourceForecast[]> = hostId === undefined ? fresh : { ...s.forecasts.byHost };
  if (hostId !== undefined) {
    const mine = fresh[hostId];
    if (mine) byHost[hostId] = mine;
    else delete byHost[hostId];
  }
  return { forecasts: { byHost, evaluatedMs: view.evaluatedMs, everyMs: view.everyMs, load: { status: 'ready' } } };
};

export const forecastsFailed: Action<string> = (s, message) => ({ forecasts: { ...s.forecasts, load: { status: 'error', message } } });
