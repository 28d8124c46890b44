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
 * The ranking must have settled first: the same top cause for `settleMs` (default 5 s). An incident's
 * first ranking often names whatever moved first (the host's CPU, the collector shipping the fault's
 * logs) and the real cause takes its place a few seconds later; acting on the first would stop the
 * wrong process. An incident whose top cause is unchanged gets no new change event, so the service
 * calls `tick` every second to act on rankings that settled in the meantime.
 */
import type { Incident, IncidentCause, Runbook } from '@cerebro/shared/api/contract';
import type { TelemetryView } from './conditions';
import type { RemediationEngine, Started } from './engine';
import type { PolicyEngine } from './policy';
import { proposeRunbooks } from './proposals';

const ACTOR = { type: 'policy', name: 'autonomous' } as const;
/** Incidents remembered (for their one-run-per-runbook rule and their settling), at most. */
const MAX_REMEMBERED = 10_000;
/** How long an incident's top cause must stay the same before the policy acts on it, ms. */
export const DEFAULT_SETTLE_MS = 5_000;

interface Watched {
  /** The top cause's identity (kind, host, name, pid). */
  key: string;
  /** Since when it has been the top cause, ms. */
  sinceMs: number;
  /** The incident as last seen. */
  incident: Incident;
}

const causeKey = (c: IncidentCause): string => `${c.kind}\u0000${c.hostId}\u0000${c.name}\u0000${c.pid ?? ''}`;

export class AutoRemediator {
  /** incident id → runbooks already tried alone, each with the top cause it was tried for. */
  private readonly tried = new Map<string, Set<string>>();
  /** incident id → runbooks that succeeded on it: done there, whatever the ranking says next. */
  private readonly succeeded = new Map<string, Set<string>>();
  /** Open incidents with a ranked cause, waiting for their ranking to settle or for a runbook to fit. */
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly deps: {
      readonly engine: RemediationEngine;
      readonly policy: PolicyEngine;
      readonly runbooks: () => ReadonlyMap<string, Runbook>;
      readonly view: TelemetryView;
      readonly hostName: (hostId: string) => string;
      /** Top cause unchanged this long before acting, ms (default DEFAULT_SETTLE_MS; 0: act at once). */
      readonly settleMs?: number;
      readonly now?: () => number;
    },
  ) {}

  private get settleMs(): number {
    return this.deps.settleMs ?? DEFAULT_SETTLE_MS;
  }

  /** Look at an incident change; returns the run started, if any. */
  observe(incident: Incident): Started | null {
    const now = (this.deps.now ?? Date.now)();
    const top = incident.causes[0];
    if (incident.state !== 'open' || top === undefined) {
      this.watched.delete(incident.id);
      return null;
    }
    const key = causeKey(top);
    const w = this.watched.get(incident.id);
    if (w === undefined || w.key !== key) {
      this.watched.set(incident.id, { key, sinceMs: now, incident });
      if (this.watched.size > MAX_REMEMBERED) this.watched.delete(this.watched.keys().next().value as string);
      if (this.settleMs > 0) return null;
    } else {
      w.incident = incident;
      if (now - w.sinceMs < this.settleMs) return null;
    }
    return this.act(incident);
  }

  /** Act on incidents whose ranking has settled since their last change; returns the runs started. */
  tick(): Started[] {
    const now = (this.deps.now ?? Date.now)();
    const out: Started[] = [];
    for (const w of [...this.watched.values()]) {
      if (now - w.sinceMs < this.settleMs) continue;
      const started = this.act(w.incident);
      if (started) out.push(started);
    }
    return out;
  }

  /** Incidents waiting for their ranking to settle (for the status line and tests). */
  get waiting(): number {
    return this.watched.size;
  }

  private act(incident: Incident): Started | null {
    const tried = this.tried.get(incident.id) ?? new Set<string>();
    for (const p of proposeRunbooks(incident, this.deps.runbooks().values(), this.deps.view)) {
      const key = `${p.runbookId}\u0000${causeKey(incident.causes[0]!)}`;
      // Complete, treating what alerted (proposals.ts fitsAlerts), and not yet tried for this top cause.
      if (p.missing.length > 0 || !p.fitsAlerts || tried.has(key) || this.succeeded.get(incident.id)?.has(p.runbookId) === true) continue;
      const host = { id: p.hostId, hostname: this.deps.hostName(p.hostId) };
      // Only runbooks at "autonomous" for this host are candidates.
      if (this.deps.policy.levelFor(p.runbookId, host) !== 'autonomous') continue;
      tried.add(key);
      this.tried.set(incident.id, tried);
      if (this.tried.size > MAX_REMEMBERED) this.tried.delete(this.tried.keys().next().value as string);
      const started = this.deps.engine.execute({ runbookId: p.runbookId, hostId: p.hostId, params: p.params, actor: ACTOR, incidentId: incident.id });
      void started.done.then(
        (run) => {
          if (run.state !== 'succeeded') return;
          this.succeeded.set(incident.id, (this.succeeded.get(incident.id) ?? new Set<string>()).add(p.runbookId));
          if (this.succeeded.size > MAX_REMEMBERED) this.succeeded.delete(this.succeeded.keys().next().value as string);
        },
        () => undefined,
      );
      return started;
    }
    return null;
  }
}
