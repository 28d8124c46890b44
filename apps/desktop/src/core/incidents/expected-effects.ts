/**
 * The console's own actions, and what they are expected to set off: a run that restarts a service or
 * signals a process makes that process exit (an `event.proc_exit` alert) and its supervisor log about it
 * (`stopped: payments`, a log line the console may never have seen); a cleanup makes a filesystem's use
 * fall. Those alerts are the remedy working, not a new fault: the correlator (correlator.ts) folds them
 * into the run's incident, or opens nothing for them when that incident is closed, instead of letting a
 * supervisor's "stopped" line hold the incident open for minutes or pull the next fault into it.
 *
 * What is expected is narrow on purpose, so that a remedy that fails still shows: only alerts on the
 * run's host, starting between the run's start and `graceMs` after it ended, and only
 *  - the exit (`event.proc_exit{name=N}`) of a process the run named (its `service` or `process` param,
 *    or the process its `pid` param was when the run started): not a restart loop, which after a
 *    restart means the remedy did not hold;
 *  - a log alert whose lines were all written by a supervisor and each name such a process;
 *  - a falling `fs.*{mount=M}` series of a filesystem the run cleaned (its `mount` param).
 * The target's own log lines, its CPU, its memory, and anything rising stay alerts like any other.
 */
import { alertKind, type ActionRun, type Alert } from '@cerebro/shared/api/contract';
import { parseSeriesKey } from '@cerebro/shared/protocol/series';
import { DEFAULT_PROCESS_EVENTS, PROC_EXIT_NAME } from './process-events';
import { statedBySupervisor } from './supervisor-lines';

export interface ExpectedEffectsOptions {
  /** After a run ends, its effects may still arrive this long, ms (a supervisor's log line, the next table). */
  readonly graceMs: number;
  /** Runs remembered, at most (the oldest are forgotten). */
  readonly maxRuns: number;
  /** Process names of supervisors: their log lines about a run's target are the run's effect. */
  readonly supervisors: readonly string[];
}

export const DEFAULT_EXPECTED_EFFECTS_OPTIONS: ExpectedEffectsOptions = { graceMs: 30_000, maxRuns: 1_000, supervisors: DEFAULT_PROCESS_EVENTS.supervisors };

/** Why an alert is a run's effect. */
export interface ExpectedEffect {
  readonly runId: string;
  readonly runbookId: string;
  readonly incidentId?: string;
  readonly reason: string;
}

interface Effects {
  readonly run: Pick<ActionRun, 'id' | 'runbookId' | 'hostId' | 'incidentId' | 'createdMs'>;
  /** null while the run is in flight. */
  endedMs: number | null;
  readonly names: ReadonlySet<string>;
  readonly mounts: ReadonlySet<string>;
}

const IN_FLIGHT = new Set(['running', 'verifying', 'rolling-back']);
/** States in which nothing was sent to the host: no effect to expect. */
const NOTHING_SENT = new Set(['proposed', 'awaiting-approval', 'refused']);
/**
 * Step statuses of a command that did not run: refused (by the console's or the host's gate) or with no
 * connection to carry it. A connection that closed while the command was out is reported the same way and
 * may have run it: its effects are then shown as alerts, the safe side (a real exit is never hidden
 * behind a run that never acted).
 */
const DID_NOT_RUN = new Set(['refused', 'NOT_CONNECTED']);

export class ExpectedEffects {
  readonly options: ExpectedEffectsOptions;
  private readonly runs = new Map<string, Effects>();
  /** incident id → when a run on it was last verified (succeeded), for the correlator. */
  private readonly remediated = new Map<string, number>();

  constructor(options: Partial<ExpectedEffectsOptions> = {}) {
    this.options = { ...DEFAULT_EXPECTED_EFFECTS_OPTIONS, ...options };
  }

  /**
   * A run changed state (RemediationEngine.onChange). `processName`: the name of a pid on the host now
   * (the run's `pid` param names a process that is about to go).
   */
  observeRun(run: ActionRun, processName: (hostId: string, pid: number) => string | undefined): void {
    if (NOTHING_SENT.has(run.state)) return;
    if (run.state === 'succeeded' && run.incidentId !== undefined) {
      this.remediated.delete(run.incidentId);
      this.remediated.set(run.incidentId, run.verification?.atMs ?? run.updatedMs);
      while (this.remediated.size > this.options.maxRuns) this.remediated.delete(this.remediated.keys().next().value as string);
    }
    if (!IN_FLIGHT.has(run.state) && ![...run.steps, ...run.rollback].some((s) => !DID_NOT_RUN.has(s.status))) {
      // Ended without any command reaching the host (NOT_CONNECTED, refused by a gate): nothing of it to expect.
      this.runs.delete(run.id);
      return;
    }
    const known = this.runs.get(run.id);
    if (known !== undefined) {
      known.endedMs = IN_FLIGHT.has(run.state) ? null : (known.endedMs ?? run.updatedMs);
      return;
    }
    const names = new Set<string>();
    for (const k of ['service', 'process'] as const) {
      const v = run.params[k];
      if (typeof v === 'string' && v !== '') names.add(v);
    }
    const pid = run.params['pid'];
    if (typeof pid === 'number') {
      const name = processName(run.hostId, pid);
      if (name !== undefined) names.add(name);
    }
    const mount = run.params['mount'];
    const mounts = new Set(typeof mount === 'string' && mount !== '' ? [mount] : []);
    if (names.size === 0 && mounts.size === 0) return;
    this.runs.set(run.id, { run: { id: run.id, runbookId: run.runbookId, hostId: run.hostId, createdMs: run.createdMs, ...(run.incidentId !== undefined ? { incidentId: run.incidentId } : {}) }, endedMs: IN_FLIGHT.has(run.state) ? null : run.updatedMs, names, mounts });
    while (this.runs.size > this.options.maxRuns) this.runs.delete(this.runs.keys().next().value as string);
  }

  /** When a run on the incident was last verified (its state `succeeded`), or null. */
  remediatedMs(incidentId: string): number | null {
    return this.remediated.get(incidentId) ?? null;
  }

  /** The run this alert is an expected effect of, with why; null for any other alert. */
  explain(a: Alert): ExpectedEffect | null {
    for (const e of this.runs.values()) {
      if (e.run.hostId !== a.hostId || a.startMs < e.run.createdMs || (e.endedMs !== null && a.startMs > e.endedMs + this.options.graceMs)) continue;
      const why = this.why(e, a);
      if (why !== null) return { runId: e.run.id, runbookId: e.run.runbookId, ...(e.run.incidentId !== undefined ? { incidentId: e.run.incidentId } : {}), reason: why };
    }
    return null;
  }

  private why(e: Effects, a: Alert): string | null {
    const kind = alertKind(a.seriesKey);
    const parsed = parseSeriesKey(a.seriesKey);
    if (kind === 'event') {
      if (parsed?.name !== PROC_EXIT_NAME) return null;
      const name = parsed.labels['name'];
      return name !== undefined && e.names.has(name) ? `${parsed!.name} of ${name}, which run ${e.run.id} (${e.run.runbookId}) acted on` : null;
    }
    if (kind === 'log') {
      const samples = a.evidence.log?.samples ?? [];
      if (samples.length === 0) return null;
      const named = [...e.names];
      // A supervisor's line: any line a supervisor wrote, or one in a supervisor's format whose writer the
      // collector could not name (supervisor-lines.ts, statedBySupervisor).
      const sup = this.options.supervisors;
      const bySupervisor = (s: { unit?: string; msg: string }): boolean => (s.unit !== undefined && sup.includes(s.unit)) || statedBySupervisor(s.unit, s.msg, sup) !== null;
      const all = samples.every((s) => bySupervisor(s) && named.some((n) => mentions(s.msg, n)));
      return all ? `the supervisor's lines about ${named.join(', ')}, which run ${e.run.id} (${e.run.runbookId}) restarted or stopped` : null;
    }
    const mount = parsed?.labels['mount'];
    if (mount !== undefined && e.mounts.has(mount) && parsed!.name.startsWith('fs.') && falling(a)) return `${parsed!.name} of ${mount} falling after run ${e.run.id} (${e.run.runbookId}) cleaned it`;
    return null;
  }
}

/** `name` as a whole word of `msg` (a process name such as "pay" must not match "payments"). */
function mentions(msg: string, name: string): boolean {
  let i = msg.indexOf(name);
  while (i >= 0) {
    const before = i === 0 ? '' : msg[i - 1]!;
    const after = msg[i + name.length] ?? '';
    if (!/[\w.-]/.test(before) && !/[\w-]/.test(after)) return true;
    i = msg.indexOf(name, i + 1);
  }
  return false;
}

/** Every deviating point of the alert is below its baseline. */
function falling(a: Alert): boolean {
  const pts = a.evidence.points;
  return pts.length > 0 && pts.every(([, v]) => v < a.evidence.baseline);
}
