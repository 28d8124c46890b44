/**
 * The agents of the console core, assembled from its stores: the memory (past incidents, resolutions and
 * runbooks, embedded in the background by the loaded model, vectors in LMDB), the diagnosis service
 * (diagnosis, then plan; records persisted in LMDB), the executor (plans to the remediation engine) and the
 * orchestrator (Ask, persisted in LMDB, with read-only tools over the TSDB, the log store, the topology
 * and the memory).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RootDatabase } from 'lmdb';
import type { AlertStore } from '../alerts/alert-store';
import { TopologyBuilder } from '../api/topology';
import type { HostRegistry } from '../hosts/registry';
import type { IncidentService } from '../incidents/service';
import type { LogService } from '../logs/log-service';
import type { ModelHost } from '../models/model-host';
import type { RemediationService } from '../remediation/service';
import type { TelemetryStore } from '../tsdb/store';
import { LmdbAskStore } from './ask-store';
import { DiagnosisService } from './diagnosis-service';
import { LmdbDiagnosisStore } from './diagnosis-store';
import { EmbeddingMemory, type Embedder } from './embedding-memory';
import { PlanExecutor } from './executor';
import { LmdbVectorStore } from './memory-store';
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

/**
 * The model host as the memory's embedder. A model's identity is its file name, size and modification
 * time: a file replaced under the same name is another model, and its vectors are computed again.
 */
export function modelEmbedder(models: ModelHost): Embedder {
  return {
    ready: () => models.ready(),
    identity: async () => {
      const file = models.modelName();
      if (file === null || models.dir === null) return null;
      const st = await fs.stat(path.join(models.dir, file));
      return `${file}:${st.size}:${Math.trunc(st.mtimeMs)}`;
    },
    embed: (texts) => models.embed(texts),
  };
}

/** Delay of a memory pass after a change (changes close together make one pass), ms. */
const MEMORY_PASS_DELAY_MS = 5_000;

export function consoleAgents(p: ConsoleAgentParts): AgentDeps & { readonly diagnoses: DiagnosisService; readonly memory: EmbeddingMemory } {
  const r = p.remediation;
  // Bound below, once the diagnosis service and the orchestrator exist (they need the memory).
  let busy = (): boolean => false;
  const memory = new EmbeddingMemory({
    busy: () => busy(),
    store: new LmdbVectorStore(p.env),
    corpus: { incidents: () => p.incidents.list(true), runs: () => (r ? r.actions(2_000) : []), runbooks: () => (r ? r.runbooks().runbooks : []) },
    embedder: modelEmbedder(p.models),
    log: p.log,
  });
  // Embedding runs in the background: at each model load, and after incidents or runs change.
  p.models.onStatus((s) => {
    if (s.state === 'loaded') memory.schedule(0);
  });
  p.incidents.onChange(() => memory.schedule(MEMORY_PASS_DELAY_MS));
  r?.engine.onChange((run) => {
    if (run.state === 'succeeded' || run.state === 'failed' || run.state === 'rolled-back' || run.state === 'rollback-failed') memory.schedule(MEMORY_PASS_DELAY_MS);
  });
  const view = { host: (id: string) => p.registry.get(id), latest: (id: string, key: string) => p.store.latest(id, key), processes: (id: string) => p.registry.processes(id) };
  const diagnoses = new DiagnosisService({
    incidents: p.incidents,
    alerts: p.alerts,
    generator: p.models,
    log: p.log,
    planner: r ? { runbooks: () => r.runbooks().runbooks, view } : null,
    store: new LmdbDiagnosisStore(p.env),
    memory,
  });
  const executor = new PlanExecutor(r ? r.engine : null, (id) => diagnoses.plan(id));
  const orchestrator = new Orchestrator({ generator: p.models, tools: { ...consoleTools(p), memory }, diagnoses, incidents: p.incidents, log: p.log, store: new LmdbAskStore(p.env) });
  busy = () => diagnoses.busy() || orchestrator.busy();
  return { models: p.models, diagnoses, executor, orchestrator, memory };
}
