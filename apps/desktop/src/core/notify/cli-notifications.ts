/**
 * `cerebro-console notifications [--json] [--limit N]`: delivery attempts and outcomes, newest first;
 * `notifications test CHANNEL`: one test message through a channel (exit 1 when it fails).
 */
import { routePath, type ApiErrorBody, type NotificationRecord, type RouteResponses } from '@cerebro/shared/api/contract';
import type { ConsoleInfo } from '../paths';

export class NotificationsCliError extends Error {}

async function call<T>(info: ConsoleInfo, path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, info.apiUrl), { ...init, headers: { authorization: `Bearer ${info.apiToken}`, 'content-type': 'application/json' } });
  } catch (e) {
    throw new NotificationsCliError(`the console at ${info.apiUrl} (pid ${info.pid}) does not answer (${(e as Error).message}); is it still running?`);
  }
  const body = (await res.json()) as T | ApiErrorBody;
  if (!res.ok) throw new NotificationsCliError(`console: ${(body as ApiErrorBody).error?.message ?? res.statusText}`);
  return body as T;
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function recordLine(r: NotificationRecord): string {
  const what = r.status === 'suppressed' ? `by ${r.suppressedBy?.kind} ${r.suppressedBy?.id}` : `attempt ${r.attempt}${r.error ? `: ${r.error}` : ''}${r.retryInMs !== undefined ? ` (retry in ${Math.round(r.retryInMs / 1000)} s)` : ''}`;
  return `${time(r.atMs)}  ${r.status.padEnd(10)} ${r.event.padEnd(9)} ${r.channelId} (${r.channelType})  ${r.severity}  ${r.incidentId || '-'}  ${what}`;
}

export async function notificationsCommand(info: ConsoleInfo, args: readonly string[], o: { json: boolean; limit: number }, out: (text: string) => void): Promise<number> {
  if (args[0] === 'test') {
    if (!args[1]) throw new NotificationsCliError('notifications test needs a channel id: `cerebro-console notifications test CHANNEL`');
    const r = await call<RouteResponses['notificationTest']>(info, routePath('notificationTest'), { method: 'POST', body: JSON.stringify({ channel: args[1] }) });
    out(o.json ? JSON.stringify(r, null, 2) : recordLine(r));
    return r.status === 'sent' ? 0 : 1;
  }
  if (args.length > 0) throw new NotificationsCliError(`unknown notifications subcommand "${args[0]}"; use \`notifications [--json]\` or \`notifications test CHANNEL\``);
  const view = await call<RouteResponses['notifications']>(info, `${routePath('notifications')}?limit=${o.limit}`);
  if (o.json) {
    out(JSON.stringify(view, null, 2));
    return 0;
  }
  if (!view.configured) {
    out('no notifications configured ($CEREBRO_HOME/notifications.json; see the README, "Notifications")');
    return 0;
  }
  out(`channels: ${view.channels.map((c) => `${c.id} (${c.type})`).join(', ') || 'none'}; ${view.pending} deliveries pending`);
  out(view.records.length === 0 ? 'no deliveries yet' : view.records.map(recordLine).join('\n'));
  return 0;
}
