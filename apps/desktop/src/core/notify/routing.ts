/**
 * Which channels an incident event goes to (routes by severity and host) and whether a silence or a
 * maintenance window holds it back. Pure: the notifier records what these answer.
 */
import type { AlertSeverity } from '@cerebro/shared/api/contract';
import type { MaintenanceConfig, NotifyConfig, SilenceConfig } from './config';
import type { NotificationMessage } from './message';

const RANK: Record<AlertSeverity, number> = { warning: 1, critical: 2 };

export function severityRank(s: AlertSeverity): number {
  return RANK[s];
}

/** `*` matches any run of characters; case-insensitive. */
export function hostMatches(patterns: readonly string[], hosts: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => {
    const re = new RegExp('^' + p.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
    return hosts.some((h) => re.test(h));
  });
}

/** Channel ids of every matching route, each once, in config order. `hosts`: names and ids. */
export function routeChannels(config: NotifyConfig, severity: AlertSeverity, hosts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const r of config.routes) {
    if (RANK[severity] < RANK[r.minSeverity] || !hostMatches(r.hosts, hosts)) continue;
    for (const c of r.channels) out.add(c);
  }
  return [...out];
}

function silenceMatches(s: SilenceConfig, m: NotificationMessage, hosts: readonly string[], nowMs: number): boolean {
  if (nowMs >= s.untilMs || !hostMatches(s.hosts, hosts)) return false;
  if (s.severity !== undefined && s.severity !== m.severity) return false;
  if (s.cause !== undefined) {
    const hay = [m.topCause ?? '', m.explanation ?? '', m.title].join('\n').toLowerCase();
    if (!hay.includes(s.cause.toLowerCase())) return false;
  }
  return true;
}

export function inWindow(w: MaintenanceConfig, nowMs: number): boolean {
  if (w.fromMs !== undefined && w.toMs !== undefined) return nowMs >= w.fromMs && nowMs < w.toMs;
  if (!w.weekly) return false;
  const d = new Date(nowMs);
  const day = d.getUTCDay();
  const min = d.getUTCHours() * 60 + d.getUTCMinutes();
  const { days, startMin, endMin } = w.weekly;
  if (endMin > startMin) return days.includes(day) && min >= startMin && min < endMin;
  // Wraps past midnight: the evening of a listed day, or the early hours of the day after one.
  return (days.includes(day) && min >= startMin) || (days.includes((day + 6) % 7) && min < endMin);
}

/** The first silence or maintenance window that holds this message back, or null. */
export function suppression(config: NotifyConfig, m: NotificationMessage, hosts: readonly string[], nowMs: number): { kind: 'silence' | 'maintenance'; id: string } | null {
  for (const s of config.silences) if (silenceMatches(s, m, hosts, nowMs)) return { kind: 'silence', id: s.id };
  for (const w of config.maintenance) if (hostMatches(w.hosts, hosts) && inWindow(w, nowMs)) return { kind: 'maintenance', id: w.id };
  return null;
}
