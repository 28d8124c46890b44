/**
 * The logs part of the local API: GET /logs (search), GET /logs/templates, and the filter of the live
 * `logs` topic. Bad parameters throw LogQueryError (the server answers BAD_REQUEST with its message).
 */
import type { LiveRequest, LogLine, RouteResponses } from '@cerebro/shared/api/contract';
import { LOG_LEVELS, type LogLevel } from '@cerebro/shared/protocol/messages';
import type { LogService } from '../logs/log-service';
import { LogQueryError, queryFromParams } from '../logs/search';

/** Default window of the templates view: the last hour. */
const TEMPLATES_DEFAULT_MS = 3_600_000;

/** Answers /logs and /logs/templates (`parts`: the path after the API prefix); null for other paths. */
export function logsRoute(logs: LogService, parts: readonly string[], params: URLSearchParams, nowMs = Date.now()): RouteResponses['logs'] | RouteResponses['logTemplates'] | null {
  if (parts.length === 1) return logs.search(queryFromParams(params, nowMs));
  if (parts.length !== 2 || parts[1] !== 'templates') return null;
  const num = (name: string, fallback: number): number => {
    const v = params.get(name);
    if (v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new LogQueryError(`parameter "${name}" must be a number (ms since the epoch), got "${v}"`);
    return n;
  };
  const to = num('to', nowMs);
  const from = num('from', to - TEMPLATES_DEFAULT_MS);
  if (from > to) throw new LogQueryError(`"from" (${from}) is after "to" (${to})`);
  const host = params.get('host');
  return logs.templates(host ? host : undefined, from, to);
}

export interface LogSubscription {
  readonly hostId: string | null;
  readonly levels: ReadonlySet<LogLevel> | null;
}

/** Checks a live `logs` subscribe request; returns the filter or the reason it is refused. */
export function logSubscription(req: Extract<LiveRequest, { topic: 'logs' }>): LogSubscription | string {
  if (req.hostId !== undefined && typeof req.hostId !== 'string') return 'logs: "hostId" must be a string';
  if (req.levels !== undefined && (!Array.isArray(req.levels) || req.levels.some((l) => !LOG_LEVELS.includes(l)))) return `logs: "levels" must be an array of ${LOG_LEVELS.join(', ')}`;
  return { hostId: req.hostId ?? null, levels: req.levels ? new Set(req.levels) : null };
}

/** The lines of one batch a subscription wants (null: none). */
export function filterLines(sub: LogSubscription, hostId: string, lines: readonly LogLine[]): readonly LogLine[] | null {
  if (sub.hostId !== null && sub.hostId !== hostId) return null;
  const levels = sub.levels;
  const out = levels ? lines.filter((l) => levels.has(l.level)) : lines;
  return out.length > 0 ? out : null;
}
