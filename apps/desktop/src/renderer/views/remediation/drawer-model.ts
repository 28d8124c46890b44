/**
 * The remediation drawer's state, changed by named pure actions (testable without React): the form's
 * values, the dry run seen for exactly those values, and the run it confirmed. Confirming needs a dry run
 * of the current host and params whose verdict allows the run: changing a field after the dry run asks
 * for a new one.
 */
import type { ActionRun, DryRunView, PolicyVerdict, Runbook, RunState } from '@cerebro/shared/api/contract';

export type DryState = { readonly status: 'idle' } | { readonly status: 'running'; readonly key: string } | { readonly status: 'done'; readonly key: string; readonly view: DryRunView } | { readonly status: 'error'; readonly key: string; readonly message: string };

export type RunPhase = { readonly status: 'idle' } | { readonly status: 'starting' } | { readonly status: 'started'; readonly run: ActionRun } | { readonly status: 'error'; readonly message: string; readonly run?: ActionRun };

export interface DrawerState {
  readonly values: Readonly<Record<string, string>>;
  readonly dry: DryState;
  readonly run: RunPhase;
}

export type DrawerAction =
  | { readonly type: 'reset'; readonly values: Readonly<Record<string, string>> }
  | { readonly type: 'field'; readonly name: string; readonly value: string }
  | { readonly type: 'dry-started'; readonly key: string }
  | { readonly type: 'dry-done'; readonly key: string; readonly view: DryRunView }
  | { readonly type: 'dry-failed'; readonly key: string; readonly message: string }
  | { readonly type: 'run-starting' }
  | { readonly type: 'run-updated'; readonly run: ActionRun }
  | { readonly type: 'run-failed'; readonly message: string };

export function initialDrawer(values: Readonly<Record<string, string>>): DrawerState {
  return { values, dry: { status: 'idle' }, run: { status: 'idle' } };
}

export function drawerReducer(s: DrawerState, a: DrawerAction): DrawerState {
  switch (a.type) {
    case 'reset':
      return initialDrawer(a.values);
    case 'field':
      // A run already started keeps its params; the form is locked then (see formLocked).
      return formLocked(s) ? s : { ...s, values: { ...s.values, [a.name]: a.value } };
    case 'dry-started':
      return { ...s, dry: { status: 'running', key: a.key } };
    case 'dry-done':
      // An answer for values since changed is still shown, but stale (confirm stays off): see confirmGate.
      return { ...s, dry: { status: 'done', key: a.key, view: a.view } };
    case 'dry-failed':
      return { ...s, dry: { status: 'error', key: a.key, message: a.message } };
    case 'run-starting':
      return { ...s, run: { status: 'starting' } };
    case 'run-updated':
      return { ...s, run: { status: 'started', run: a.run } };
    case 'run-failed':
      return { ...s, run: s.run.status === 'started' ? { status: 'error', message: a.message, run: s.run.run } : { status: 'error', message: a.message } };
  }
}

/** What a dry run or a run is for: the host and the params, in a stable order. */
export function requestKey(hostId: string, params: Readonly<Record<string, unknown>>): string {
  return JSON.stringify([hostId, Object.keys(params).sort().map((k) => [k, params[k]])]);
}

export function formLocked(s: DrawerState): boolean {
  return s.run.status === 'starting' || s.run.status === 'started';
}

const FINAL: readonly RunState[] = ['refused', 'succeeded', 'failed', 'rolled-back', 'rollback-failed'];

export function isFinal(state: RunState): boolean {
  return FINAL.includes(state);
}

/** Whether the confirm button is on, and if not, why (shown beside it). */
export function confirmGate(s: DrawerState, currentKey: string | null, formErrors: number): { readonly enabled: boolean; readonly why: string } {
  if (s.run.status === 'starting') return { enabled: false, why: 'starting…' };
  if (s.run.status === 'started') return { enabled: false, why: isFinal(s.run.run.state) ? `the run ended: ${s.run.run.state}` : 'the run is in progress' };
  if (formErrors > 0 || currentKey === null) return { enabled: false, why: 'fix the parameters first' };
  if (s.dry.status === 'idle' || s.dry.status === 'error') return { enabled: false, why: 'run the dry run first: it shows exactly what would happen' };
  if (s.dry.status === 'running') return { enabled: false, why: 'the dry run is running' };
  if (s.dry.key !== currentKey) return { enabled: false, why: 'the host or parameters changed since the dry run: run it again' };
  if (!s.dry.view.verdict.allowed) return { enabled: false, why: `the policy refuses: ${s.dry.view.verdict.reason}` };
  return { enabled: true, why: s.dry.view.verdict.level === 'suggest' ? 'at level "suggest" the run then waits for an approval' : '' };
}

/** The confirm button's label for the verdict's level. */
export function confirmLabel(verdict: PolicyVerdict | null, hostname: string): string {
  return verdict?.level === 'suggest' ? `Request the run on ${hostname}` : `Run on ${hostname}`;
}

export type StepStatus = 'pending' | 'running' | 'ok' | 'skipped' | 'failed';

export interface ProgressRow {
  readonly id: string;
  readonly phase: 'step' | 'verification' | 'rollback';
  readonly label: string;
  readonly status: StepStatus;
  readonly message: string;
}

function stepStatus(status: string): StepStatus {
  return status === 'ok' ? 'ok' : status === 'skipped' ? 'skipped' : 'failed';
}

/**
 * The run as rows: each runbook step (done, running or pending), the verification, and the rollback steps
 * that ran. A step is "running" while the run is and the steps before it are done.
 */
export function progressRows(rb: Runbook, run: ActionRun): ProgressRow[] {
  const rows: ProgressRow[] = [];
  const running = run.state === 'running';
  let current = running;
  for (const s of rb.steps) {
    const done = run.steps.find((o) => o.id === s.id);
    if (done) {
      rows.push({ id: s.id, phase: 'step', label: `${s.id} · ${s.action}`, status: stepStatus(done.status), message: done.status === 'ok' ? done.message : `${done.status}: ${done.message}` });
      continue;
    }
    rows.push({ id: s.id, phase: 'step', label: `${s.id} · ${s.action}`, status: current ? 'running' : 'pending', message: current ? 'sent to the host…' : run.state === 'refused' ? 'not run' : isFinal(run.state) || run.state === 'rolling-back' ? 'not run' : 'waiting' });
    current = false;
  }
  if (run.state === 'verifying') rows.push({ id: 'verification', phase: 'verification', label: 'verification', status: 'running', message: 'checking the telemetry…' });
  else if (run.verification) rows.push({ id: 'verification', phase: 'verification', label: 'verification', status: run.verification.ok ? 'ok' : 'failed', message: run.verification.checks.map((c) => c.detail).join('; ') });
  for (const o of run.rollback) rows.push({ id: `rollback:${o.id}`, phase: 'rollback', label: `rollback ${o.id} · ${o.action}`, status: stepStatus(o.status), message: o.message });
  if (run.state === 'rolling-back') rows.push({ id: 'rollback:next', phase: 'rollback', label: 'rollback', status: 'running', message: 'rolling back…' });
  return rows;
}

/** The run's outcome in a word and a tone, for the drawer's result line and the actions list. */
export function outcomeTone(state: RunState): 'good' | 'bad' | 'warn' | 'busy' {
  switch (state) {
    case 'succeeded':
      return 'good';
    case 'failed':
    case 'rollback-failed':
    case 'refused':
      return 'bad';
    case 'rolled-back':
    case 'awaiting-approval':
      return 'warn';
    case 'proposed':
    case 'running':
    case 'verifying':
    case 'rolling-back':
      return 'busy';
  }
}
