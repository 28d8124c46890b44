/**
 * Remediation in the console core, assembled: the runbook library, the policy (from
 * $CEREBRO_HOME/remediation-policy.json), the audit log, the run store and the engine. The core gives it
 * a CommandSender (ingest's signed command path) and a TelemetryView (store + host registry).
 */
import type { RootDatabase } from 'lmdb';
import type { ActionRun, AuditRecord, AuditVerifyResult, AutonomyLevel, Incident, PolicySettingsRequest, ProposalsView, RemediationPolicyView, RemediationStatusView, Runbook } from '@cerebro/shared/api/contract';
import { MAX_COMMAND_LIFETIME_MS } from '@cerebro/shared/protocol/commands';
import type { CommandResult } from '@cerebro/shared/protocol/messages';
import { AuditLog } from '../audit/audit-log';
import { AutoRemediator } from './autonomous';
import type { TelemetryView } from './conditions';
import { LmdbDryRunLedger } from './dry-runs';
import { RemediationEngine, type CommandSender } from './engine';
import { defaultRunbookDir, loadRunbooks, type RunbookLibrary } from './loader';
import { loadPolicyConfig, PolicyEngine, policyFile } from './policy';
import { proposeForCauses } from './proposals';
import { LmdbRunStore } from './run-store';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface RemediationDeps {
  readonly home: string;
  /** The console's LMDB environment (runs are stored in it). */
  readonly env: RootDatabase;
  readonly view: TelemetryView;
  readonly sender: CommandSender;
  readonly log: Log;
  /** Default: $CEREBRO_RUNBOOKS_DIR or resources/runbooks. */
  readonly runbooksDir?: string;
  /** The incident store, for proposals per cause (GET /remediation/proposals?incident=). */
  readonly incidents?: { get(id: string): Promise<Incident | null> };
  /** How long the autonomous candidate run (runbook, host, params) must stay unchanged before it starts, ms (default 5 s, autonomous.ts). */
  readonly autonomousSettleMs?: number;
}

/** The ingest server's signed command path as a CommandSender (the command lives a little longer than the wait). */
export function ingestSender(ingest: { sendCommand(hostId: string, kind: string, payload: unknown, o: { timeoutMs?: number; ttlMs?: number }): Promise<CommandResult> }): CommandSender {
  return { send: (hostId, kind, payload, timeoutMs) => ingest.sendCommand(hostId, kind, payload, { timeoutMs, ttlMs: Math.min(timeoutMs + 30_000, MAX_COMMAND_LIFETIME_MS) }) };
}

export class RemediationService {
  private closed = false;
  private auto: AutoRemediator | null = null;
  private ticker: NodeJS.Timeout | null = null;

  private constructor(
    private library: RunbookLibrary,
    readonly policy: PolicyEngine,
    readonly audit: AuditLog,
    readonly engine: RemediationEngine,
    private readonly log: Log,
    private readonly deps: RemediationDeps,
  ) {}

  static open(deps: RemediationDeps): RemediationService {
    const library = loadRunbooks(deps.runbooksDir ?? defaultRunbookDir());
    for (const e of library.errors) deps.log('error', `runbook refused: ${e}`);
    deps.log('info', `remediation: ${library.runbooks.size} runbooks from ${library.dir}`);
    const file = policyFile(deps.home);
    const policy = new PolicyEngine(loadPolicyConfig(file), { file, dryRuns: new LmdbDryRunLedger(deps.env) });
    const audit = AuditLog.open(deps.home);
    const runs = new LmdbRunStore(deps.env);
    // Runs cut short by a stop of the console: their host may have done the step, but nothing verified it.
    for (const r of runs.list(Number.MAX_SAFE_INTEGER)) {
      if (r.state === 'running' || r.state === 'verifying' || r.state === 'rolling-back') {
        runs.save({ ...r, state: 'failed', summary: `the console stopped while the run was ${r.state}; check the host`, updatedMs: Date.now() });
        audit.append({ type: 'policy', name: 'policy-engine' }, 'verification', { run: r.id, ok: false, reason: `not verified: the console stopped while the run was ${r.state}` });
      }
    }
    const hourAgo = Date.now() - 3_600_000;
    policy.seed(runs.list(10_000).filter((r) => r.createdMs >= hourAgo && r.state !== 'refused' && r.state !== 'awaiting-approval').map((r) => ({ runbookId: r.runbookId, hostId: r.hostId, atMs: r.createdMs })));
    let service: RemediationService | null = null;
    const engine = new RemediationEngine({ runbooks: () => service?.library.runbooks ?? library.runbooks, policy, sender: deps.sender, view: deps.view, audit, runs, log: deps.log });
    service = new RemediationService(library, policy, audit, engine, deps.log, deps);
    const s = service;
    service.auto = new AutoRemediator({ engine, policy, runbooks: () => s.library.runbooks, view: deps.view, hostName: (id) => deps.view.host(id)?.hostname ?? id, log: deps.log, ...(deps.autonomousSettleMs !== undefined ? { settleMs: deps.autonomousSettleMs } : {}) });
    // Rankings that settle without a new change event (autonomous.ts) are acted on here.
    service.ticker = setInterval(() => service?.tickAutonomous(), 1000);
    service.ticker.unref();
    return service;
  }

  runbooks(): { runbooks: Runbook[]; errors: readonly string[] } {
    return { runbooks: [...this.library.runbooks.values()], errors: this.library.errors };
  }

  /** Re-read the runbooks folder (after an edit); bad files are reported and left out. */
  reload(): readonly string[] {
    this.library = loadRunbooks(this.library.dir);
    return this.library.errors;
  }

  status(): RemediationStatusView {
    return { killSwitch: this.policy.killSwitch, running: this.policy.running };
  }

  setKillSwitch(on: boolean, operator: string): RemediationStatusView {
    this.policy.setKillSwitch(on);
    this.audit.append({ type: 'operator', name: operator }, 'policy', { killSwitch: on });
    return this.status();
  }

  /** The runbooks that fit each ranked cause of an incident; null when the console knows no such incident. */
  async proposals(incidentId: string): Promise<ProposalsView | null> {
    const incident = (await this.deps.incidents?.get(incidentId)) ?? null;
    if (!incident) return null;
    return { incidentId, proposals: proposeForCauses(incident, this.library.runbooks.values(), this.deps.view) };
  }

  /** The policy in force, per runbook: the level for hosts in no group and per group, the last dry run. */
  policyView(): RemediationPolicyView {
    const c = this.policy.current;
    const groups = Object.keys(c.groups);
    return {
      file: this.policy.file ?? '',
      killSwitch: c.killSwitch,
      defaultLevel: c.defaultLevel,
      requireDryRun: c.requireDryRun,
      groups,
      runbooks: [...this.library.runbooks.values()].map((rb) => ({
        runbookId: rb.id,
        title: rb.title,
        level: this.policy.levelInGroups(rb.id, []),
        byGroup: Object.fromEntries(groups.map((g) => [g, this.policy.levelInGroups(rb.id, [g])])),
        lastDryRun: this.policy.lastDryRun(rb.id),
      })),
      blastRadius: c.blastRadius,
      maintenanceMode: c.maintenance.mode,
      maintenanceWindows: c.maintenance.windows,
      groupMembers: c.groups,
    };
  }

  /** An operator changes the policy's settings; written to the policy file and audited with the values replaced. */
  setSettings(changes: PolicySettingsRequest, operator: string): RemediationPolicyView {
    const { operator: _who, ...asked } = changes;
    const previous = this.policy.updateSettings(asked);
    this.audit.append({ type: 'operator', name: operator }, 'policy', { settings: asked, previous });
    return this.policyView();
  }

  /** An operator sets a runbook's level (for a group or every host); written to the policy file and audited. */
  setLevel(runbookId: string, group: string, level: AutonomyLevel, operator: string): RemediationPolicyView {
    const previous = this.policy.setLevel(runbookId, group, level);
    this.audit.append({ type: 'operator', name: operator }, 'policy', { runbook: runbookId, group, level, previous });
    return this.policyView();
  }

  actions(limit: number): ActionRun[] {
    return this.engine.list(limit);
  }

  auditTail(n: number): { records: AuditRecord[]; verification: AuditVerifyResult } {
    return { records: this.audit.tail(n), verification: this.audit.verify() };
  }

  /** An incident changed (IncidentService.onChange): start an autonomous run when the policy allows one. */
  observeIncident(incident: Incident): void {
    if (this.closed || !this.auto) return;
    try {
      const started = this.auto.observe(incident);
      if (started) this.log('info', `incident ${incident.id}: autonomous run ${started.run.id} of ${started.run.runbookId} on ${started.run.hostId}: ${started.run.state}`);
    } catch (e) {
      // Never into the incident store's listener loop.
      this.log('error', `incident ${incident.id}: autonomous remediation failed: ${(e as Error).message}`);
    }
  }

  private tickAutonomous(): void {
    if (this.closed || !this.auto) return;
    try {
      for (const started of this.auto.tick()) this.log('info', `incident ${started.run.incidentId ?? '?'}: autonomous run ${started.run.id} of ${started.run.runbookId} on ${started.run.hostId}: ${started.run.state}`);
    } catch (e) {
      this.log('error', `autonomous remediation failed: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.audit.close();
  }
}
