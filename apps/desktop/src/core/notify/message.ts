/**
 * What a notification says, built once per incident event and rendered per channel: a Mattermost/Slack
 * incoming-webhook body, an e-mail, an RFC 5424 syslog line.
 */
import { hostname } from 'node:os';
import type { AlertSeverity, Incident, NotificationEvent } from '@cerebro/shared/api/contract';

export interface NotificationMessage {
  readonly incidentId: string;
  readonly event: NotificationEvent;
  readonly severity: AlertSeverity;
  readonly title: string;
  /** Host names (ids where the name is unknown). */
  readonly hosts: readonly string[];
  /** "name on host", or null when there is none (yet). */
  readonly topCause: string | null;
  /** Whether the causes were ranked at least once (no top cause then means none was found). */
  readonly ranked: boolean;
  readonly explanation: string | null;
  readonly openedMs: number;
  readonly resolvedMs?: number;
  /** The incident in the console (a placeholder to open in the UI). */
  readonly link: string;
}

export function incidentMessage(event: NotificationEvent, incident: Incident, hostName: (id: string) => string, consoleUrl: string): NotificationMessage {
  const cause = incident.causes[0];
  return {
    incidentId: incident.id,
    event,
    severity: incident.severity,
    title: incident.title,
    hosts: incident.hostIds.map(hostName),
    topCause: cause ? `${cause.name} on ${cause.host}` : null,
    ranked: incident.causesMs > 0,
    explanation: cause ? cause.explanation : null,
    openedMs: incident.openedMs,
    ...(incident.resolvedMs !== undefined ? { resolvedMs: incident.resolvedMs } : {}),
    link: incidentLink(consoleUrl, incident.id),
  };
}

export function testMessage(consoleUrl: string, nowMs: number): NotificationMessage {
  return { incidentId: '', event: 'test', severity: 'warning', title: 'CEREBRO test notification', hosts: [], topCause: null, ranked: false, explanation: null, openedMs: nowMs, link: consoleUrl };
}

export function incidentLink(consoleUrl: string, id: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/#/incidents/${encodeURIComponent(id)}`;
}

function utc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

const HEADLINE: Record<NotificationEvent, string> = { opened: 'Incident opened', escalated: 'Incident escalated', resolved: 'Incident resolved', test: 'Test notification' };

/** One line: "[CRITICAL] Incident opened: title". */
export function subject(m: NotificationMessage): string {
  return `[${m.event === 'resolved' ? 'RESOLVED' : m.severity.toUpperCase()}] ${HEADLINE[m.event]}: ${m.title}`;
}

/** The plain-text body (e-mail, webhook `text`). */
export function plainText(m: NotificationMessage): string {
  if (m.event === 'test') return `${subject(m)}\nThis is a test message from the CEREBRO console; the channel works.\nConsole: ${m.link}`;
  const lines = [subject(m), `Severity: ${m.severity}`];
  lines.push(m.topCause ? `Top cause: ${m.topCause} — ${m.explanation ?? ''}` : `Top cause: ${m.ranked ? 'none found' : 'not ranked yet'}`);
  lines.push(`Hosts: ${m.hosts.join(', ') || '(none)'}`);
  lines.push(`Opened: ${utc(m.openedMs)}`);
  if (m.resolvedMs !== undefined) lines.push(`Resolved: ${utc(m.resolvedMs)}`);
  lines.push(`Console: ${m.link}`);
  return lines.join('\n');
}

const COLOR: Record<AlertSeverity, string> = { warning: '#e0a000', critical: '#d00000' };

/** Mattermost / Slack incoming webhook: `text` alone is enough for both; the attachment adds colour and fields. */
export function webhookBody(m: NotificationMessage): { text: string; attachments: unknown[] } {
  const fields = [
    { title: 'Severity', value: m.severity, short: true },
    { title: 'Hosts', value: m.hosts.join(', ') || '(none)', short: true },
    { title: 'Opened', value: utc(m.openedMs), short: true },
    ...(m.resolvedMs !== undefined ? [{ title: 'Resolved', value: utc(m.resolvedMs), short: true }] : []),
    ...(m.topCause ? [{ title: 'Top cause', value: `${m.topCause}: ${m.explanation ?? ''}`, short: false }] : []),
  ];
  return {
    text: plainText(m),
    attachments: [{ fallback: subject(m), color: m.event === 'resolved' ? '#2e9e44' : COLOR[m.severity], title: subject(m), title_link: m.link, text: m.topCause ? `${m.topCause} — ${m.explanation ?? ''}` : m.title, fields }],
  };
}

/** RFC 5424 severities: critical 2, warning 4; a resolution is a notice (5), a test informational (6). */
export function syslogSeverity(m: NotificationMessage): number {
  if (m.event === 'resolved') return 5;
  if (m.event === 'test') return 6;
  return m.severity === 'critical' ? 2 : 4;
}

function sdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => '\\' + c);
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`, the message in UTF-8 with its BOM (RFC 5424 §6.4). */
export function syslogLine(m: NotificationMessage, facility: number, appName: string, nowMs: number, host = hostname()): string {
  const pri = facility * 8 + syslogSeverity(m);
  const sd = `[cerebro@32473 incident="${sdValue(m.incidentId)}" event="${m.event}" severity="${m.severity}"]`;
  const body = [subject(m), m.topCause ? `top cause: ${m.topCause} — ${m.explanation ?? ''}` : '', m.hosts.length ? `hosts: ${m.hosts.join(', ')}` : '', m.link].filter(Boolean).join('; ');
  const h = host.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
  return `<${pri}>1 ${new Date(nowMs).toISOString()} ${h} ${appName} ${process.pid} ${m.event} ${sd} \ufeff${body.replace(/[\r\n]+/g, ' ')}`;
}
