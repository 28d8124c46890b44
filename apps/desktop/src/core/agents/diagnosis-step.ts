/**
 * The diagnosis step: reads an incident (alerts in onset order, ranked causes with their evidence, log
 * templates the alerts carry, similar past incidents) as a compact text, and answers with summary, root
 * cause, confidence and evidence references. References are `alert:<id>`, `series:<host id>/<key>` and
 * `template:<id>`, and the schema makes them an enum of those the incident holds.
 */
import { DIAGNOSIS_CONFIDENCE, DIAGNOSIS_LIMITS, type Alert, type Diagnosis, type DiagnosisConfidence, type Incident } from '@cerebro/shared/api/contract';
import type { AgentStep, StepCheck } from './steps';

export interface SimilarIncident {
  readonly incidentId: string;
  readonly title: string;
  readonly score: number;
  readonly by?: 'bm25' | 'bm25+embedding';
}

export interface DiagnosisInput {
  readonly incident: Incident;
  /** The incident's alerts as stored (for log evidence and scores); those not found are left out. */
  readonly alerts: ReadonlyMap<string, Alert>;
  readonly similar: readonly SimilarIncident[];
}

/** Most alerts and causes written into the context (the rest are counted). */
const MAX_ALERTS = 40;
const MAX_CAUSES = 5;
/** The context stops growing past this many characters (about 2,000 tokens of a real tokenizer). */
const MAX_CONTEXT_CHARS = 9000;

export const alertRef = (id: string): string => `alert:${id}`;
export const seriesRef = (hostId: string, key: string): string => `series:${hostId}/${key}`;
export const templateRef = (id: string): string => `template:${id}`;

/** Every reference the incident can back, in onset order. */
export function incidentRefs(input: DiagnosisInput): string[] {
  const refs = new Set<string>();
  for (const a of input.incident.alerts) {
    refs.add(alertRef(a.id));
    refs.add(seriesRef(a.hostId, a.seriesKey));
    const log = input.alerts.get(a.id)?.evidence.log;
    if (log) refs.add(templateRef(log.templateId));
  }
  return [...refs];
}

const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2));
const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The incident as compact lines, oldest alert first. */
export function incidentContext(input: DiagnosisInput): string {
  const inc = input.incident;
  const lines: string[] = [];
  const hostNames = new Map(inc.causes.map((c) => [c.hostId, c.host]));
  const host = (id: string): string => hostNames.get(id) ?? id;
  lines.push(`Incident ${inc.id}: ${inc.title}. Severity ${inc.severity}, ${inc.state}, opened ${new Date(inc.openedMs).toISOString()}.`);
  lines.push(`Hosts: ${inc.hostIds.map(host).join(', ') || 'none'}. Services: ${inc.services.join(', ') || 'none'}.`);
  lines.push(`Alerts in onset order (${inc.alerts.length}${inc.suppressed.count > 0 ? `, plus ${inc.suppressed.count} folded into host.lost` : ''}):`);
  let chars = lines.join('\n').length;
  let written = 0;
  for (const a of inc.alerts.slice(0, MAX_ALERTS)) {
    const full = input.alerts.get(a.id);
    const at = Math.round((a.startMs - inc.openedMs) / 1000);
    let line = `- ${alertRef(a.id)} ${a.severity} ${a.kind} on ${host(a.hostId)} ${seriesRef(a.hostId, a.seriesKey)} at +${at}s${a.state === 'resolved' ? ' (resolved)' : ''}`;
    if (full) {
      const peak = full.evidence.points.reduce((m, p) => (Math.abs(p[1] - full.evidence.baseline) > Math.abs(m - full.evidence.baseline) ? p[1] : m), full.evidence.baseline);
      line += `, score ${full.peakScore.toFixed(2)}, baseline ${num(full.evidence.baseline)}, peak ${num(peak)}`;
      const log = full.evidence.log;
      if (log) {
        line += `; log ${log.kind} ${templateRef(log.templateId)} [${log.level}] "${clip(log.text, 160)}"`;
        const sample = log.samples.at(-1);
        if (sample) line += `, e.g. "${clip(sample.msg, 160)}"`;
      }
    }
    if (chars + line.length > MAX_CONTEXT_CHARS) break;
    lines.push(line);
    chars += line.length + 1;
    written++;
  }
  if (written < inc.alerts.length) lines.push(`- … ${inc.alerts.length - written} more alerts`);
  lines.push(inc.causes.length > 0 ? 'Ranked causes (best first, from the topology and the evidence):' : 'No causes ranked yet.');
  inc.causes.slice(0, MAX_CAUSES).forEach((c, i) => {
    const ev = c.evidence
      .slice(0, 3)
      .map((e) => `${e.metric} ${num(e.baseline)}→${num(e.peak)}`)
      .join('; ');
    lines.push(`${i + 1}. ${c.kind} ${c.name}${c.pid !== undefined ? ` (pid ${c.pid})` : ''} on ${c.host}, score ${c.score.toFixed(2)}: ${clip(c.explanation, 240)}${ev ? ` [${ev}]` : ''}`);
  });
  if (input.similar.length > 0) {
    lines.push('Similar past incidents:');
    for (const s of input.similar) lines.push(`- ${s.incidentId}: ${clip(s.title, 120)}`);
  }
  return lines.join('\n');
}

const SYSTEM =
  'You are a senior site reliability engineer. Read the incident and answer in JSON: a short summary of what is wrong, the most likely root cause, your confidence, and the evidence references (copied exactly from the incident) that support it.';

function schema(input: DiagnosisInput): object {
  const refs = incidentRefs(input);
  return {
    type: 'object',
    properties: {
      summary: { type: 'string', maxLength: DIAGNOSIS_LIMITS.summaryChars },
      rootCause: { type: 'string', maxLength: DIAGNOSIS_LIMITS.rootCauseChars },
      confidence: { enum: [...DIAGNOSIS_CONFIDENCE] },
      evidence: refs.length > 0 ? { type: 'array', items: { enum: refs }, maxItems: DIAGNOSIS_LIMITS.evidence } : { type: 'array', items: { type: 'string', maxLength: 1 }, maxItems: 0 },
    },
    required: ['summary', 'rootCause', 'confidence', 'evidence'],
  };
}

function check(answer: unknown, input: DiagnosisInput): StepCheck<Diagnosis> {
  const problems: string[] = [];
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return { value: null, invalidRefs: [], problems: ['the answer is not a JSON object'] };
  const a = answer as Record<string, unknown>;
  const text = (k: string, max: number): string => {
    const v = a[k];
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`"${k}" must be a non-empty string`);
      return '';
    }
    if (v.length > max) problems.push(`"${k}" is over ${max} characters`);
    return v.trim().slice(0, max);
  };
  const summary = text('summary', DIAGNOSIS_LIMITS.summaryChars);
  const rootCause = text('rootCause', DIAGNOSIS_LIMITS.rootCauseChars);
  const confidence = a['confidence'];
  if (!DIAGNOSIS_CONFIDENCE.includes(confidence as DiagnosisConfidence)) problems.push(`"confidence" must be one of ${DIAGNOSIS_CONFIDENCE.join(', ')}`);
  const rawEvidence = a['evidence'];
  if (!Array.isArray(rawEvidence)) problems.push('"evidence" must be an array of references');
  const known = new Set(incidentRefs(input));
  const evidence: string[] = [];
  const invalidRefs: string[] = [];
  for (const r of Array.isArray(rawEvidence) ? rawEvidence : []) {
    if (typeof r === 'string' && known.has(r)) {
      if (!evidence.includes(r)) evidence.push(r);
    } else invalidRefs.push(typeof r === 'string' ? r : JSON.stringify(r));
  }
  if (evidence.length > DIAGNOSIS_LIMITS.evidence) problems.push(`"evidence" has over ${DIAGNOSIS_LIMITS.evidence} references`);
  const usable = summary !== '' && rootCause !== '' && DIAGNOSIS_CONFIDENCE.includes(confidence as DiagnosisConfidence);
  return {
    value: usable ? { summary, rootCause, confidence: confidence as DiagnosisConfidence, evidence: evidence.slice(0, DIAGNOSIS_LIMITS.evidence) } : null,
    invalidRefs,
    problems,
  };
}

/**
 * From the ranking alone: the top cause's explanation is the root cause; confidence from how clearly it
 * leads (high: score ≥ 0.5 and twice the next; medium: any cause; low: none); evidence: the alerts on the
 * top cause's host (their series and templates), else the first alerts.
 */
export function ruleBasedDiagnosis(input: DiagnosisInput): Diagnosis {
  const inc = input.incident;
  const [top, next] = inc.causes;
  const confidence: DiagnosisConfidence = !top ? 'low' : top.score >= 0.5 && top.score >= 2 * (next?.score ?? 0) ? 'high' : 'medium';
  const onTop = top ? inc.alerts.filter((a) => a.hostId === top.hostId) : [];
  const chosen = (onTop.length > 0 ? onTop : inc.alerts).slice(0, 2);
  const evidence: string[] = [];
  for (const a of chosen) {
    evidence.push(alertRef(a.id), seriesRef(a.hostId, a.seriesKey));
    const log = input.alerts.get(a.id)?.evidence.log;
    if (log) evidence.push(templateRef(log.templateId));
  }
  const where = top ? `${top.kind} ${top.name} on ${top.host}` : 'no ranked cause yet';
  const summary = `${inc.title}: ${inc.alerts.length} alert${inc.alerts.length === 1 ? '' : 's'} on ${inc.hostIds.length} host${inc.hostIds.length === 1 ? '' : 's'}; most likely cause: ${where}.`;
  const rootCause = top ? top.explanation : 'Not enough evidence yet: the causes have not been ranked.';
  return {
    summary: clip(summary, DIAGNOSIS_LIMITS.summaryChars),
    rootCause: clip(rootCause, DIAGNOSIS_LIMITS.rootCauseChars),
    confidence,
    evidence: [...new Set(evidence)].slice(0, DIAGNOSIS_LIMITS.evidence),
  };
}

export const diagnosisStep: AgentStep<DiagnosisInput, Diagnosis> = {
  name: 'diagnosis',
  // Bounded by the schema anyway (summary + root cause + 6 references); this only stops a runaway grammar.
  maxTokens: 768,
  schema,
  prompt: (input) => ({ system: SYSTEM, user: `${incidentContext(input)}\n\nDiagnose this incident.` }),
  check,
  fallback: ruleBasedDiagnosis,
};
