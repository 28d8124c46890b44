/**
 * What a dry run showed: the policy's verdict (level, and the rule that would refuse), the preconditions
 * as they stand, each step exactly as it would be sent (primitive, host, resolved params, timeout), what
 * the host's own policy will say of each step (as the host reported it), the verification and the rollback.
 */
import type { DryRunView, RunbookCondition } from '@cerebro/shared/api/contract';
import { fmtClock } from '../../lib/format';

function conditionText(c: RunbookCondition): string {
  switch (c.kind) {
    case 'metric':
      return `${c.key} ${c.op} ${String(c.value)}`;
    case 'process': {
      const who = [c.name !== undefined ? `name ${c.name}` : '', c.cmdContains !== undefined ? `cmd ∋ ${c.cmdContains}` : '', c.pid !== undefined ? `pid ${String(c.pid)}` : ''].filter(Boolean).join(', ');
      const cmp = c.field ? `, ${c.field} ${c.op ?? ''} ${String(c.value)}` : '';
      return `process (${who}) ${c.expect}${cmp}${c.startedAfterRun ? ', started after the run' : ''}`;
    }
    case 'host':
      return c.op === 'exists' ? `host fact ${c.fact} exists` : `host fact ${c.fact} ${c.op} ${String(c.value)}`;
  }
}

const json = (v: unknown): string => JSON.stringify(v);

export function VerdictBox({ view }: { view: DryRunView }) {
  const v = view.verdict;
  return (
    <div className={`rem-verdict ${v.allowed ? 'allowed' : 'refused'}`} data-testid="rem-verdict" data-allowed={v.allowed} data-level={v.level} data-rule={v.rule ?? ''}>
      <strong>{v.allowed ? 'The policy allows it' : `Refused by ${v.rule ?? 'the policy'}`}</strong> <span className="mark">level {v.level}</span>
      <div className="rem-verdict-reason">{v.reason}</div>
    </div>
  );
}

export function DryRunPreview({ view, hostname, stale }: { view: DryRunView; hostname: string; stale: boolean }) {
  return (
    <section className={`rem-preview${stale ? ' stale' : ''}`} data-testid="rem-preview" data-stale={stale}>
      <h4>
        Dry run{view.recorded ? <span className="muted"> · recorded {fmtClock(view.recorded.atMs)} by {view.recorded.by}</span> : null}
        {stale ? <span className="mark">out of date</span> : null}
      </h4>
      <VerdictBox view={view} />
      {view.preconditions.length > 0 ? (
        <>
          <h5>Preconditions, now</h5>
          <ul className="rem-checks">
            {view.preconditions.map((c, i) => (
              <li key={i} className={c.ok ? 'ok' : 'failed'} data-testid="rem-precondition" data-ok={c.ok}>
                {c.ok ? '✓' : '✗'} {c.detail}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h5>Steps that would be sent to {hostname}</h5>
      <ol className="rem-steps">
        {view.steps.map((s) => (
          <li key={s.id} data-testid="rem-preview-step" data-action={s.action}>
            <code className="rem-action">{s.action}</code> on <span className="host-id">{view.hostId}</span> <code className="rem-params">{json(s.params)}</code>
            <span className="muted">
              {' '}
              · timeout {s.timeoutMs / 1000} s{s.delayMs > 0 ? ` · after ${s.delayMs / 1000} s` : ''}
            </span>
          </li>
        ))}
      </ol>
      {view.hostPolicy ? (
        <>
          <h5>The host's own policy, as {hostname} reported it</h5>
          <ul className="rem-checks" data-testid="rem-host-policy">
            {view.hostPolicy.map((c) => (
              <li key={c.stepId} className={c.ok ? 'ok' : 'failed'} data-testid="rem-host-check" data-ok={c.ok}>
                {c.ok ? '✓' : '✗'} {c.detail}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted" data-testid="rem-host-policy">
          {hostname} has not reported its own policy; it checks each step when it runs.
        </p>
      )}
      <h5>Verification (within {view.verification.withinMs / 1000} s)</h5>
      <ul className="rem-checks" data-testid="rem-preview-verification">
        {view.verification.all.map((c, i) => (
          <li key={i}>{conditionText(c)}</li>
        ))}
      </ul>
      <h5>Rollback</h5>
      {view.rollback.length === 0 ? (
        <p className="muted" data-testid="rem-preview-rollback">
          None: this runbook cannot undo its steps.
        </p>
      ) : (
        <ol className="rem-steps" data-testid="rem-preview-rollback">
          {view.rollback.map((s) => (
            <li key={s.id}>
              <code className="rem-action">{s.action}</code> <code className="rem-params">{json(s.params)}</code>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
