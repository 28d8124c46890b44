/**
 * The remediation drawer, over an incident (#/incidents/ID?remediate=RUNBOOK&host=HOST&cause=RANK&p.NAME=VALUE): the
 * runbook, its parameter form (prefilled from the link, else the incident's proposal, else the defaults),
 * the mandatory dry run with the policy's verdict, a confirm button that stays off until a dry run of
 * exactly these values allowed it, then the run's live progress, verification and rollback.
 */
import { useCallback, useEffect, useMemo, useReducer, useState } from 'react';
import type { ActionRun, RunbookProposal, Runbook } from '@cerebro/shared/api/contract';
import { remediateHash } from '../../lib/route';
import { useApp } from '../../state/store';
import type { RemediateLink } from '../../state/types';
import { useTransport } from '../../transport/context';
import { DryRunPreview } from './DryRunPreview';
import { confirmGate, confirmLabel, drawerReducer, formLocked, initialDrawer, isFinal, requestKey } from './drawer-model';
import { initialValues, parseForm } from './param-form';
import { ParamForm } from './ParamForm';
import { RunProgress } from './RunProgress';
import './remediation.css';

/** How often a started run is read back, ms. */
const POLL_MS = 500;
const OPERATOR = 'operator';

type Loaded = { readonly status: 'loading' } | { readonly status: 'error'; readonly message: string } | { readonly status: 'ready'; readonly runbooks: readonly Runbook[]; readonly proposals: readonly RunbookProposal[] };

function useDrawerData(incidentId: string): Loaded {
  const transport = useTransport();
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  useEffect(() => {
    let alive = true;
    Promise.all([transport.request('runbooks'), transport.request('remediationProposals', { query: { incident: incidentId } }).catch(() => ({ incidentId, proposals: [] }))]).then(
      ([rb, pr]) => alive && setLoaded({ status: 'ready', runbooks: rb.runbooks, proposals: pr.proposals }),
      (e: Error) => alive && setLoaded({ status: 'error', message: e.message }),
    );
    return () => {
      alive = false;
    };
  }, [transport, incidentId]);
  return loaded;
}

export function RemediationDrawer({ incidentId, link }: { incidentId: string; link: RemediateLink }) {
  const loaded = useDrawerData(incidentId);
  const closeHref = `#/incidents/${encodeURIComponent(incidentId)}`;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') window.location.hash = closeHref;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [closeHref]);
  let body;
  if (loaded.status === 'loading') body = <p className="muted pad">Loading the runbook…</p>;
  else if (loaded.status === 'error') body = <p className="rem-error pad" data-testid="rem-load-error">The runbooks cannot be loaded: {loaded.message}</p>;
  else {
    const runbook = loaded.runbooks.find((r) => r.id === link.runbookId);
    body = runbook ? (
      <DrawerBody key={JSON.stringify(link)} incidentId={incidentId} runbook={runbook} link={link} proposals={loaded.proposals} />
    ) : (
      <p className="rem-error pad" data-testid="rem-load-error">
        No runbook “{link.runbookId}” is loaded; the library has {loaded.runbooks.map((r) => r.id).join(', ') || 'none'}.
      </p>
    );
  }
  return (
    <aside className="rem-drawer panel" data-testid="remediation-drawer" data-runbook={link.runbookId} role="dialog" aria-label="Remediation">
      <div className="panel-head">
        <h2>Remediate</h2>
        <a className="action rem-close" href={closeHref} data-testid="rem-close" title="Close (Esc)">
          Close
        </a>
      </div>
      {body}
    </aside>
  );
}

function DrawerBody({ incidentId, runbook, link, proposals }: { incidentId: string; runbook: Runbook; link: RemediateLink; proposals: readonly RunbookProposal[] }) {
  const transport = useTransport();
  const { incident, hosts } = useApp((s) => ({ incident: s.incidents.byId[incidentId], hosts: s.hosts }));
  const fits = (p: RunbookProposal): boolean => p.runbookId === runbook.id && (link.hostId === undefined || p.hostId === link.hostId);
  const proposal = proposals.find((p) => fits(p) && (link.cause === undefined || p.causeRank === link.cause)) ?? proposals.find(fits);
  const hostId = link.hostId ?? proposal?.hostId ?? incident?.hostIds[0] ?? null;
  const hostname = hostId ? (hosts[hostId]?.hostname ?? hostId) : '(no host)';
  const [state, dispatch] = useReducer(drawerReducer, undefined, () => initialDrawer(initialValues(runbook, proposal?.params, link.params)));
  const form = useMemo(() => parseForm(runbook, state.values), [runbook, state.values]);
  const errorCount = Object.keys(form.errors).length;
  const key = hostId && errorCount === 0 ? requestKey(hostId, form.params) : null;
  const gate = confirmGate(state, key, errorCount);
  const [showErrors, setShowErrors] = useState(false);

  const dryRun = useCallback(() => {
    setShowErrors(true);
    if (!hostId || key === null) return;
    dispatch({ type: 'dry-started', key });
    transport.post('runbookDryRun', runbook.id, { hostId, params: form.params, incidentId, operator: OPERATOR }).then(
      (view) => dispatch({ type: 'dry-done', key, view }),
      (e: Error) => dispatch({ type: 'dry-failed', key, message: e.message }),
    );
  }, [transport, runbook.id, hostId, key, form.params, incidentId]);

  const confirm = useCallback(() => {
    if (!gate.enabled || !hostId) return;
    dispatch({ type: 'run-starting' });
    transport.post('runbookExecute', runbook.id, { hostId, params: form.params, incidentId, operator: OPERATOR }).then(
      (run) => dispatch({ type: 'run-updated', run }),
      (e: Error) => dispatch({ type: 'run-failed', message: e.message }),
    );
  }, [transport, gate.enabled, runbook.id, hostId, form.params, incidentId]);

  const approve = useCallback(
    (run: ActionRun) => {
      transport.post('approveAction', run.id, { operator: OPERATOR }).then(
        (next) => dispatch({ type: 'run-updated', run: next }),
        (e: Error) => dispatch({ type: 'run-failed', message: e.message }),
      );
    },
    [transport],
  );

  // Follow a started run until it ends (and while it waits for an approval given elsewhere).
  const started = state.run.status === 'started' ? state.run.run : null;
  useEffect(() => {
    if (!started || isFinal(started.state)) return;
    let alive = true;
    const timer = setTimeout(() => {
      transport.request('action', { hostId: started.id }).then(
        (run) => alive && dispatch({ type: 'run-updated', run }),
        (e: Error) => alive && dispatch({ type: 'run-failed', message: `cannot read the run back: ${e.message}` }),
      );
    }, POLL_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [transport, started]);

  const dryView = state.dry.status === 'done' ? state.dry.view : null;
  const stale = state.dry.status === 'done' && state.dry.key !== key;
  // The other runbooks for the same cause (or, with no cause, for the incident), one link each.
  const cause = link.cause ?? proposal?.causeRank;
  const others = proposals.filter((p) => p.runbookId !== runbook.id && (hostId === null || p.hostId === hostId) && (cause === undefined || p.causeRank === cause)).filter((p, i, all) => all.findIndex((q) => q.runbookId === p.runbookId) === i);
  const run = state.run.status === 'started' ? state.run.run : state.run.status === 'error' ? (state.run.run ?? null) : null;

  return (
    <div className="rem-body" data-testid="rem-body" data-host-id={hostId ?? ''}>
      <section className="rem-runbook">
        <h3 data-testid="rem-title">{runbook.title}</h3>
        <p className="muted">
          <code>{runbook.id}</code> on <strong>{hostname}</strong>
          {proposal ? <> · {proposal.reason}</> : null}
        </p>
        <p>{runbook.description}</p>
        <ol className="rem-steps" data-testid="rem-runbook-steps">
          {runbook.steps.map((s) => (
            <li key={s.id}>
              <code className="rem-action">{s.action}</code> {s.description ?? <span className="muted">{s.id}</span>}
              {s.optional ? <span className="muted"> (optional)</span> : null}
            </li>
          ))}
        </ol>
        {others.length > 0 ? (
          <p className="muted rem-others">
            Other runbooks for this {cause !== undefined ? 'cause' : 'incident'}:{' '}
            {others.map((p, i) => (
              <span key={p.runbookId}>
                {i > 0 ? ', ' : ''}
                <a href={remediateHash(incidentId, { runbookId: p.runbookId, hostId: p.hostId, cause: p.causeRank, params: Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, String(v)])) })}>{p.runbookId}</a>
              </span>
            ))}
          </p>
        ) : null}
      </section>
      <section className="rem-params-section">
        <h4>Parameters</h4>
        {hostId === null ? <p className="rem-error">No host to run on: open the drawer with &host=HOST_ID.</p> : null}
        <ParamForm runbook={runbook} values={state.values} errors={showErrors || state.dry.status !== 'idle' ? form.errors : {}} locked={formLocked(state)} onChange={(name, value) => dispatch({ type: 'field', name, value })} />
        {proposal && proposal.missing.length > 0 ? <p className="muted">Nothing in the incident gives {proposal.missing.join(', ')}: fill {proposal.missing.length === 1 ? 'it' : 'them'} in.</p> : null}
        <div className="rem-buttons">
          <button type="button" className="action" data-testid="rem-dry-run" disabled={formLocked(state) || state.dry.status === 'running' || hostId === null} onClick={dryRun}>
            {state.dry.status === 'running' ? 'Dry run…' : dryView ? 'Dry run again' : 'Dry run'}
          </button>
          <button type="button" className="action primary" data-testid="rem-confirm" disabled={!gate.enabled} onClick={confirm} title={gate.why}>
            {confirmLabel(dryView?.verdict ?? null, hostname)}
          </button>
          {gate.why ? (
            <span className="muted rem-gate" data-testid="rem-gate">
              {gate.why}
            </span>
          ) : null}
        </div>
        {state.dry.status === 'error' ? (
          <p className="rem-error" data-testid="rem-dry-error">
            The dry run failed: {state.dry.message}
          </p>
        ) : null}
      </section>
      {dryView ? <DryRunPreview view={dryView} hostname={hostname} stale={stale} /> : null}
      {run ? <RunProgress runbook={runbook} run={run} /> : null}
      {run?.state === 'awaiting-approval' ? (
        <div className="rem-buttons">
          <button type="button" className="action primary" data-testid="rem-approve" onClick={() => approve(run)}>
            Approve and run
          </button>
          <span className="muted">{run.summary}</span>
        </div>
      ) : null}
      {state.run.status === 'error' ? (
        <p className="rem-error" data-testid="rem-run-error">
          {state.run.message}
        </p>
      ) : null}
      {run && isFinal(run.state) ? (
        <p className="muted">
          The run is in the <a href="#/actions">actions history</a>; every step is in the <a href="#/audit">audit log</a>.
        </p>
      ) : null}
    </div>
  );
}
