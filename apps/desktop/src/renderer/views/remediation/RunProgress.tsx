/** A run as it goes: each step, the verification and any rollback, then its outcome in a sentence. */
import { useEffect, useRef } from 'react';
import type { ActionRun, Runbook } from '@cerebro/shared/api/contract';
import { outcomeTone, progressRows } from './drawer-model';

const ICON = { pending: '○', running: '◌', ok: '✓', skipped: '–', failed: '✗' } as const;

export function RunProgress({ runbook, run }: { runbook: Runbook; run: ActionRun }) {
  const rows = progressRows(runbook, run);
  const ref = useRef<HTMLElement>(null);
  // The run is what the operator watches now: bring it into view as it starts and as it ends.
  const ended = outcomeTone(run.state) !== 'busy';
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, [ended]);
  return (
    <section ref={ref} className="rem-progress" data-testid="rem-progress" data-run-id={run.id} data-state={run.state}>
      <h4>
        Run <code>{run.id}</code> <span className={`rem-state tone-${outcomeTone(run.state)}`} data-testid="rem-run-state">{run.state}</span>
      </h4>
      <ol className="rem-progress-rows">
        {rows.map((r) => (
          <li key={r.id} className={`rem-row ${r.status} phase-${r.phase}`} data-testid="rem-progress-row" data-phase={r.phase} data-status={r.status}>
            <span className="rem-row-icon" aria-hidden="true">
              {ICON[r.status]}
            </span>
            <span className="rem-row-label">{r.label}</span>
            <span className="rem-row-message muted">{r.message}</span>
          </li>
        ))}
      </ol>
      <p className={`rem-summary tone-${outcomeTone(run.state)}`} data-testid="rem-run-summary">
        {run.summary}
      </p>
    </section>
  );
}
