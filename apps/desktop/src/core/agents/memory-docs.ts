/**
 * The documents of the agents' memory, as text: past incidents (title, series, services, causes), their
 * resolutions (remediation runs that ended: runbook, outcome, verification, and what became of the incident)
 * and the runbooks (title, description, remedies). Each carries a hash of its text, so a changed document
 * is embedded again; the newest MEMORY_LIMITS of each kind are kept.
 */
import { createHash } from 'node:crypto';
import { MEMORY_LIMITS, type ActionRun, type Incident, type MemoryKind, type RunState, type Runbook } from '@cerebro/shared/api/contract';
import { incidentText } from './memory';

export interface MemoryDoc {
  readonly kind: MemoryKind;
  readonly id: string;
  readonly title: string;
  /** What is embedded (already cut to EMBED_CHARS) and what BM25 indexes. */
  readonly text: string;
  /** SHA-256 of `text` (first 16 hex digits). */
  readonly hash: string;
}

/** What the memory reads (the console core wires its stores in; tests pass arrays). */
export interface MemoryCorpus {
  /** Incidents, newest first (the incident store lists at most 500). */
  incidents(): Promise<readonly Incident[]>;
  /** Remediation runs, newest first; only those that ended become documents. */
  runs(): readonly ActionRun[];
  runbooks(): readonly Runbook[];
}

/**
 * Characters of a document embedded: the embedding context is 512 tokens and each token costs CPU; titles
 * and outcomes come first, so the cut drops the least telling part.
 */
export const EMBED_CHARS = 600;

/** Runs that ran and ended: they say how an incident was (or was not) resolved. */
const ENDED: ReadonlySet<RunState> = new Set<RunState>(['succeeded', 'failed', 'rolled-back', 'rollback-failed']);

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

function doc(kind: MemoryKind, id: string, title: string, text: string): MemoryDoc {
  const cut = text.replace(/\s+/g, ' ').trim().slice(0, EMBED_CHARS);
  return { kind, id, title, text: cut, hash: hashOf(cut) };
}

export function incidentDoc(inc: Incident): MemoryDoc {
  return doc('incident', inc.id, inc.title, incidentText(inc));
}

export function runbookDoc(rb: Runbook): MemoryDoc {
  return doc('runbook', rb.id, rb.title, `${rb.title}. ${rb.description} Remedies: ${rb.remedies.join(', ')}. Runbook ${rb.id}.`);
}

/** A run that ended, with the runbook's title and the incident it answered (when still known). */
export function resolutionDoc(run: ActionRun, runbook: Runbook | undefined, incident: Incident | undefined): MemoryDoc {
  const title = `${runbook?.title ?? run.runbookId} on ${run.hostId}: ${run.state}`;
  const verification = run.verification ? `Verification ${run.verification.ok ? 'passed' : 'failed'}: ${run.verification.checks.map((c) => c.detail).join('; ')}.` : 'Not verified.';
  let about = '';
  if (incident) {
    const resolved = incident.resolvedMs !== undefined && incident.resolvedMs >= run.createdMs;
    about = ` Incident: ${incident.title} (${incident.state}${resolved ? ', resolved after this run' : ''}). ${incident.causes.slice(0, 2).map((c) => `${c.kind} ${c.name}: ${c.explanation}`).join('; ')}`;
  }
  return doc('resolution', run.id, title, `${title}. Runbook ${run.runbookId}. ${run.summary}. ${verification}${about}`);
}

/** The memory's documents of one kind, newest first, at most MEMORY_LIMITS[kind]. */
export async function memoryDocs(corpus: MemoryCorpus, kind: MemoryKind): Promise<MemoryDoc[]> {
  switch (kind) {
    case 'incident':
      return (await corpus.incidents()).slice(0, MEMORY_LIMITS.incident).map(incidentDoc);
    case 'runbook':
      return corpus.runbooks().slice(0, MEMORY_LIMITS.runbook).map(runbookDoc);
    case 'resolution': {
      const runs = corpus.runs().filter((r) => ENDED.has(r.state)).slice(0, MEMORY_LIMITS.resolution);
      if (runs.length === 0) return [];
      const runbooks = new Map(corpus.runbooks().map((r) => [r.id, r]));
      const incidents = new Map((await corpus.incidents()).map((i) => [i.id, i]));
      return runs.map((r) => resolutionDoc(r, runbooks.get(r.runbookId), r.incidentId === undefined ? undefined : incidents.get(r.incidentId)));
    }
  }
}
