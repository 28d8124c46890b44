/** Test aid: incidents shaped like the service's, and a config with defaults, for the notifier's tests. */
import type { AlertSeverity, Incident } from '@cerebro/shared/api/contract';
import { parseNotifyConfig, type NotifyConfig } from './config';

export function incident(id: string, severity: AlertSeverity, over: Partial<Incident> = {}): Incident {
  return {
    id,
    state: 'open',
    severity,
    title: `log.new_template on web-01`,
    openedMs: Date.parse('2026-03-02T10:00:00Z'),
    updatedMs: Date.parse('2026-03-02T10:00:05Z'),
    alerts: [],
    suppressed: { count: 0, alertIds: [] },
    hostIds: ['h-web-01'],
    services: ['postgres'],
    causes: [{ kind: 'process', hostId: 'h-web-01', host: 'web-01', name: 'postgres', pid: 812, node: 'proc:h-web-01:812', score: 0.7, explanation: 'postgres rss rose from 1.2 GB to 7.9 GB', evidence: [] }],
    causesMs: 1,
    subgraph: { nodes: [], edges: [] },
    ...over,
  };
}

export function config(raw: Record<string, unknown>): NotifyConfig {
  return parseNotifyConfig(raw);
}
