/**
 * `cerebro-console logs [--host H] [--level L] [--grep Q] [--limit N] [--follow] [--json]`: prints the
 * newest matching records oldest first (like tail), then with --follow keeps printing new ones from the
 * live `logs` topic (host and level filtered by the console, --grep here) until Ctrl-C.
 */
import WebSocket from 'ws';
import { LIVE_PATH, LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, routePath, type ApiErrorBody, type LiveEvent, type LogLine, type RouteResponses } from '@cerebro/shared/api/contract';
import type { ConsoleInfo } from '../paths';
import { matches, parseLevels, parseTerms } from './search';

export interface LogsCliOptions {
  readonly host?: string;
  readonly level?: string;
  readonly grep?: string;
  readonly limit: number;
  readonly follow: boolean;
  readonly json: boolean;
}

export class LogsCliError extends Error {}

async function get<T>(info: ConsoleInfo, path: string, query: Record<string, string>): Promise<T> {
  const url = new URL(path, info.apiUrl);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${info.apiToken}` } });
  } catch (e) {
    throw new LogsCliError(`the console at ${info.apiUrl} (pid ${info.pid}) does not answer (${(e as Error).message}); is it still running?`);
  }
  const body = (await res.json()) as T | ApiErrorBody;
  if (!res.ok) throw new LogsCliError(`console: ${(body as ApiErrorBody).error?.message ?? res.statusText}`);
  return body as T;
}

export function formatLine(l: LogLine, json: boolean): string {
  if (json) return JSON.stringify(l);
  return `${new Date(l.ts).toISOString()} ${l.hostId} ${l.level.toUpperCase().padEnd(7)} ${l.unit ?? l.src}${l.pid !== undefined ? `[${l.pid}]` : ''}: ${l.msg}`;
}

/** The host id for a hostname or id (as `series` does). */
async function hostId(info: ConsoleInfo, arg: string): Promise<string> {
  const hosts = await get<RouteResponses['hosts']>(info, routePath('hosts'), {});
  const host = hosts.find((h) => h.id === arg) ?? hosts.find((h) => h.hostname === arg);
  if (!host) throw new LogsCliError(`no host "${arg}"; known: ${hosts.map((h) => h.hostname).join(', ') || 'none'}`);
  return host.id;
}

export async function logsCommand(info: ConsoleInfo, o: LogsCliOptions, out: (line: string) => void): Promise<void> {
  // Checked here first so that a typo is reported before anything is fetched.
  let levels;
  try {
    levels = parseLevels(o.level);
  } catch (e) {
    throw new LogsCliError(`--level: ${(e as Error).message}`);
  }
  const host = o.host !== undefined ? await hostId(info, o.host) : undefined;
  const query: Record<string, string> = { limit: String(o.limit) };
  if (host !== undefined) query['host'] = host;
  if (o.level) query['level'] = o.level;
  if (o.grep) query['q'] = o.grep;
  const page = await get<RouteResponses['logs']>(info, routePath('logs'), query);
  for (const l of [...page.records].reverse()) out(formatLine(l, o.json));
  if (page.partial) process.stderr.write(`(the console stopped after examining ${page.scanned} records; older matches may exist: narrow --host, --level or --grep)\n`);
  if (!o.follow) return;
  const terms = parseTerms(o.grep);
  const filter = { levels: null, terms, from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1, cursor: null };
  await follow(info, host, levels ? [...levels] : undefined, (l) => {
    if (matches(filter, { ts: l.ts, h: l.hostId, s: l.src, l: l.level, m: l.msg, t: l.templateId })) out(formatLine(l, o.json));
  });
}

function follow(info: ConsoleInfo, hostId: string | undefined, levels: readonly LogLine['level'][] | undefined, onLine: (l: LogLine) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(info.apiUrl.replace(/^http/, 'ws') + LIVE_PATH, [LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + info.apiToken]);
    ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', id: 'tail', topic: 'logs', ...(hostId !== undefined ? { hostId } : {}), ...(levels ? { levels } : {}) })));
    ws.on('message', (data: Buffer) => {
      const e = JSON.parse(data.toString()) as LiveEvent;
      if (e.type === 'logs') for (const l of e.records) onLine(l);
      else if (e.type === 'error') reject(new LogsCliError(`console: ${e.message}`));
    });
    ws.on('error', (e) => reject(new LogsCliError(`live channel to ${info.apiUrl} failed: ${e.message}`)));
    ws.on('close', () => resolve());
    const stop = (): void => ws.close(1000, 'done');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
