/**
 * The diagnosis panel's state, pure: the latest record of the incident and the text streamed so far per
 * phase (diagnosis, then plan), folded from live `diagnosis` events; where each evidence reference links
 * (its host's charts, or its log lines); the remediation drawer's hash for the proposed runbook.
 */
import type { DiagnosisEvent, DiagnosisRecord, Incident, Plan } from '@cerebro/shared/api/contract';
import { logsHash, remediateHash } from '../../lib/route';
import { hostHash, LOG_CONTEXT_MS } from './incident-links';

export interface DiagnosisPanelState {
  readonly record: DiagnosisRecord | null;
  /** Text streamed by the model for the running record, by phase. */
  readonly streamed: { readonly diagnosis: string; readonly plan: string };
  /** A failed request (the diagnose button, the first load). */
  readonly error: string | null;
}

export const initialDiagnosisPanel: DiagnosisPanelState = { record: null, streamed: { diagnosis: '', plan: '' }, error: null };

/** Most characters of streamed text kept (the grammar bounds an answer well below this). */
const MAX_STREAM_CHARS = 8_000;

export function diagnosisEvent(s: DiagnosisPanelState, e: DiagnosisEvent): DiagnosisPanelState {
  if (e.kind === 'token') {
    if (e.phase === 'ask') return s;
    const phase = e.phase === 'plan' ? 'plan' : 'diagnosis';
    return { ...s, streamed: { ...s.streamed, [phase]: (s.streamed[phase] + e.text).slice(-MAX_STREAM_CHARS) } };
  }
  // A new run starts with an empty stream; the running record of this run keeps what streamed.
  const fresh = e.record.state === 'running' && s.record?.startedMs !== e.record.startedMs;
  return { record: e.record, streamed: fresh ? { diagnosis: '', plan: '' } : s.streamed, error: null };
}

export function diagnosisLoaded(s: DiagnosisPanelState, record: DiagnosisRecord | null): DiagnosisPanelState {
  // A live record newer than the loaded one wins.
  if (record && s.record && s.record.startedMs > record.startedMs) return s;
  return { ...s, record: record ?? s.record };
}

export function diagnosisFailed(s: DiagnosisPanelState, message: string): DiagnosisPanelState {
  return { ...s, error: message };
}

export interface EvidenceLink {
  readonly ref: string;
  readonly label: string;
  readonly href: string | null;
}

/** `alert:<id>` and `series:<host>/<key>` open the host's charts; `template:<id>` the template's lines. */
export function evidenceLink(ref: string, incident: Incident, nowMs: number, hostname: (id: string) => string): EvidenceLink {
  const colon = ref.indexOf(':');
  const kind = ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  if (kind === 'alert') {
    const a = incident.alerts.find((x) => x.id === rest);
    return { ref, label: a ? `alert ${a.seriesKey} on ${hostname(a.hostId)}` : ref, href: a ? hostHash(a.hostId) : null };
  }
  if (kind === 'series') {
    const slash = rest.indexOf('/');
    const hostId = slash < 0 ? rest : rest.slice(0, slash);
    return { ref, label: `${slash < 0 ? rest : rest.slice(slash + 1)} on ${hostname(hostId)}`, href: hostHash(hostId) };
  }
  if (kind === 'template') {
    const a = incident.alerts.find((x) => x.seriesKey.includes(`template=${rest}`));
    const to = (incident.resolvedMs ?? nowMs) + LOG_CONTEXT_MS;
    return { ref, label: `log template ${rest}`, href: logsHash({ template: rest, ...(a ? { host: a.hostId } : {}), from: incident.openedMs - LOG_CONTEXT_MS, to }) };
  }
  return { ref, label: ref, href: null };
}

/** The remediation drawer of the incident, opened on the plan's runbook and host, its params filled in. */
export function planRemediateHash(incidentId: string, plan: Plan): string | null {
  if (plan.runbookId === null || plan.hostId === null) return null;
  return remediateHash(incidentId, { runbookId: plan.runbookId, hostId: plan.hostId, params: Object.fromEntries(Object.entries(plan.params).map(([k, v]) => [k, String(v)])) });
}
