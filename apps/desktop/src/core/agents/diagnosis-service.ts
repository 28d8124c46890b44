/**
 * Diagnoses incidents and plans their remediation: gathers the incident, its stored alerts and similar past
 * incidents, runs the diagnosis step on the loaded model (or the rules), then the planner step on the
 * runbooks whose preconditions hold; streams the model's text to listeners (tagged with the phase) and
 * keeps the latest record per incident (the newest 500), persisted when a store is given.
 * With a memory (embedding-memory.ts) similar incidents, past resolutions and runbooks come from it (cosine
 * over stored embeddings, or BM25, the record says which) and the planner's prompt lists the resolutions;
 * without one, BM25 over the incidents reranked by embeddings computed on the spot (memory.ts).
 */
import type { Alert, Diagnosis, DiagnosisEvent, DiagnosisRecord, Incident, MemoryMethod, PlanRecord, SimilarMemoryDoc } from '@cerebro/shared/api/contract';
import type { MemorySearch } from './embedding-memory';
import type { DiagnosisStore } from './diagnosis-store';
import { diagnosisStep, type DiagnosisInput } from './diagnosis-step';
import { incidentDoc } from './memory-docs';
import { planStep } from './plan-step';
import { planningInput, type Planning, type PlannerSources } from './planning';
import { similarIncidentsRanked } from './memory';
import { runStep, type AgentStep, type Generator } from './steps';

export interface DiagnosisSources {
  readonly incidents: { get(id: string): Promise<Incident | null>; list(all: boolean): Promise<readonly Incident[]> };
  readonly alerts: { get(id: string): Promise<Alert | null> };
  /** The model host; null or not ready: rules only. */
  readonly generator: Generator | null;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** The runbook library and host view for the planner; null or absent: remediation is off (the plan says so). */
  readonly planner?: PlannerSources | null;
  /** Where finished records are kept across restarts; absent: memory only. */
  readonly store?: DiagnosisStore;
  /** The persisted memory of incidents, resolutions and runbooks; absent: BM25 reranked by on-the-spot embeddings. */
  readonly memory?: MemorySearch;
}

/** What the memory found for an incident beyond similar incidents: offered to the planner, kept in the record. */
export interface MemoryFindings {
  /** The similar incidents as the record cites them (with `by`; the step's input carries them without). */
  readonly similar: DiagnosisRecord['similar'];
  /** How the similar incidents were found. */
  readonly incidentsMethod: MemoryMethod;
  /** How the resolutions and runbooks were found. */
  readonly method: MemoryMethod;
  readonly resolutions: readonly SimilarMemoryDoc[];
  readonly runbooks: readonly SimilarMemoryDoc[];
}

/** Hits of each kind the memory gives a diagnosis. */
const MEMORY_HITS = 3;
const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The planner step with the memory's past resolutions (and the similar runbooks it may choose) after its prompt. */
function plannerWithMemory(memory: MemoryFindings | null): AgentStep<Planning, PlanRecord['plan']> {
  if (!memory || memory.resolutions.length + memory.runbooks.length === 0) return planStep;
  return {
    ...planStep,
    prompt: (input) => {
      const p = planStep.prompt(input);
      const candidates = new Set(input.candidates.map((c) => c.runbook.id));
      const lines: string[] = [];
      if (memory.resolutions.length > 0) lines.push(`How similar past incidents were handled (memory, ${memory.method}):`, ...memory.resolutions.map((r) => `- ${clip(r.title, 140)}`));
      const runbooks = memory.runbooks.filter((r) => candidates.has(r.id));
      if (runbooks.length > 0) lines.push(`Candidate runbooks most similar to this incident: ${runbooks.map((r) => r.id).join(', ')}`);
      return lines.length === 0 ? p : { system: p.system, user: `${p.user}\n${lines.join('\n')}` };
    },
  };
}

const KEEP = 500;

export class DiagnosisNotFoundError extends Error {
  override readonly name = 'DiagnosisNotFoundError';
}

export class DiagnosisService {
  private readonly records = new Map<string, DiagnosisRecord>();
  private readonly running = new Map<string, Promise<DiagnosisRecord>>();
  private readonly listeners = new Set<(e: DiagnosisEvent) => void>();
  /** Embedding vectors of incidents, by id and version (memory.ts). */
  private readonly vectors = new Map<string, number[]>();

  constructor(private readonly sources: DiagnosisSources) {
    for (const r of sources.store?.load() ?? []) this.remember(r);
  }

  /** Send an event to the listeners (the orchestrator's Ask tokens travel on the same live topic). */
  publish(e: DiagnosisEvent): void {
    this.emit(e);
  }

  /** The plan of the incident's latest finished diagnosis, if any. */
  plan(incidentId: string): PlanRecord | null {
    return this.records.get(incidentId)?.plan ?? null;
  }

  /** Plan (again) from a diagnosis: the planner step alone, for the orchestrator. */
  async planFor(incident: Incident, diagnosis: Diagnosis | null, options: { rulesOnly?: boolean; onText?: (text: string) => void; memory?: MemoryFindings | null } = {}): Promise<PlanRecord> {
    const planning = planningInput(incident, diagnosis, this.sources.planner ?? null);
    const candidates = planning.candidates.map((c) => c.runbook.id);
    if (planning.candidates.length === 0) {
      // Nothing to choose: the model is not asked.
      return { source: 'rules', plan: planStep.fallback(planning), candidates, excluded: planning.excluded, notes: [planning.unavailable ?? 'no runbook fits'], promptTokens: null, generatedTokens: null };
    }
    const generator = options.rulesOnly ? null : this.sources.generator;
    const r = await runStep(plannerWithMemory(options.memory ?? null), planning, generator?.ready() ? generator : null, options.onText);
    return { source: r.source, plan: r.value, candidates, excluded: planning.excluded, notes: r.notes, promptTokens: r.timings?.promptTokens ?? null, generatedTokens: r.timings?.generatedTokens ?? null };
  }

  /** Whether a diagnosis runs now (the memory's background embedding waits meanwhile). */
  busy(): boolean {
    return this.running.size > 0;
  }

  onEvent(listener: (e: DiagnosisEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(incidentId: string): DiagnosisRecord | null {
    return this.records.get(incidentId) ?? null;
  }

  /** The input the diagnosis step reads (also what the benchmark times). */
  async input(incidentId: string, options: { embed?: boolean } = {}): Promise<DiagnosisInput & { readonly memoryNote: string | null; readonly memory: MemoryFindings | null }> {
    const incident = await this.sources.incidents.get(incidentId);
    if (!incident) throw new DiagnosisNotFoundError(`no incident with id ${incidentId}; list them with GET /incidents?state=all`);
    const alerts = new Map<string, Alert>();
    for (const a of incident.alerts.slice(0, 64)) {
      const full = await this.sources.alerts.get(a.id);
      if (full) alerts.set(a.id, full);
    }
    const memory = this.sources.memory;
    if (memory) {
      // Searches embed only their query (the incident's stored vector when it has one): never a whole pass.
      const opts = { embed: options.embed ?? false };
      const similar = await memory.similarIncidents(incident, MEMORY_HITS, opts);
      const query = incidentDoc(incident);
      const resolutions = await memory.search('resolution', query, MEMORY_HITS, opts);
      const runbooks = await memory.search('runbook', query, MEMORY_HITS, opts);
      const by = similar.method.startsWith('cosine') ? ('cosine' as const) : ('bm25' as const);
      const cited = similar.hits.map((h) => ({ incidentId: h.id, title: h.title, score: h.score }));
      return {
        incident,
        alerts,
        similar: cited,
        memoryNote: null,
        memory: { similar: cited.map((c) => ({ ...c, by })), incidentsMethod: similar.method, method: resolutions.method, resolutions: resolutions.hits, runbooks: runbooks.hits },
      };
    }
    const past = await this.sources.incidents.list(true);
    const g = this.sources.generator;
    const embed = options.embed && g?.embed && g.ready() ? (texts: readonly string[]) => g.embed!(texts) : null;
    const { hits, note } = await similarIncidentsRanked(incident, past, embed, this.vectors);
    return { incident, alerts, similar: hits, memoryNote: note, memory: null };
  }

  /**
   * Start a diagnosis (one at a time per incident: a second call while one runs joins it). `started`
   * resolves with the running record at once; `done` with the finished one.
   */
  start(incidentId: string, options: { rulesOnly?: boolean } = {}): { started: Promise<DiagnosisRecord>; done: Promise<DiagnosisRecord> } {
    const existing = this.running.get(incidentId);
    if (existing) return { started: Promise.resolve(this.records.get(incidentId)!), done: existing };
    const startedMs = Date.now();
    const generator = options.rulesOnly ? null : this.sources.generator;
    const useModel = generator?.ready() ?? false;
    let resolveStarted!: (r: DiagnosisRecord) => void;
    let rejectStarted!: (e: Error) => void;
    const started = new Promise<DiagnosisRecord>((res, rej) => {
      resolveStarted = res;
      rejectStarted = rej;
    });
    const done = (async (): Promise<DiagnosisRecord> => {
      let input: DiagnosisInput & { readonly memoryNote: string | null; readonly memory: MemoryFindings | null };
      try {
        input = await this.input(incidentId, { embed: useModel });
      } catch (e) {
        rejectStarted(e as Error);
        throw e;
      }
      const base: DiagnosisRecord = {
        incidentId,
        state: 'running',
        source: useModel ? 'model' : 'rules',
        model: useModel ? (generator?.modelName() ?? null) : null,
        startedMs,
        finishedMs: null,
        diagnosis: null,
        notes: [],
        similar: input.memory?.similar ?? input.similar,
        ...(input.memory ? { similarMethod: input.memory.incidentsMethod, similarResolutions: input.memory.resolutions, similarRunbooks: input.memory.runbooks } : {}),
        promptTokens: null,
        generatedTokens: null,
        phase: 'diagnosis',
        plan: null,
      };
      this.store(base);
      resolveStarted(base);
      try {
        const r = await runStep(diagnosisStep, input, useModel ? generator : null, (text) => this.emit({ kind: 'token', incidentId, text, phase: 'diagnosis' }));
        const diagnosed: DiagnosisRecord = {
          ...base,
          phase: 'plan',
          source: r.source,
          model: r.source === 'model' ? base.model : null,
          diagnosis: r.value,
          notes: input.memoryNote ? [...r.notes, input.memoryNote] : r.notes,
          promptTokens: r.timings?.promptTokens ?? null,
          generatedTokens: r.timings?.generatedTokens ?? null,
        };
        this.store(diagnosed);
        const plan = await this.planFor(input.incident, r.value, { rulesOnly: !useModel, memory: input.memory, onText: (text) => this.emit({ kind: 'token', incidentId, text, phase: 'plan' }) });
        const { phase: _phase, ...rest } = diagnosed;
        const record: DiagnosisRecord = { ...rest, state: 'done', finishedMs: Date.now(), plan };
        this.store(record);
        return record;
      } catch (e) {
        const record: DiagnosisRecord = { ...base, state: 'failed', finishedMs: Date.now(), error: (e as Error).message };
        this.sources.log?.('error', `agents: diagnosis of ${incidentId} failed: ${(e as Error).message}`);
        this.store(record);
        return record;
      }
    })();
    this.running.set(incidentId, done);
    void done.then(
      () => this.running.delete(incidentId),
      () => this.running.delete(incidentId),
    );
    return { started, done };
  }

  private store(record: DiagnosisRecord): void {
    this.remember(record);
    if (record.state !== 'running') this.sources.store?.save(record);
    this.emit({ kind: 'record', record });
  }

  private remember(record: DiagnosisRecord): void {
    this.records.delete(record.incidentId);
    this.records.set(record.incidentId, record);
    while (this.records.size > KEEP) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
      this.sources.store?.delete(oldest);
    }
  }

  private emit(e: DiagnosisEvent): void {
    for (const l of this.listeners) l(e);
  }
}
