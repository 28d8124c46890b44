/**
 * The local model agents on an incident: the model's state, a Diagnose button, the model's text streaming
 * while it writes, then the diagnosis (summary, root cause, confidence, evidence linking to the charts or
 * the log lines, similar past incidents) and the planner's proposal with a link to the remediation drawer.
 * Under the model's state, the agents' memory: its background embedding's progress, or what it holds.
 */
import type { Incident, MemoryStatus, PlanRecord } from '@cerebro/shared/api/contract';
import { ModelState } from '../../components/ModelState';
import { useModelsFeed } from '../../feeds/use-models-feed';
import { usePolledRoute } from '../../feeds/use-polled-route';
import { fmtClock } from '../../lib/format';
import { routeHash } from '../../lib/route';
import { evidenceLink, planRemediateHash } from './diagnosis-model';
import { useDiagnosisFeed } from './use-diagnosis-feed';
import './diagnosis.css';

/** One line for the memory's state (GET /agents/memory): the background pass's progress, what is embedded, or why search is lexical. */
export function memoryText(m: MemoryStatus): string {
  const held = `${m.vectors.incident} incidents, ${m.vectors.resolution} resolutions, ${m.vectors.runbook} runbooks`;
  switch (m.state) {
    case 'off':
      return 'Memory: no model loaded; similar incidents are found by their words (BM25)';
    case 'embedding':
      return `Memory: embedding ${m.done} of ${m.total} documents in the background (${held} so far); similar incidents by BM25 where no vector exists yet`;
    case 'failed':
      return `Memory: the last embedding pass failed (${m.error ?? 'no reason given'}); ${held} embedded`;
    case 'idle':
      return `Memory: ${held} embedded${m.dimension !== null ? ` (${m.dimension} dimensions)` : ''}; similar incidents by cosine similarity`;
  }
}

function MemoryLine() {
  const { value, error } = usePolledRoute('agentMemory', {}, 3000);
  if (error && !value) return null;
  if (!value) return null;
  const pct = value.state === 'embedding' && value.total > 0 ? Math.round((100 * value.done) / value.total) : null;
  return (
    <p className="diagnosis-memory muted" data-testid="diagnosis-memory" data-state={value.state}>
      {memoryText(value)}
      {pct !== null ? <progress max={100} value={pct} aria-label="Memory embedding progress" /> : null}
    </p>
  );
}

export function DiagnosisPanel({ incident, nowMs, hostname }: { incident: Incident; nowMs: number; hostname: (id: string) => string }) {
  const models = useModelsFeed();
  const { state, diagnose } = useDiagnosisFeed(incident.id);
  const r = state.record;
  const running = r?.state === 'running';
  return (
    <section className="incident-section diagnosis-panel" data-testid="diagnosis-panel" data-state={r?.state ?? 'none'}>
      <h3>
        Diagnosis
        {r && r.state !== 'running' ? <span className="muted"> · {r.source === 'model' ? `by ${r.model ?? 'the model'}` : 'from the root-cause ranking'} at {fmtClock(r.finishedMs ?? r.startedMs)}</span> : null}
      </h3>
      <ModelState models={models} />
      <MemoryLine />
      <div className="diagnosis-actions">
        <button type="button" className="action" onClick={diagnose} disabled={running} data-testid="diagnose">
          {running ? (r?.phase === 'plan' ? 'Planning…' : 'Diagnosing…') : r ? 'Diagnose again' : 'Diagnose'}
        </button>
        <a className="action" href={routeHash({ name: 'ask', incident: incident.id })} data-testid="ask-about">
          Ask about it
        </a>
      </div>
      {state.error ? (
        <p className="diagnosis-error" role="alert">
          {state.error}
        </p>
      ) : null}
      {running && (state.streamed.diagnosis || state.streamed.plan) ? (
        <pre className="diagnosis-stream" data-testid="diagnosis-stream" aria-live="polite">
          {state.streamed.diagnosis}
          {state.streamed.plan ? `\n${state.streamed.plan}` : ''}
        </pre>
      ) : null}
      {r?.state === 'failed' ? <p role="alert">The diagnosis failed: {r.error}</p> : null}
      {r?.diagnosis ? (
        <div className="diagnosis-result" data-testid="diagnosis-result">
          <p className="diagnosis-summary" data-testid="diagnosis-summary">
            {r.diagnosis.summary}
          </p>
          <dl className="facts">
            <div>
              <dt>Root cause</dt>
              <dd data-testid="diagnosis-root-cause">{r.diagnosis.rootCause}</dd>
            </div>
            <div>
              <dt>Confidence</dt>
              <dd className={`confidence confidence-${r.diagnosis.confidence}`} data-testid="diagnosis-confidence">
                {r.diagnosis.confidence}
              </dd>
            </div>
          </dl>
          {r.diagnosis.evidence.length > 0 ? (
            <ul className="diagnosis-evidence" data-testid="diagnosis-evidence">
              {r.diagnosis.evidence.map((ref) => {
                const l = evidenceLink(ref, incident, nowMs, hostname);
                return <li key={ref}>{l.href ? <a href={l.href}>{l.label}</a> : l.label}</li>;
              })}
            </ul>
          ) : null}
          {r.similar.length > 0 ? (
            <p className="diagnosis-similar">
              Similar past incidents{r.similarMethod ? <span className="muted"> ({r.similarMethod})</span> : null}:{' '}
              {r.similar.map((s, k) => (
                <span key={s.incidentId}>
                  {k > 0 ? ', ' : ''}
                  <a href={routeHash({ name: 'incidents', incidentId: s.incidentId })}>{s.title || s.incidentId}</a>
                </span>
              ))}
            </p>
          ) : null}
        </div>
      ) : null}
      {r?.plan ? <PlanView incidentId={incident.id} plan={r.plan} /> : null}
      {r && r.notes.length > 0 ? (
        <details className="diagnosis-notes">
          <summary>Notes ({r.notes.length + (r.plan?.notes.length ?? 0)})</summary>
          <ul>
            {[...r.notes, ...(r.plan?.notes ?? [])].map((n, k) => (
              <li key={k}>{n}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function PlanView({ incidentId, plan: p }: { incidentId: string; plan: PlanRecord }) {
  const { plan } = p;
  const href = planRemediateHash(incidentId, plan);
  return (
    <div className="diagnosis-plan" data-testid="diagnosis-plan" data-runbook={plan.runbookId ?? ''}>
      <h4>Proposed remediation{p.source === 'rules' && p.candidates.length > 0 ? <span className="muted"> · from the rule-based proposals</span> : null}</h4>
      {plan.runbookId && plan.hostId && href ? (
        <>
          <p>
            <code>{plan.runbookId}</code> on <code>{plan.hostId}</code>: {plan.reason}
          </p>
          {Object.keys(plan.params).length > 0 ? (
            <p className="muted">
              Params: {Object.entries(plan.params).map(([k, v]) => `${k}=${String(v)}`).join(', ')}
              {plan.missing.length > 0 ? ` · still needed: ${plan.missing.join(', ')}` : ''}
            </p>
          ) : null}
          <a className="action primary" href={href} data-testid="plan-remediate">
            Review and run…
          </a>
        </>
      ) : (
        <p data-testid="plan-none">{plan.reason}</p>
      )}
    </div>
  );
}
