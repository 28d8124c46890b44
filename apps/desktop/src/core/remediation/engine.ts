/**
 * The remediation engine: a request to run a runbook on a host becomes a run that moves through
 *
 *   proposed ─┬─ refused                                  (params, host, precondition or policy said no)
 *             ├─ awaiting-approval ── (approve) ─┐        (level "suggest": an operator must approve)
 *             └──────────────────────────────────┴─ running ─┬─ verifying ─┬─ succeeded
 *                                                            │             └─ rolling-back ─┬─ rolled-back
 *                                                            └─ failed (a step failed; rollback if any step ran) └─ rollback-failed
 *
 * Steps travel through a CommandSender as `remediation.run` commands (signed and checked by the trust
 * layer); verification reads the console's own telemetry until its conditions hold or its time is up.
 * Every transition is written to the audit log.
 */
import { randomBytes } from 'node:crypto';
import type { ActionRun, Actor, ConditionCheck, DryRunView, PolicyRule, PolicyVerdict, Runbook, RunbookStep, RunState, StepOutcome } from '@cerebro/shared/api/contract';
import type { AuditLog } from '../audit/audit-log';
import { hostPolicyChecks, PROCESS_ACTIONS } from './host-policy';
import { checkCondition, type TelemetryView } from './conditions';
import { runbookFingerprint } from './dry-runs';
import type { PolicyEngine } from './policy';
import type { RunStore } from './run-store';
import { checkParamValue } from './runbook-schema';
import { fill, type TemplateScope } from './templates';

/** What the engine needs of the console → collector command path (ingest's signed sendCommand). */
export interface CommandSender {
  send(hostId: string, kind: 'remediation.run', payload: unknown, timeoutMs: number): Promise<{ readonly ok: boolean; readonly output?: unknown; readonly error?: { readonly code: string; readonly message: string } }>;
}

export interface RunRequest {
  readonly runbookId: string;
  readonly hostId: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly actor: Actor;
  readonly incidentId?: string;
}

export interface EngineDeps {
  readonly runbooks: () => ReadonlyMap<string, Runbook>;
  readonly policy: PolicyEngine;
  readonly sender: CommandSender;
  readonly view: TelemetryView;
  readonly audit: AuditLog;
  readonly runs: RunStore;
  readonly now?: () => number;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /**
   * The console's own process as a collector on its host reports it (pid, start time ms): no step may
   * signal or renice it. Default: this process. null: no such check (tests of other hosts' pids).
   */
  readonly self?: { readonly pid: number; readonly startMs: number } | null;
}

export interface Started {
  readonly run: ActionRun;
  /** Settles with the run's final state (at once for refused and awaiting-approval runs). */
  readonly done: Promise<ActionRun>;
}

const DEFAULT_STEP_TIMEOUT_MS = 30_000;
/** Extra time the console waits for a step's result beyond the step's own timeout on the host, ms. */
const TRANSPORT_MARGIN_MS = 5_000;
/** Output kept per step in the run record and the audit log, characters. */
const MAX_OUTPUT_CHARS = 4_096;
const ENGINE_ACTOR: Actor = { type: 'policy', name: 'policy-engine' };
/** The console's start time against a collector's (from /proc ticks): the two clocks differ by well under this, ms. */
const SELF_START_TOLERANCE_MS = 3_000;

export class RemediationRefused extends Error {
  constructor(
    readonly rule: PolicyRule,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RemediationEngine {
  private readonly listeners = new Set<(run: ActionRun) => void>();

  private readonly self: { readonly pid: number; readonly startMs: number } | null;

  constructor(private readonly deps: EngineDeps) {
    this.self = deps.self === undefined ? { pid: process.pid, startMs: Date.now() - process.uptime() * 1000 } : deps.self;
  }

  /** Why a step would touch the console's own process, or null. */
  private selfTarget(steps: readonly { action: string; params: Readonly<Record<string, unknown>> }[]): string | null {
    const self = this.self;
    if (self === null) return null;
    for (const s of steps) {
      if (!PROCESS_ACTIONS.has(s.action) || s.params['pid'] !== self.pid) continue;
      const start = s.params['startMs'];
      if (typeof start === 'number' && Math.abs(start - self.startMs) <= SELF_START_TOLERANCE_MS) return `${s.action} names pid ${self.pid}, the console's own process`;
    }
    return null;
  }

  /**
   * Why this run would be refused where the console can tell before sending anything: a precondition
   * that does not hold now, a step on the console's own process, or a step the host's policy (as its
   * collector reports it, host-policy.ts) refuses; null when none is known to refuse. No side effect (no
   * dry run recorded, nothing audited): the autonomous policy asks this before it proposes a run, and
   * leaves the ones the host refuses to an operator.
   */
  foreseenRefusal(req: Pick<RunRequest, 'runbookId' | 'hostId' | 'params'>): string | null {
    let steps: { id: string; action: string; params: Record<string, unknown> }[];
    try {
      const rb = this.runbook(req.runbookId);
      const params = this.params(rb, req.params ?? {});
      const refusal = this.preflight(rb, req.hostId, params);
      if (refusal !== null) return `${refusal.rule}: ${refusal.message}`;
      steps = this.resolvable(rb, { hostId: req.hostId, params, steps: {} });
    } catch (e) {
      return e instanceof RemediationRefused ? `${e.rule}: ${e.message}` : null;
    }
    const refused = hostPolicyChecks(steps, this.deps.view.host(req.hostId)?.inventory?.hostPolicy, this.deps.view.processes(req.hostId)?.procs)?.find((c) => !c.ok);
    return refused === undefined ? null : `the host's policy would refuse step ${refused.stepId}: ${refused.detail}`;
  }

  /** The steps whose params can be filled before the run (those reading earlier steps' results cannot yet). */
  private resolvable(rb: Runbook, scope: TemplateScope): { id: string; action: string; params: Record<string, unknown> }[] {
    return rb.steps.flatMap((s) => {
      try {
        return [{ id: s.id, ...this.resolveStep(rb, s, scope) }];
      } catch {
        return [];
      }
    });
  }

  /**
   * What refuses a run of `rb` with these (checked) params before anything is sent: a precondition that
   * does not hold, or a step on the console's own process (steps that read earlier steps' results are
   * checked again as they run, in `step`). Shared by `execute` and `foreseenRefusal`.
   */
  private preflight(rb: Runbook, hostId: string, params: Record<string, unknown>): RemediationRefused | null {
    const scope: TemplateScope = { hostId, params, steps: {} };
    const failed = this.preconditions(rb, hostId, scope).find((c) => !c.ok);
    if (failed) return new RemediationRefused('PRECONDITION', `precondition not met: ${failed.detail}`);
    const self = this.selfTarget(this.resolvable(rb, scope));
    return self === null ? null : new RemediationRefused('CONSOLE_ITSELF', self);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  onChange(listener: (run: ActionRun) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(limit = 100): ActionRun[] {
    return this.deps.runs.list(limit);
  }

  get(id: string): ActionRun | null {
    return this.deps.runs.get(id);
  }

  private save(run: ActionRun): ActionRun {
    this.deps.runs.save(run);
    for (const l of this.listeners) l(run);
    return run;
  }

  private runbook(id: string): Runbook {
    const rb = this.deps.runbooks().get(id);
    if (!rb) throw new RemediationRefused('UNKNOWN_RUNBOOK', `no runbook "${id}"`);
    return rb;
  }

  /** The params with defaults filled in; refuses unknown, missing and ill-typed ones naming the param. */
  private params(rb: Runbook, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(given)) if (!Object.hasOwn(rb.params, k)) throw new RemediationRefused('INVALID_PARAMS', `runbook ${rb.id} has no param "${k}" (params: ${Object.keys(rb.params).join(', ') || 'none'})`);
    for (const [k, spec] of Object.entries(rb.params)) {
      const v = given[k] ?? spec.default;
      if (v === undefined) throw new RemediationRefused('INVALID_PARAMS', `param "${k}" is required (${spec.description})`);
      const why = checkParamValue(spec, v);
      if (why) throw new RemediationRefused('INVALID_PARAMS', `param "${k}" ${why}`);
      out[k] = v;
    }
    return out;
  }

  private host(hostId: string): { id: string; hostname: string } {
    const h = this.deps.view.host(hostId);
    if (!h) throw new RemediationRefused('UNKNOWN_HOST', `the console knows no host "${hostId}"`);
    return { id: h.id, hostname: h.hostname };
  }

  /** The step as it will be sent: placeholders filled, run-script's file name turned into its hash. */
  private resolveStep(rb: Runbook, s: RunbookStep, scope: TemplateScope): { action: RunbookStep['action']; params: Record<string, unknown>; timeoutMs: number; delayMs: number } {
    let params = fill(s.params, scope) as Record<string, unknown>;
    if (s.action === 'run-script') {
      const { script, ...rest } = params;
      params = { ...rest, sha256: rb.scripts[script as string] };
    }
    return { action: s.action, params, timeoutMs: s.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS, delayMs: s.delayMs ?? 0 };
  }

  private preconditions(rb: Runbook, hostId: string, scope: TemplateScope): ConditionCheck[] {
    const now = this.now();
    return rb.preconditions.map((c) => checkCondition(c, { view: this.deps.view, hostId, scope, nowMs: now, runStartMs: now }));
  }

  /**
   * Exactly what a run would do now, and whether the policy would let it; sends nothing. The dry run is
   * recorded (and audited): it lifts the policy's DRY_RUN_REQUIRED for this version of the runbook, so
   * the verdict shown is the one a live run would get next.
   */
  dryRun(req: RunRequest): DryRunView {
    const rb = this.runbook(req.runbookId);
    const params = this.params(rb, req.params ?? {});
    const host = this.host(req.hostId);
    const scope: TemplateScope = { hostId: host.id, params, steps: {} };
    const recorded = { runbookId: rb.id, hostId: host.id, atMs: this.now(), by: req.actor.name, fingerprint: runbookFingerprint(rb) };
    this.deps.policy.recordDryRun(recorded);
    this.deps.audit.append(req.actor, 'dry-run', { runbook: rb.id, host: host.id, params, fingerprint: recorded.fingerprint, incident: req.incidentId ?? null });
    const verdict = this.deps.policy.evaluate(this.policyRequest(rb, host, req.actor));
    const steps = rb.steps.map((s) => ({ id: s.id, ...this.resolveStep(rb, s, scope) }));
    // Rollback params may read step results, which a dry run cannot know: those placeholders stay as written.
    const rollback = (rb.rollback ?? []).map((s) => {
      try {
        return { id: s.id, action: s.action, params: this.resolveStep(rb, s, scope).params };
      } catch {
        return { id: s.id, action: s.action, params: s.params };
      }
    });
    const hostPolicy = hostPolicyChecks(steps, this.deps.view.host(host.id)?.inventory?.hostPolicy, this.deps.view.processes(host.id)?.procs);
    return { runbookId: rb.id, hostId: host.id, params, verdict, preconditions: this.preconditions(rb, host.id, scope), steps, verification: fill(rb.verification, scope) as DryRunView['verification'], rollback, recorded, ...(hostPolicy !== null ? { hostPolicy } : {}) };
  }

  private policyRequest(rb: Runbook, host: { id: string; hostname: string }, actor: Actor): { runbookId: string; host: { id: string; hostname: string }; actor: Actor; fingerprint: string } {
    return { runbookId: rb.id, host, actor, fingerprint: runbookFingerprint(rb) };
  }

  /**
   * Propose and, when the policy allows, start a run. Never throws for a refusal: the run comes back
   * `refused`, with the rule, and the refusal is audited.
   */
  execute(req: RunRequest): Started {
    const created = this.now();
    const id = randomBytes(8).toString('hex');
    const base: ActionRun = { id, runbookId: req.runbookId, hostId: req.hostId, params: req.params ?? {}, actor: req.actor, state: 'proposed', steps: [], rollback: [], createdMs: created, updatedMs: created, summary: 'proposed', ...(req.incidentId ? { incidentId: req.incidentId } : {}) };
    this.deps.audit.append(req.actor, 'proposal', { run: id, runbook: req.runbookId, host: req.hostId, params: req.params ?? {}, incident: req.incidentId ?? null });
    let rb: Runbook;
    let params: Record<string, unknown>;
    let host: { id: string; hostname: string };
    try {
      rb = this.runbook(req.runbookId);
      params = this.params(rb, req.params ?? {});
      host = this.host(req.hostId);
      const refusal = this.preflight(rb, host.id, params);
      if (refusal !== null) throw refusal;
    } catch (e) {
      if (!(e instanceof RemediationRefused)) throw e;
      return this.refuse(base, { allowed: false, level: 'observe', rule: e.rule, reason: `${e.rule}: ${e.message}` });
    }
    const run = { ...base, params };
    const policyReq = this.policyRequest(rb, host, req.actor);
    if (req.actor.type === 'operator') {
      const verdict = this.deps.policy.evaluate(policyReq);
      if (!verdict.allowed) return this.refuse(run, verdict);
      if (verdict.level === 'suggest') {
        const waiting = this.save({ ...run, verdict, state: 'awaiting-approval', summary: `awaiting approval: ${verdict.reason}`, updatedMs: this.now() });
        return { run: waiting, done: Promise.resolve(waiting) };
      }
    }
    return this.admitAndRun(run, rb, host, req.actor);
  }

  /** An operator approves a run that waits for approval; the policy is asked again (limits may have moved). */
  approve(runId: string, operator: string): Started {
    const run = this.deps.runs.get(runId);
    if (!run || run.state !== 'awaiting-approval') throw new Error(run ? `run ${runId} is ${run.state}, not awaiting approval` : `no run ${runId}`);
    const actor: Actor = { type: 'operator', name: operator };
    this.deps.audit.append(actor, 'approval', { run: runId, runbook: run.runbookId, host: run.hostId });
    let rb: Runbook;
    let host: { id: string; hostname: string };
    try {
      rb = this.runbook(run.runbookId);
      host = this.host(run.hostId);
    } catch (e) {
      if (!(e instanceof RemediationRefused)) throw e;
      return this.refuse(run, { allowed: false, level: 'suggest', rule: e.rule, reason: `${e.rule}: ${e.message}` });
    }
    return this.admitAndRun(run, rb, host, actor);
  }

  private refuse(run: ActionRun, verdict: PolicyVerdict): Started {
    this.deps.audit.append(ENGINE_ACTOR, 'refusal', { run: run.id, runbook: run.runbookId, host: run.hostId, rule: verdict.rule, reason: verdict.reason });
    this.deps.log?.('info', `remediation ${run.runbookId} on ${run.hostId} refused: ${verdict.reason}`);
    const refused = this.save({ ...run, verdict, state: 'refused', summary: verdict.reason, updatedMs: this.now() });
    return { run: refused, done: Promise.resolve(refused) };
  }

  private admitAndRun(run: ActionRun, rb: Runbook, host: { id: string; hostname: string }, actor: Actor): Started {
    const admission = this.deps.policy.admit(this.policyRequest(rb, host, actor));
    if (!admission.verdict.allowed) return this.refuse(run, admission.verdict);
    const running = this.save({ ...run, verdict: admission.verdict, state: 'running', summary: 'running', updatedMs: this.now() });
    const done = this.perform(running, rb, actor)
      .catch((e: unknown) => {
        // Also when the audit log or the store is already closed (the console stopping): never an unhandled rejection.
        try {
          return this.finish(running, 'failed', `the engine failed: ${(e as Error).message}`);
        } catch {
          return running;
        }
      })
      .finally(() => admission.release());
    return { run: running, done };
  }

  private finish(run: ActionRun, state: RunState, summary: string, extra: Partial<ActionRun> = {}): ActionRun {
    this.deps.log?.(state === 'succeeded' ? 'info' : 'warn', `remediation ${run.runbookId} on ${run.hostId}: ${state}: ${summary}`);
    return this.save({ ...run, ...extra, state, summary, updatedMs: this.now() });
  }

  /** Send one step and wait for its result; never throws. */
  private async step(run: ActionRun, rb: Runbook, s: RunbookStep, scope: TemplateScope, actor: Actor, phase: 'step' | 'rollback'): Promise<StepOutcome> {
    const startedMs = this.now();
    let resolved: ReturnType<RemediationEngine['resolveStep']>;
    try {
      resolved = this.resolveStep(rb, s, scope);
    } catch (e) {
      return { id: s.id, action: s.action, params: s.params, status: 'failed', message: `cannot fill in the step's params: ${(e as Error).message}`, startedMs, endedMs: this.now() };
    }
    const self = this.selfTarget([resolved]);
    if (self !== null) {
      const message = `CONSOLE_ITSELF: ${self}; not sent`;
      this.deps.audit.append(ENGINE_ACTOR, 'refusal', { run: run.id, step: s.id, phase, rule: 'CONSOLE_ITSELF', reason: message });
      return { id: s.id, action: s.action, params: resolved.params, status: 'refused', message, startedMs, endedMs: this.now() };
    }
    if (resolved.delayMs > 0) await sleep(resolved.delayMs);
    this.deps.audit.append(actor, phase === 'rollback' ? 'rollback' : 'command', { run: run.id, step: s.id, host: run.hostId, action: resolved.action, params: resolved.params });
    // The signed audit head rides along, so that each host keeps the latest head it saw: rewriting the
    // chain end to end, key included, would still disagree with the hosts.
    const head = this.deps.audit.head();
    const payload = { action: resolved.action, params: resolved.params, timeoutMs: resolved.timeoutMs, ...(head ? { auditHead: head } : {}) };
    const res = await this.deps.sender.send(run.hostId, 'remediation.run', payload, resolved.timeoutMs + TRANSPORT_MARGIN_MS);
    let outcome: StepOutcome;
    if (!res.ok) {
      outcome = { id: s.id, action: s.action, params: resolved.params, status: res.error?.code ?? 'failed', message: res.error?.message ?? 'the command failed', startedMs, endedMs: this.now() };
    } else {
      const out = (typeof res.output === 'object' && res.output !== null ? res.output : {}) as Record<string, unknown>;
      this.checkHostHead(run.hostId, out['keptAuditHead']);
      const text = typeof out['output'] === 'string' ? out['output'] : '';
      outcome = {
        id: s.id,
        action: s.action,
        params: resolved.params,
        status: typeof out['status'] === 'string' ? out['status'] : 'failed',
        message: typeof out['message'] === 'string' ? out['message'] : 'the host answered without a status',
        ...(text ? { output: text.slice(0, MAX_OUTPUT_CHARS) } : {}),
        ...(typeof out['details'] === 'object' && out['details'] !== null ? { details: out['details'] as Record<string, unknown> } : {}),
        startedMs,
        endedMs: this.now(),
      };
    }
    if (!res.ok) {
      // Refused before it ran (by the host's gate: signature, freshness, replay, local policy) or never answered.
      this.deps.audit.append(ENGINE_ACTOR, 'refusal', { run: run.id, step: s.id, phase, rule: outcome.status, reason: outcome.message });
    } else {
      this.deps.audit.append(actor, 'output', { run: run.id, step: s.id, phase, status: outcome.status, message: outcome.message, output: outcome.output ?? '', details: outcome.details ?? null });
    }
    return outcome;
  }

  /**
   * Hosts answer with the newest signed audit head they kept. When this console's log does not hold that
   * record with that hash, the log was cut or rewritten after the host saw it (a log rewritten whole, key
   * and all, still verifies on its own): only the hosts can tell, so say it loudly.
   */
  private checkHostHead(hostId: string, raw: unknown): void {
    if (typeof raw !== 'object' || raw === null) return;
    const { seq, hash } = raw as Record<string, unknown>;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1 || typeof hash !== 'string') return;
    const mine = this.deps.audit.list(seq, 1)[0];
    if (mine && mine.seq === seq && mine.hash === hash) return;
    const why = mine && mine.seq === seq ? `holds record ${seq} with another hash (${mine.hash.slice(0, 12)}…)` : `has no record ${seq}`;
    this.deps.log?.('error', `audit log mismatch: host ${hostId} kept the console's signed audit head ${seq} (hash ${hash.slice(0, 12)}…), but this console's audit log ${why}: it was cut or rewritten after the host saw it; keep the host's audit-head.json and check \`cerebro-console audit verify\``);
  }

  private async perform(start: ActionRun, rb: Runbook, actor: Actor): Promise<ActionRun> {
    let run = start;
    const runStartMs = run.updatedMs;
    const stepResults: Record<string, unknown> = {};
    const scope = (): TemplateScope => ({ hostId: run.hostId, params: run.params, steps: stepResults });
    for (const s of rb.steps) {
      // The kill switch stops autonomous runs between steps too, not only at admission.
      if (actor.type === 'policy' && this.deps.policy.killSwitch) {
        this.deps.audit.append(ENGINE_ACTOR, 'refusal', { run: run.id, rule: 'KILL_SWITCH', reason: `stopped before step ${s.id}: the kill switch is on` });
        return this.finish(run, 'failed', `KILL_SWITCH: stopped before step ${s.id}`);
      }
      const outcome = await this.step(run, rb, s, scope(), actor, 'step');
      run = this.save({ ...run, steps: [...run.steps, outcome], updatedMs: this.now() });
      stepResults[s.id] = { status: outcome.status, details: outcome.details ?? {}, output: outcome.output ?? '' };
      const passed = outcome.status === 'ok' || (outcome.status === 'skipped' && s.optional === true);
      if (!passed) {
        const why = `step ${s.id} (${s.action}) ${outcome.status}: ${outcome.message}`;
        if (run.steps.length > 1 && rb.rollback) return this.rollback(run, rb, actor, scope(), why);
        return this.finish(run, 'failed', why);
      }
    }
    run = this.save({ ...run, state: 'verifying', summary: 'verifying', updatedMs: this.now() });
    const v = rb.verification;
    const deadline = this.now() + v.withinMs;
    let checks: ConditionCheck[] = [];
    for (;;) {
      const now = this.now();
      checks = v.all.map((c) => checkCondition(c, { view: this.deps.view, hostId: run.hostId, scope: scope(), nowMs: now, runStartMs }));
      if (checks.every((c) => c.ok) || now >= deadline) break;
      await sleep(Math.min(v.pollMs ?? 1_000, Math.max(0, deadline - now)));
    }
    const ok = checks.every((c) => c.ok);
    const verification = { ok, checks, atMs: this.now() };
    this.deps.audit.append(actor, 'verification', { run: run.id, ok, checks: checks.map((c) => ({ ok: c.ok, detail: c.detail })) });
    run = this.save({ ...run, verification, updatedMs: this.now() });
    if (ok) return this.finish(run, 'succeeded', `verified: ${checks.map((c) => c.detail).join('; ')}`);
    const why = `verification failed within ${v.withinMs} ms: ${checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`;
    if (!rb.rollback) return this.finish(run, 'failed', `${why}; this runbook has no rollback`);
    return this.rollback(run, rb, actor, scope(), why);
  }

  private async rollback(start: ActionRun, rb: Runbook, actor: Actor, scope: TemplateScope, why: string): Promise<ActionRun> {
    let run = this.save({ ...start, state: 'rolling-back', summary: `${why}; rolling back`, updatedMs: this.now() });
    for (const s of rb.rollback ?? []) {
      const outcome = await this.step(run, rb, s, scope, actor, 'rollback');
      run = this.save({ ...run, rollback: [...run.rollback, outcome], updatedMs: this.now() });
      if (outcome.status !== 'ok' && !(outcome.status === 'skipped' && s.optional)) return this.finish(run, 'rollback-failed', `${why}; rollback step ${s.id} ${outcome.status}: ${outcome.message}`);
    }
    return this.finish(run, 'rolled-back', `${why}; rolled back`);
  }
}
