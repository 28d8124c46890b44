/**
 * `$CEREBRO_HOME/notifications.json`: channels, routes by severity and host, silences and maintenance
 * windows. Validated at load; every error names the field (e.g. `channels[1].port`). No file: no notifications.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AlertSeverity, NotificationChannelType } from '@cerebro/shared/api/contract';

export class NotifyConfigError extends Error {
  override readonly name = 'NotifyConfigError';
}

export interface WebhookChannel {
  readonly id: string;
  readonly type: 'webhook';
  /** http:// or https:// */
  readonly url: string;
  readonly timeoutMs: number;
  /** Verify the server's certificate (https); false only for self-signed test endpoints. */
  readonly rejectUnauthorized: boolean;
}

export interface SmtpChannel {
  readonly id: string;
  readonly type: 'smtp';
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465). */
  readonly secure: boolean;
  /** auto: STARTTLS when the server offers it; require: fail without it; off: never. */
  readonly starttls: 'auto' | 'require' | 'off';
  readonly rejectUnauthorized: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  readonly to: readonly string[];
  /** Per step of the dialogue, ms. */
  readonly timeoutMs: number;
}

export interface SyslogChannel {
  readonly id: string;
  readonly type: 'syslog';
  readonly host: string;
  readonly port: number;
  /** tcp: octet counting (RFC 6587). */
  readonly transport: 'udp' | 'tcp';
  /** RFC 5424 facility number, 0–23 (default 1, user). */
  readonly facility: number;
  readonly appName: string;
  readonly timeoutMs: number;
}

export type ChannelConfig = WebhookChannel | SmtpChannel | SyslogChannel;

export interface RouteConfig {
  /** Lowest severity routed: warning (everything) or critical. */
  readonly minSeverity: AlertSeverity;
  /** Host names or ids, `*` as a wildcard; empty: every host. */
  readonly hosts: readonly string[];
  readonly channels: readonly string[];
}

export interface SilenceConfig {
  readonly id: string;
  readonly hosts: readonly string[];
  /** Case-insensitive substring of the top cause (name, explanation) or the title. */
  readonly cause?: string;
  readonly severity?: AlertSeverity;
  /** Expiry, ms since the epoch. */
  readonly untilMs: number;
}

export interface MaintenanceConfig {
  readonly id: string;
  readonly hosts: readonly string[];
  /** One-off range, ms since the epoch. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Weekly, UTC: days 0 (Sunday)–6, minutes of the day; end ≤ start wraps past midnight. */
  readonly weekly?: { readonly days: readonly number[]; readonly startMin: number; readonly endMin: number };
}

export interface NotifyConfig {
  /** Base of the console link in messages, e.g. http://console.example:7071/ */
  readonly consoleUrl: string;
  /**
   * Which events notify. `waitForCausesMs`: an "opened" notification waits until the incident's causes are
   * first ranked (a second or two after it opens), at most this long, so that it can name the top cause.
   */
  readonly events: { readonly opened: boolean; readonly escalated: boolean; readonly resolved: boolean; readonly waitForCausesMs: number };
  readonly retry: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
  readonly channels: readonly ChannelConfig[];
  readonly routes: readonly RouteConfig[];
  readonly silences: readonly SilenceConfig[];
  readonly maintenance: readonly MaintenanceConfig[];
}

export const CHANNEL_TYPES: readonly NotificationChannelType[] = ['webhook', 'smtp', 'syslog'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The config in `home`, null when there is no file. Throws NotifyConfigError naming the file and field. */
export function loadNotifyConfig(home: string): NotifyConfig | null {
  const file = path.join(home, 'notifications.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NotifyConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new NotifyConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseNotifyConfig(raw);
  } catch (e) {
    throw e instanceof NotifyConfigError ? new NotifyConfigError(`${file}: ${e.message}`) : e;
  }
}

type Obj = Record<string, unknown>;

function key(field: string, k: string): string {
  return field ? `${field}.${k}` : k;
}

function fail(field: string, msg: string): never {
  throw new NotifyConfigError(`"${field}" ${msg}`);
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, `must be an object, got ${JSON.stringify(v)}`);
  return v as Obj;
}

function known(o: Obj, field: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(key(field, k), `is not a known field (known: ${keys.join(', ')})`);
}

function str(o: Obj, k: string, field: string, def?: string): string {
  const v = o[k] ?? def;
  if (typeof v !== 'string' || v.length === 0) fail(key(field, k), `must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function optStr(o: Obj, k: string, field: string): string | undefined {
  return o[k] === undefined ? undefined : str(o, k, field);
}

function int(o: Obj, k: string, field: string, min: number, max: number, def?: number): number {
  const v = o[k] ?? def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(key(field, k), `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function bool(o: Obj, k: string, field: string, def: boolean): boolean {
  const v = o[k] ?? def;
  if (typeof v !== 'boolean') fail(key(field, k), `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(o: Obj, k: string, field: string, values: readonly T[], def?: T): T {
  const v = o[k] ?? def;
  if (typeof v !== 'string' || !values.includes(v as T)) fail(key(field, k), `must be one of ${values.map((x) => `"${x}"`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function strings(o: Obj, k: string, field: string, nonEmpty = false): string[] {
  const v = o[k] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length === 0)) fail(key(field, k), `must be an array of non-empty strings, got ${JSON.stringify(v)}`);
  if (nonEmpty && v.length === 0) fail(key(field, k), 'must name at least one');
  return v as string[];
}

function time(o: Obj, k: string, field: string): number {
  const v = o[k];
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) fail(key(field, k), `must be an ISO 8601 time such as "2026-01-31T22:00:00Z", got ${JSON.stringify(v)}`);
  return ms;
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(field, `must be an array, got ${JSON.stringify(v)}`);
  return v;
}

function ids<T extends { id: string }>(items: T[], field: string): T[] {
  const seen = new Set<string>();
  items.forEach((c, i) => {
    if (seen.has(c.id)) fail(`${field}[${i}].id`, `"${c.id}" is used twice`);
    seen.add(c.id);
  });
  return items;
}

export function parseNotifyConfig(raw: unknown): NotifyConfig {
  const root = obj(raw, '(root)');
  known(root, '', ['consoleUrl', 'events', 'retry', 'channels', 'routes', 'silences', 'maintenance']);
  const consoleUrl = str(root, 'consoleUrl', '', 'http://127.0.0.1:7071/');
  const ev = obj(root['events'] ?? {}, 'events');
  known(ev, 'events', ['opened', 'escalated', 'resolved', 'waitForCausesMs']);
  const rt = obj(root['retry'] ?? {}, 'retry');
  known(rt, 'retry', ['attempts', 'baseMs', 'maxMs']);
  const channels = ids(list(root['channels'], 'channels').map((c, i) => channel(c, `channels[${i}]`)), 'channels');
  const channelIds = new Set(channels.map((c) => c.id));
  const routes = list(root['routes'], 'routes').map((r, i): RouteConfig => {
    const f = `routes[${i}]`;
    const o = obj(r, f);
    known(o, f, ['minSeverity', 'hosts', 'channels']);
    const chans = strings(o, 'channels', f, true);
    chans.forEach((c, j) => {
      if (!channelIds.has(c)) fail(`${f}.channels[${j}]`, `names no channel: "${c}" (channels: ${[...channelIds].join(', ') || 'none'})`);
    });
    return { minSeverity: oneOf(o, 'minSeverity', f, ['warning', 'critical'] as const, 'warning'), hosts: strings(o, 'hosts', f), channels: chans };
  });
  const silences = ids(
    list(root['silences'], 'silences').map((s, i): SilenceConfig => {
      const f = `silences[${i}]`;
      const o = obj(s, f);
      known(o, f, ['id', 'hosts', 'cause', 'severity', 'until', 'comment']);
      const cause = optStr(o, 'cause', f);
      return { id: str(o, 'id', f), hosts: strings(o, 'hosts', f), ...(cause !== undefined ? { cause } : {}), ...(o['severity'] !== undefined ? { severity: oneOf(o, 'severity', f, ['warning', 'critical'] as const) } : {}), untilMs: time(o, 'until', f) };
    }),
    'silences',
  );
  const maintenance = ids(list(root['maintenance'], 'maintenance').map((m, i) => window(m, `maintenance[${i}]`)), 'maintenance');
  return {
    consoleUrl,
    events: { opened: bool(ev, 'opened', 'events', true), escalated: bool(ev, 'escalated', 'events', true), resolved: bool(ev, 'resolved', 'events', true), waitForCausesMs: int(ev, 'waitForCausesMs', 'events', 0, 600_000, 15_000) },
    retry: { attempts: int(rt, 'attempts', 'retry', 1, 20, 5), baseMs: int(rt, 'baseMs', 'retry', 10, 3_600_000, 2000), maxMs: int(rt, 'maxMs', 'retry', 10, 86_400_000, 300_000) },
    channels,
    routes,
    silences,
    maintenance,
  };
}

function channel(raw: unknown, f: string): ChannelConfig {
  const o = obj(raw, f);
  const id = str(o, 'id', f);
  const type = oneOf(o, 'type', f, CHANNEL_TYPES);
  switch (type) {
    case 'webhook': {
      known(o, f, ['id', 'type', 'url', 'timeoutMs', 'rejectUnauthorized']);
      const url = str(o, 'url', f);
      let parsed: URL | null = null;
      try {
        parsed = new URL(url);
      } catch {
        // reported below
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) fail(`${f}.url`, `must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
      return { id, type, url, timeoutMs: int(o, 'timeoutMs', f, 100, 120_000, 10_000), rejectUnauthorized: bool(o, 'rejectUnauthorized', f, true) };
    }
    case 'smtp': {
      known(o, f, ['id', 'type', 'host', 'port', 'secure', 'starttls', 'rejectUnauthorized', 'user', 'password', 'from', 'to', 'timeoutMs']);
      const user = optStr(o, 'user', f);
      const password = optStr(o, 'password', f);
      if ((user === undefined) !== (password === undefined)) fail(`${f}.${user === undefined ? 'user' : 'password'}`, 'is needed with the other one (AUTH takes both)');
      const from = str(o, 'from', f);
      const to = strings(o, 'to', f, true);
      for (const [k, a] of [['from', from], ...to.map((t, j) => [`to[${j}]`, t])] as Array<[string, string]>) {
        if (!/^[^\s<>@]+@[^\s<>@]+$/.test(a)) fail(`${f}.${k}`, `must be a plain address such as ops@example.com, got ${JSON.stringify(a)}`);
      }
      const secure = bool(o, 'secure', f, false);
      return { id, type, host: str(o, 'host', f), port: int(o, 'port', f, 1, 65535, secure ? 465 : 25), secure, starttls: oneOf(o, 'starttls', f, ['auto', 'require', 'off'] as const, 'auto'), rejectUnauthorized: bool(o, 'rejectUnauthorized', f, true), ...(user !== undefined && password !== undefined ? { user, password } : {}), from, to, timeoutMs: int(o, 'timeoutMs', f, 100, 120_000, 15_000) };
    }
    case 'syslog': {
      known(o, f, ['id', 'type', 'host', 'port', 'transport', 'facility', 'appName', 'timeoutMs']);
      const appName = str(o, 'appName', f, 'cerebro');
      if (!/^[\x21-\x7e]{1,48}$/.test(appName)) fail(`${f}.appName`, 'must be 1 to 48 printable ASCII characters without spaces (RFC 5424 APP-NAME)');
      return { id, type, host: str(o, 'host', f), port: int(o, 'port', f, 1, 65535, 514), transport: oneOf(o, 'transport', f, ['udp', 'tcp'] as const, 'udp'), facility: int(o, 'facility', f, 0, 23, 1), appName, timeoutMs: int(o, 'timeoutMs', f, 100, 120_000, 5000) };
    }
  }
}

function hhmm(o: Obj, k: string, f: string): number {
  const v = o[k];
  const m = typeof v === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(v) : null;
  if (!m) fail(`${f}.${k}`, `must be a UTC time "HH:MM", got ${JSON.stringify(v)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function window(raw: unknown, f: string): MaintenanceConfig {
  const o = obj(raw, f);
  known(o, f, ['id', 'hosts', 'from', 'to', 'weekly', 'comment']);
  const base = { id: str(o, 'id', f), hosts: strings(o, 'hosts', f) };
  if (o['weekly'] !== undefined) {
    if (o['from'] !== undefined || o['to'] !== undefined) fail(f, 'takes either "weekly" or "from"/"to", not both');
    const wf = `${f}.weekly`;
    const w = obj(o['weekly'], wf);
    known(w, wf, ['days', 'start', 'end']);
    const days = strings(w, 'days', wf, true).map((d, j) => {
      const n = DAYS.indexOf(d.toLowerCase().slice(0, 3));
      if (n < 0) fail(`${wf}.days[${j}]`, `must be a weekday (mon … sun), got ${JSON.stringify(d)}`);
      return n;
    });
    return { ...base, weekly: { days, startMin: hhmm(w, 'start', wf), endMin: hhmm(w, 'end', wf) } };
  }
  const fromMs = time(o, 'from', f);
  const toMs = time(o, 'to', f);
  if (toMs <= fromMs) fail(`${f}.to`, 'must be after "from"');
  return { ...base, fromMs, toMs };
}
