/**
 * #/ask: free questions to the local model agents. The orchestrator answers with read-only tools (series,
 * log lines, topology neighbours, similar past incidents) in a bounded number of steps; the text streams
 * while the model writes, and the tool calls it made are listed. About an incident (#/ask?incident=ID) it
 * may also diagnose and plan it.
 */
import { useEffect, useReducer, useRef, useState } from 'react';
import type { AskRecord, DiagnosisEvent } from '@cerebro/shared/api/contract';
import { ASK_LIMITS } from '@cerebro/shared/api/contract';
import { ModelState } from '../../components/ModelState';
import { useModelsFeed } from '../../feeds/use-models-feed';
import { routeHash } from '../../lib/route';
import { useTransport } from '../../transport/context';
import { askFailed, askRecord, askStarted, askToken, initialAsk, type AskState } from './ask-model';
import '../incidents/diagnosis.css';

type Msg = { readonly kind: 'started' } | { readonly kind: 'record'; readonly record: AskRecord } | { readonly kind: 'token'; readonly event: DiagnosisEvent } | { readonly kind: 'failed'; readonly message: string };

function reduce(s: AskState, m: Msg): AskState {
  switch (m.kind) {
    case 'started':
      return askStarted(s);
    case 'record':
      return askRecord(s, m.record);
    case 'token':
      return askToken(s, m.event);
    case 'failed':
      return askFailed(s, m.message);
  }
}

/** How often a running ask is re-read, ms (its tokens arrive live; the record's tool calls by polling). */
const POLL_MS = 500;

export function AskView({ incidentId }: { incidentId: string | null }) {
  const transport = useTransport();
  const models = useModelsFeed();
  const [question, setQuestion] = useState('');
  const [state, send] = useReducer(reduce, initialAsk);
  const askId = state.record?.id ?? null;
  const running = state.record?.state === 'running';
  const idRef = useRef<string | null>(null);
  idRef.current = askId;

  useEffect(() => transport.subscribe({ topic: 'diagnosis' }, (e) => e.type === 'diagnosis' && e.event.kind === 'token' && e.event.incidentId === idRef.current && send({ kind: 'token', event: e.event })), [transport]);
  useEffect(() => {
    if (!askId || !running) return;
    const timer = setInterval(() => {
      transport.request('askRecord', { hostId: askId }).then(
        (r) => send({ kind: 'record', record: r }),
        (e: Error) => send({ kind: 'failed', message: e.message }),
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [transport, askId, running]);

  const submit = (): void => {
    const q = question.trim();
    if (!q) return;
    send({ kind: 'started' });
    transport.agentPost('ask', undefined, { question: q, ...(incidentId ? { incidentId } : {}) }).then(
      (r) => send({ kind: 'record', record: r }),
      (e: Error) => send({ kind: 'failed', message: e.message }),
    );
  };

  const r = state.record;
  return (
    <section className="panel ask-view" data-testid="ask-view">
      <div className="panel-head">
        <h2>Ask</h2>
        {incidentId ? (
          <span className="muted">
            about <a href={routeHash({ name: 'incidents', incidentId })}>incident {incidentId}</a>
          </span>
        ) : (
          <span className="muted">about the fleet</span>
        )}
      </div>
      <div className="pad">
        <ModelState models={models} />
        <form
          className="ask-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <input type="text" value={question} maxLength={ASK_LIMITS.questionChars} onChange={(e) => setQuestion(e.target.value)} placeholder="e.g. Why is db-01 slow? What changed on web-02?" aria-label="Question" data-testid="ask-input" />
          <button type="submit" className="action primary" disabled={state.pending || running || question.trim() === ''} data-testid="ask-submit">
            {running || state.pending ? 'Thinking…' : 'Ask'}
          </button>
        </form>
        {state.error ? (
          <p className="diagnosis-error" role="alert">
            {state.error}
          </p>
        ) : null}
        {running && state.streamed ? (
          <pre className="diagnosis-stream" data-testid="ask-stream" aria-live="polite">
            {state.streamed}
          </pre>
        ) : null}
        {r && r.steps.length > 0 ? (
          <ol className="ask-steps" data-testid="ask-steps">
            {r.steps.map((c, k) => (
              <li key={k} className={c.ok ? '' : 'ask-step-failed'}>
                <code>
                  {c.tool}({Object.entries(c.args).map(([a, v]) => `${a}=${v}`).join(', ')})
                </code>{' '}
                <span className="muted">{c.result}</span>
              </li>
            ))}
          </ol>
        ) : null}
        {r && r.state !== 'running' ? (
          <div className="ask-answer" data-testid="ask-answer" data-action={r.action ?? ''} data-source={r.source}>
            {r.state === 'failed' ? <p role="alert">The question failed: {r.error}</p> : <p>{r.answer}</p>}
            {r.action !== 'answer' && r.incidentId ? <a href={routeHash({ name: 'incidents', incidentId: r.incidentId })}>See the diagnosis and plan on the incident</a> : null}
            {r.notes.length > 0 ? (
              <details>
                <summary>Notes ({r.notes.length})</summary>
                <ul>
                  {r.notes.map((n, k) => (
                    <li key={k}>{n}</li>
                  ))}
                </ul>
              </details>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}
