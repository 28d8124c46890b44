/**
 * Diagnoses incidents: gathers the incident, its stored alerts and similar past incidents, runs the
 * diagnosis step on the loaded model (or the rules), streams the model's text to listeners and keeps the
 * latest diagnosis per incident in memory (the newest 500).
 */
import type { Alert, DiagnosisEvent, DiagnosisRecord, Incident } from '@cerebro/shared/api/contract';
import { diagnosisStep, type DiagnosisInput } from './diagnosis-step';
import { similarIncidents } from './memory';
import { runStep, type Generator } from './steps';

export interface DiagnosisSources {
  readonly incidents: { get(id: string): Promise<Incident | null>; list(all: boolean): Promise<readonly Incident[]> };
  readonly alerts: { get(id: string): Promise<Alert | null> };
  /** The model host; null or not ready: rules only. */
  readonly generator: Generator | null;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

const KEEP = 500;

export class DiagnosisNotFoundError extends Error {
  override readonly name = 'DiagnosisNotFoundError';
}

export class DiagnosisService {
  private readonly records = new Map<string, DiagnosisRecord>();
  private readonly running = new Map<string, Promise<DiagnosisRecord>>();
  private readonly listeners = new Set<(e: DiagnosisEvent) => void>();

  constructor(private readonly sources: DiagnosisSources) {}

  onEvent(listener: (e: DiagnosisEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(incidentId: string): DiagnosisRecord | null {
    return this.records.get(incidentId) ?? null;
  }

  /** The input the diagnosis step reads (also what the benchmark times). */
  async input(incidentId: string): Promise<DiagnosisInput> {
    const incident = await this.sources.incidents.get(incidentId);
    if (!incident) throw new DiagnosisNotFoundError(`no incident with id ${incidentId}; list them with GET /incidents?state=all`);
    const alerts = new Map<string, Alert>();
    for (const a of incident.alerts.slice(0, 64)) {
      const full = await this.sources.alerts.get(a.id);
      if (full) alerts.set(a.id, full);
    }
    const past = await this.sources.incidents.list(true);
    return { incident, alerts, similar: similarIncidents(incident, past) };
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
      let input: DiagnosisInput;
      try {
        input = await this.input(incidentId);
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
        similar: input.similar,
        promptTokens: null,
        generatedTokens: null,
      };
      this.store(base);
      resolveStarted(base);
      try {
        const r = await runStep(diagnosisStep, input, useModel ? generator : null, (text) => this.emit({ kind: 'token', incidentId, text }));
        const record: DiagnosisRecord = {
          ...base,
          state: 'done',
          source: r.source,
          model: r.source === 'model' ? base.model : null,
          finishedMs: Date.now(),
          diagnosis: r.value,
          notes: r.notes,
          promptTokens: r.timings?.promptTokens ?? null,
          generatedTokens: r.timings?.generatedTokens ?? null,
        };
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
    this.records.delete(record.incidentId);
    this.records.set(record.incidentId, record);
    while (this.records.size > KEEP) this.records.delete(this.records.keys().next().value as string);
    this.emit({ kind: 'record', record });
  }

  private emit(e: DiagnosisEvent): void {
    for (const l of this.listeners) l(e);
  }
}
