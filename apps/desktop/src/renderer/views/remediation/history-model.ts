/** View models of the actions history and the audit view: pure, tested without React. */
import type { ActionRun, AuditRecord, AuditVerifyResult } from '@cerebro/shared/api/contract';
import { fmtDuration } from '../host/alert-format';
import { isFinal } from './drawer-model';

export interface ActionRow {
  readonly id: string;
  readonly runbookId: string;
  readonly hostId: string;
  readonly hostname: string;
  /** "operator alice" or "policy autonomous". */
  readonly actor: string;
  readonly actorType: 'operator' | 'policy';
  readonly state: ActionRun['state'];
  readonly startedMs: number;
  /** ms; for a run not yet ended, so far. */
  readonly durationMs: number;
  readonly ended: boolean;
  readonly summary: string;
  readonly incidentId: string | null;
}

export function actionRows(runs: readonly ActionRun[], hostname: (id: string) => string, nowMs: number): ActionRow[] {
  return [...runs]
    .sort((a, b) => b.createdMs - a.createdMs)
    .map((r) => {
      const ended = isFinal(r.state) || r.state === 'awaiting-approval';
      return {
        id: r.id,
        runbookId: r.runbookId,
        hostId: r.hostId,
        hostname: hostname(r.hostId),
        actor: `${r.actor.type} ${r.actor.name}`,
        actorType: r.actor.type,
        state: r.state,
        startedMs: r.createdMs,
        durationMs: Math.max(0, (ended ? r.updatedMs : nowMs) - r.createdMs),
        ended,
        summary: r.summary,
        incidentId: r.incidentId ?? null,
      };
    });
}

/** The chain's state in a sentence: verified, or the first broken record and why. */
export function verificationLine(v: AuditVerifyResult): { readonly ok: boolean; readonly text: string } {
  // The console's reason already counts the records and says how the head was checked.
  if (v.ok) return { ok: true, text: `Chain verified: ${v.reason}` };
  return { ok: false, text: `Chain broken${v.brokenSeq !== undefined ? ` at record #${v.brokenSeq}` : ''}: ${v.reason}` };
}

const KEYS = ['run', 'runbook', 'host', 'step', 'action', 'rule', 'status', 'ok', 'killSwitch', 'group', 'level', 'previous'] as const;

/** A record's payload in one line: its telling fields first ("run ab12 · runbook cpu-hog-stop · host web-1"), then a reason or message. */
export function auditSummary(r: AuditRecord): string {
  const p = (typeof r.payload === 'object' && r.payload !== null ? r.payload : {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of KEYS) if (p[k] !== undefined && p[k] !== null) parts.push(`${k} ${typeof p[k] === 'object' ? JSON.stringify(p[k]) : String(p[k])}`);
  const why = p['reason'] ?? p['message'];
  if (typeof why === 'string' && why) parts.push(why);
  return parts.join(' · ') || JSON.stringify(r.payload).slice(0, 200);
}

/** A run's duration: runs take from milliseconds to minutes ("420 ms", "3.2 s", "2 min"). */
export function fmtRunDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return fmtDuration(ms);
}
