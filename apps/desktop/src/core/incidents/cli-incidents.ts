/**
 * `cerebro-console alerts [--json] [--all]` and `incidents [--json] [--all]`: open ones by default, `--all`
 * for resolved ones too. The JSON forms print the API's documents as an array, newest first: for an
 * incident its id, state, severity, openedMs/resolvedMs, alerts in onset order and ranked causes (kind,
 * host, name, pid, score, explanation).
 */
import { routePath, type Alert, type ApiErrorBody, type Incident, type RouteName, type RouteResponses } from '@cerebro/shared/api/contract';
import type { ConsoleInfo } from '../paths';

export class IncidentsCliError extends Error {}

export interface ListOptions {
  readonly json: boolean;
  readonly all: boolean;
}

async function get<N extends RouteName>(info: ConsoleInfo, name: N, query: Record<string, string>): Promise<RouteResponses[N]> {
  const url = new URL(routePath(name), info.apiUrl);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${info.apiToken}` } });
  } catch (e) {
    throw new IncidentsCliError(`the console at ${info.apiUrl} (pid ${info.pid}) does not answer (${(e as Error).message}); is it still running?`);
  }
  const body = (await res.json()) as RouteResponses[N] | ApiErrorBody;
  if (!res.ok) throw new IncidentsCliError(`console: ${(body as ApiErrorBody).error?.message ?? res.statusText}`);
  return body as RouteResponses[N];
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export async function alertsCommand(info: ConsoleInfo, o: ListOptions, out: (text: string) => void): Promise<void> {
  const view = await get(info, 'alerts', o.all ? { all: '1' } : {});
  if (o.json) {
    out(JSON.stringify(view.alerts, null, 2));
    return;
  }
  if (view.alerts.length === 0) {
    out(o.all ? 'no alerts' : `no open alerts (${view.scoring.series} series scored, ${view.scoring.strongSeries} of them by the stronger detector${view.scoring.strongRefused > 0 ? ` and ${view.scoring.strongRefused} headline series past its limit by the cheap one` : ''}, ${view.scoring.learning} still learning; --all lists resolved ones)`);
    return;
  }
  out(view.alerts.map(alertLine).join('\n'));
}

function alertLine(a: Alert): string {
  const end = a.endMs !== undefined ? ` → ${time(a.endMs)}` : '';
  return `${a.severity.padEnd(8)} ${a.state.padEnd(8)} ${time(a.startMs)}${end}  ${a.hostId}  ${a.seriesKey}  peak ${a.peakScore.toFixed(2)}  ${a.id}`;
}

export async function incidentsCommand(info: ConsoleInfo, o: ListOptions, out: (text: string) => void): Promise<void> {
  const view = await get(info, 'incidents', { state: o.all ? 'all' : 'open' });
  if (o.json) {
    out(JSON.stringify(view.incidents, null, 2));
    return;
  }
  if (view.incidents.length === 0) {
    out(o.all ? 'no incidents' : 'no open incidents (--all lists resolved ones)');
    return;
  }
  out(view.incidents.map(incidentText).join('\n\n'));
}

export function incidentText(inc: Incident): string {
  const resolved = inc.resolvedMs !== undefined ? `, resolved ${time(inc.resolvedMs)}` : inc.quietSinceMs !== undefined ? ', quiet (all alerts closed)' : '';
  const lines = [`${inc.id}  ${inc.state.toUpperCase()}  ${inc.severity}  opened ${time(inc.openedMs)}${resolved}  ${inc.title}`];
  const folded = inc.suppressed.count > 0 ? ` (+${inc.suppressed.count} folded)` : '';
  lines.push(`  alerts${folded}: ${inc.alerts.map((a) => `${a.seriesKey}@${a.hostId}${a.state === 'resolved' ? ' (closed)' : ''}`).join(', ')}`);
  if (inc.causes.length === 0) lines.push('  causes: not ranked yet');
  inc.causes.forEach((c, i) => lines.push(`  ${i + 1}. [${c.kind}] ${c.name} on ${c.host}  score ${c.score.toFixed(2)}  ${c.explanation}`));
  return lines.join('\n');
}
