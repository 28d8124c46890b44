/**
 * Autonomous remediation: when an open incident's causes are ranked, the first complete proposal
 * (proposals.ts) that the policy lets the console run alone is started, with the policy as the actor. Each
 * incident gets at most one autonomous run per runbook, so a remedy that did not help is not repeated in
 * a loop; what then remains is for an operator. The policy decides everything else (levels, blast
 * radius, windows, kill switch): with the default level "suggest", nothing runs alone.
 */
import type { Incident, Runbook } from '@cerebro/shared/api/contract';
import type { TelemetryView } from './conditions';
import type { RemediationEngine, Started } from './engine';
import type { PolicyEngine } from './policy';
import { proposeRunbooks } from './proposals';

const ACTOR = { type: 'policy', name: 'autonomous' } as const;
/** Incidents remembered (for their one-run-per-runbook rule), at most. */
const MAX_REMEMBERED = 10_000;

export class AutoRemediator {
  /** incident id → runbook ids already tried alone. */
  private readonly tried = new Map<string, Set<string>>();

  constructor(
    private readonly deps: {
      readonly engine: RemediationEngine;
      readonly policy: PolicyEngine;
      readonly runbooks: () => ReadonlyMap<string, Runbook>;
      readonly view: TelemetryView;
      readonly hostName: (hostId: string) => string;
    },
  ) {}

  /** Look at an incident change; returns the run started, if any. */
  observe(incident: Incident): Started | null {
    if (incident.state !== 'open' || incident.causes.length === 0) return null;
    const tried = this.tried.get(incident.id) ?? new Set<string>();
    for (const p of proposeRunbooks(incident, this.deps.runbooks().values(), this.deps.view)) {
      if (p.missing.length > 0 || tried.has(p.runbookId)) continue;
      const host = { id: p.hostId, hostname: this.deps.hostName(p.hostId) };
      // Only runbooks at "autonomous" for this host are candidates; busy and rate refusals are worth a retry later.
      if (this.deps.policy.levelFor(p.runbookId, host) !== 'autonomous') continue;
      tried.add(p.runbookId);
      this.tried.set(incident.id, tried);
      if (this.tried.size > MAX_REMEMBERED) this.tried.delete(this.tried.keys().next().value as string);
      return this.deps.engine.execute({ runbookId: p.runbookId, hostId: p.hostId, params: p.params, actor: ACTOR, incidentId: incident.id });
    }
    return null;
  }
}
