/**
 * The agents of the console core, assembled from its stores: the diagnosis service (diagnosis, then plan;
 * records persisted in LMDB), the executor (plans to the remediation engine) and the orchestrator (Ask,
 * with read-only tools over the TSDB, the log store, the topology and the incident memory).
 */
import type { RootDatabase } from 'lmdb';
import type { AlertStore } from '../alerts/alert-store';
import { TopologyBuilder } from '../api/topology';
import type { HostRegistry } from '../hosts/registry';
import type { IncidentService } from '../incidents/service';
import type { LogService } from '../logs/log-service';
import type { ModelHost } from '../models/model-host';
import type { RemediationService } from '../remediation/service';
import type { TelemetryStore } from '../tsdb/store';
import { DiagnosisService } from './diagnosis-service';
import { LmdbDiagnosisStore } from './diagnosis-store';
import { PlanExecutor } from './executor';
import { Orchestrator } from './orchestrator';
import type { AgentDeps } from './routes';
import type { ToolSources } from './tools';

export interface ConsoleAgentParts {
  readonly env: RootDatabase;
  readonly registry: HostRegistry;
  readonly store: TelemetryStore;
  readonly logs: LogService;
  readonly incidents: IncidentService;
  readonly alerts: AlertStore;
  readonly models: ModelHost;
  /** null: remediation is off (the planner says so; the plan routes answer NOT_FOUND). */
  readonly remediation: RemediationService | null;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export function consoleTools(p: Pick<ConsoleAgentParts, 'registry' | 'store' | 'logs' | 'incidents'>): ToolSources {
  const topology = new TopologyBuilder(p.registry);
  return {
    hosts: () => p.registry.list().map((h) => ({ id: h.id, hostname: h.hostname })),
    seriesKeys: (hostId) => p.store.listSeries(hostId).map((s) => s.key),
    latest: (hostId, key) => p.store.latest(hostId, key),
    range: (hostId, key, from, to, maxPoints) => {
      const r = p.store.query(hostId, key, { from, to, maxPoints });
      const vs = r.kind === 'raw' ? r.v : r.avg;
      return r.t.map((t, i) => [t, vs[i] ?? Number.NaN] as const);
    },
    templates: () => {
      const now = Date.now();
      return [...p.logs.templates(undefined, now - 3_600_000, now).templates].sort((a, b) => b.count - a.count).map((t) => ({ id: t.id, text: t.text }));
    },
    logLines: (templateId, limit) => p.logs.search({ levels: null, templateId, terms: [], from: 0, to: Date.now(), limit, cursor: null }).records,
    topology: () => topology.view(),
    incidents: () => p.incidents.list(true),
  };
}

export function consoleAgents(p: ConsoleAgentParts): AgentDeps & { readonly diagnoses: DiagnosisService } {
  const r = p.remediation;
  const view = { host: (id: string) => p.registry.get(id), latest: (id: string, key: string) => p.store.latest(id, key), processes: (id: string) => p.registry.processes(id) };
  const diagnoses = new DiagnosisService({
    incidents: p.incidents,
    alerts: p.alerts,
    generator: p.models,
    log: p.log,
    planner: r ? { runbooks: () => r.runbooks().runbooks, view } : null,
    store: new LmdbDiagnosisStore(p.env),
  });
  const executor = new PlanExecutor(r ? r.engine : null, (id) => diagnoses.plan(id));
  const orchestrator = new Orchestrator({ generator: p.models, tools: consoleTools(p), diagnoses, incidents: p.incidents, log: p.log });
  return { models: p.models, diagnoses, executor, orchestrator };
}
