/**
 * Autonomous remediation: when an open incident's causes are ranked, the first complete proposal
 * (proposals.ts) that the policy lets the console run alone is started, with the policy as the actor. Each
 * incident gets at most one autonomous run per runbook and top cause, so a remedy that did not help is
 * not repeated in a loop, nor run again on another target while the diagnosis is the same, while a run
 * that failed (a wrong first target, refused by the host) may be followed by one on the cause the ranking
 * corrected itself to. A runbook that succeeded on an incident is done there: it is not run again on the
 * next target its params name (a second filesystem that merely moved with the first). What remains is
 * for an operator. The policy decides everything else
 * (levels, blast radius, windows, kill switch): with the default level "suggest", nothing runs alone.
 *
 * The run must have settled first: the same candidate (runbook, host and params) for `settleMs` (default
 * 5 s). An incident's first ranking often names whatever moved first (the host's CPU, the collector
 * shipping the fault's logs, an older anomaly the incident was already open for) and the real cause takes
 * its place a few seconds later; acting on the first would stop the wrong process. Settling the candidate
 * rather than the top cause also covers an incident that was open before the fault: its old top cause
 * has long been settled, but the proposal that the fault's alerts make fit is new, and waits its turn.
 * An incident whose top cause is unchanged gets no new change event, so the service calls `tick` every
 * second to act on candidates that settled in the meantime.
 *
 * A candidate the console can tell would be refused (a precondition that does not hold yet, a step on
 * the console's own process, one the host's policy refuses: RemediationEngine.foreseenRefusal) is
 * passed over, and the next fitting proposal is considered: the policy never sends what it knows will
 * bounce. One whose precondition comes to hold (a filesystem reaching the use a cleanup is for) becomes
 * the candidate then, and settles like any other.
 */
import type { Incident, IncidentCause, Runbook } from '@cerebro/shared/api/contract';
import type { TelemetryView } from './conditions';
import type { RemediationEngine, Started } from './engine';
import type { PolicyEngine } from './policy';
import { proposeRunbooks } from './proposals';

const ACTOR = { type: 'policy', name: 'autonomous' } as const;
/** Incidents remembered (for their one-run-per-runbook rule and their settling), at most. */
const MAX_REMEMBERED = 10_000;
/** How long an incident's candidate run must stay the same before the policy starts it, ms. */
export const DEFAULT_SETTLE_MS = 5_000;

interface Watched {
  /** The incident as last seen. */
  incident: Incident;
  /** The run the policy would start now (runbook, host, params), or null. */
  candidate: string | null;
  /** Since when it has been the candidate, ms. */
  sinceMs: number;
}

interface Candidate {
  readonly key: string;
  readonly runbookId: string;
  readonly hostId: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** tried-set key: the runbook and the top cause it is tried for. */
  readonly triedKey: string;
}

const causeKey = (c: IncidentCause): string => `${c.kind}\u0000${c.hostId}\u0000${c.name}\u0000${c.pid ?? ''}`;

export class AutoRemediator {
  /** incident id → runbooks already tried alone, each with the top cause it was tried for. */
  private readonly tried = new Map<string, Set<string>>();
  /** incident id → runbooks that succeeded on it: done there, whatever the ranking says next. */
  private readonly succeeded = new Map<string, Set<string>>();
  /** Open incidents with a ranked cause, waiting for their candidate to settle or for a runbook to fit. */
  private readonly watched = new Map<string, Watched>();
  /** Candidates left to an operator because they would be refused (logged once each). */
  private readonly passedOver = new Set<string>();

  constructor(
    private readonly deps: {
      readonly engine: RemediationEngine;
      readonly policy: PolicyEngine;
      readonly runbooks: () => ReadonlyMap<string, Runbook>;
      readonly view: TelemetryView;
      readonly hostName: (hostId: string) => string;
      /** Candidate unchanged this long before acting, ms (default DEFAULT_SETTLE_MS; 0: act at once). */
      readonly settleMs?: number;
      readonly now?: () => number;
      readonly log?: (level: 'info', message: string) => void;
    },
  ) {}

  private get settleMs(): number {
    return this.deps.settleMs ?? DEFAULT_SETTLE_MS;
  }

  /** Look at an incident change; returns the run started, if any. */
  observe(incident: Incident): Started | null {
    if (incident.state !== 'open' || incident.causes[0] === undefined) {
      this.watched.delete(incident.id);
      return null;
    }
    let w = this.watched.get(incident.id);
    if (w === undefined) {
      w = { incident, candidate: null, sinceMs: 0 };
      this.watched.set(incident.id, w);
      if (this.watched.size > MAX_REMEMBERED) this.watched.delete(this.watched.keys().next().value as string);
    }
    w.incident = incident;
    return this.consider(w);
  }

  /** Act on incidents whose candidate has settled since their last change; returns the runs started. */
  tick(): Started[] {
    const out: Started[] = [];
    for (const w of [...this.watched.values()]) {
      const started = this.consider(w);
      if (started) out.push(started);
    }
    return out;
  }

  /** Open incidents watched for a candidate run (for the status line and tests). */
  get waiting(): number {
    return this.watched.size;
  }

  /** Start the incident's candidate once it has been the same for settleMs. */
  private consider(w: Watched): Started | null {
    const now = (this.deps.now ?? Date.now)();
    const c = this.candidate(w.incident);
    if (c === null) {
      w.candidate = null;
      return null;
    }
    if (w.candidate !== c.key) {
      w.candidate = c.key;
      w.sinceMs = now;
    }
    if (now - w.sinceMs < this.settleMs) return null;
    return this.start(w.incident, c);
  }

  /** The first proposal the policy would run alone now, or null. */
  private candidate(incident: Incident): Candidate | null {
    const tried = this.tried.get(incident.id);
    const top = causeKey(incident.causes[0]!);
    for (const p of proposeRunbooks(incident, this.deps.runbooks().values(), this.deps.view)) {
      const triedKey = `${p.runbookId}\u0000${top}`;
      // Complete, treating what alerted (proposals.ts fitsAlerts), and not yet tried for this top cause.
      if (p.missing.length > 0 || !p.fitsAlerts || tried?.has(triedKey) === true || this.succeeded.get(incident.id)?.has(p.runbookId) === true) continue;
      // Only runbooks at "autonomous" for this host are candidates.
      if (this.deps.policy.levelFor(p.runbookId, { id: p.hostId, hostname: this.deps.hostName(p.hostId) }) !== 'autonomous') continue;
      const key = `${p.runbookId}\u0000${p.hostId}\u0000${JSON.stringify(p.params)}`;
      const refusal = this.deps.engine.foreseenRefusal({ runbookId: p.runbookId, hostId: p.hostId, params: p.params });
      if (refusal !== null) {
        if (!this.passedOver.has(key)) {
          this.passedOver.add(key);
          if (this.passedOver.size > MAX_REMEMBERED) this.passedOver.delete(this.passedOver.values().next().value as string);
          this.deps.log?.('info', `autonomous: ${p.runbookId} ${JSON.stringify(p.params)} for incident ${incident.id} not started (${refusal.startsWith('PRECONDITION') ? 'until its precondition holds' : 'left to an operator'}): ${refusal}`);
        }
        continue;
      }
      return { key, runbookId: p.runbookId, hostId: p.hostId, params: p.params, triedKey };
    }
    return null;
  }

  private start(incident: Incident, c: Candidate): Started {
    const tried = this.tried.get(incident.id) ?? new Set<string>();
    tried.add(c.triedKey);
    this.tried.set(incident.id, tried);
    if (this.tried.size > MAX_REMEMBERED) this.tried.delete(this.tried.keys().next().value as string);
    const started = this.deps.engine.execute({ runbookId: c.runbookId, hostId: c.hostId, params: c.params, actor: ACTOR, incidentId: incident.id });
    void started.done.then(
      (run) => {
        if (run.state !== 'succeeded') return;
        this.succeeded.set(incident.id, (this.succeeded.get(incident.id) ?? new Set<string>()).add(c.runbookId));
        if (this.succeeded.size > MAX_REMEMBERED) this.succeeded.delete(this.succeeded.keys().next().value as string);
      },
      () => undefined,
    );
    return started;
  }
}
