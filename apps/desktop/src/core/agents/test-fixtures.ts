/** An incident as the incidents service stores it (two hosts, a log alert, ranked causes), for agent tests and the benchmark. */
import type { Alert, Incident, IncidentAlertRef, IncidentCause } from '@cerebro/shared/api/contract';

export interface IncidentFixture {
  readonly incident: Incident;
  readonly alerts: Map<string, Alert>;
}

const HOSTS = ['web-01', 'web-02', 'db-01', 'cache-01', 'queue-01'];
const METRICS = ['cpu.util_pct', 'mem.used_pct', 'disk.io_util_pct{dev=sda}', 'net.rx_bps{if=eth0}', 'proc.cpu_pct{name=postgres}', 'load.1m'];

/**
 * An incident of `alertCount` alerts over a few hosts; every third alert is a log alert with a template
 * and sample lines. Deterministic for a given `id` and count.
 */
export function incidentFixture(id = 'inc-1', alertCount = 6, openedMs = Date.UTC(2026, 10, 25, 12, 0, 0)): IncidentFixture {
  const alerts = new Map<string, Alert>();
  const refs: IncidentAlertRef[] = [];
  for (let i = 0; i < alertCount; i++) {
    const hostId = `host-${HOSTS[i % HOSTS.length]}`;
    const log = i % 3 === 2;
    const seriesKey = log ? `log.rate{template=t${(1000 + i).toString(16)}}` : METRICS[i % METRICS.length]!;
    const alertId = `${id}-a${i}`;
    const startMs = openedMs + i * 7000;
    const baseline = 10 + i;
    const alert: Alert = {
      id: alertId,
      hostId,
      seriesKey,
      severity: i % 2 === 0 ? 'critical' : 'warning',
      state: 'open',
      startMs,
      peakScore: 0.95 - i * 0.01,
      lastScore: 0.9,
      noise: false,
      evidence: {
        baseline,
        points: [
          [startMs, baseline * 4],
          [startMs + 1000, baseline * 5],
        ],
        ...(log
          ? {
              log: {
                kind: 'rate' as const,
                templateId: `t${(1000 + i).toString(16)}`,
                text: `postgres[<*>]: FATAL: remaining connection slots are reserved for non-replication superuser connections (pool <*>)`,
                level: 'error' as const,
                samples: [{ ts: startMs, src: 'journal', msg: `postgres[${4100 + i}]: FATAL: remaining connection slots are reserved for non-replication superuser connections (pool app${i})` }],
              },
            }
          : {}),
      },
    };
    alerts.set(alertId, alert);
    refs.push({ id: alertId, hostId, seriesKey, kind: log ? 'log' : 'metric', severity: alert.severity, state: 'open', startMs });
  }
  const cause = (host: string, name: string, score: number, explanation: string, pid?: number): IncidentCause => ({
    kind: pid !== undefined ? 'process' : 'host',
    hostId: `host-${host}`,
    host,
    name,
    ...(pid !== undefined ? { pid } : {}),
    node: pid !== undefined ? `proc:host-${host}:${pid}` : `host:host-${host}`,
    score,
    explanation,
    evidence: [{ metric: 'cpu % of a core', baseline: 12, peak: 96, onsetMs: openedMs }],
  });
  const causes = [
    cause('db-01', 'postgres', 0.62, 'postgres (pid 4100) on db-01 went from 12 % to 96 % of a core 8 s before the first alert, and web-01 and web-02 call it.', 4100),
    cause('web-01', 'web-01', 0.21, 'web-01 CPU rose from 15 % to 60 % after its calls to db-01 slowed.'),
    cause('cache-01', 'cache-01', 0.09, 'cache-01 memory rose slightly.'),
  ];
  const hostIds = [...new Set(refs.map((r) => r.hostId))];
  const incident: Incident = {
    id,
    state: 'open',
    severity: 'critical',
    title: `${refs[0]?.seriesKey ?? 'alert'} on web-01 (+${alertCount - 1} alerts)`,
    openedMs,
    updatedMs: openedMs + alertCount * 7000,
    alerts: refs,
    suppressed: { count: 0, alertIds: [] },
    hostIds,
    services: ['postgres', 'nginx'],
    causes,
    causesMs: openedMs + 10_000,
    subgraph: { nodes: causes.map((c) => c.node), edges: [] },
  };
  return { incident, alerts };
}
