/**
 * Evaluates runbook conditions (preconditions and verification) against the console's own view of a host:
 * the latest samples of its series, its latest process table and its host document. Each check says what
 * it saw in a sentence, for the dry run, the run record and the audit log.
 */
import type { CompareOp, ConditionCheck, Host, RunbookCondition } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { fill, TemplateError, type TemplateScope } from './templates';

/** What conditions read; the console core provides it from the telemetry store and the host registry. */
export interface TelemetryView {
  host(hostId: string): Host | null;
  latest(hostId: string, key: string): { t: number; v: number } | null;
  processes(hostId: string): { ts: number; procs?: readonly ProcessRow[] } | null;
  /**
   * The supervisor a process of this name was seen running under on the host (systemd, supervisord, …),
   * or null: proposals name a service only for a supervised process. Absent: not known (a service is
   * then named after the process, for the operator to check).
   */
  supervisorOf?(hostId: string, processName: string): string | null;
}

const DEFAULT_MAX_AGE_MS = 30_000;

export function compare(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

function num(v: unknown, what: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new TemplateError(`${what} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function fact(host: Host, dotted: string): unknown {
  let v: unknown = host;
  for (const part of dotted.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export interface CheckContext {
  readonly view: TelemetryView;
  readonly hostId: string;
  readonly scope: TemplateScope;
  readonly nowMs: number;
  /** When the run started, ms (for startedAfterRun). */
  readonly runStartMs: number;
}

export function checkCondition(raw: RunbookCondition, c: CheckContext): ConditionCheck {
  let cond: RunbookCondition;
  try {
    cond = fill(raw, c.scope) as RunbookCondition;
  } catch (e) {
    return { condition: raw, ok: false, detail: (e as Error).message };
  }
  try {
    switch (cond.kind) {
      case 'metric': {
        const s = c.view.latest(c.hostId, cond.key);
        const want = num(cond.value, `${cond.key}: value`);
        if (!s) return { condition: cond, ok: false, detail: `${cond.key} has no samples on this host` };
        const age = c.nowMs - s.t;
        if (age > (cond.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) return { condition: cond, ok: false, detail: `${cond.key}: the latest sample is ${Math.round(age / 1000)} s old` };
        const ok = compare(s.v, cond.op, want);
        return { condition: cond, ok, detail: `${cond.key} is ${Math.round(s.v * 100) / 100} (needs ${cond.op} ${want})` };
      }
      case 'process': {
        const table = c.view.processes(c.hostId);
        if (!table?.procs) return { condition: cond, ok: false, detail: 'no process table from this host yet' };
        if (cond.startedAfterRun && table.ts < c.runStartMs) return { condition: cond, ok: false, detail: 'no process table newer than the run yet' };
        const pid = cond.pid === undefined ? undefined : num(cond.pid, 'pid');
        const what = [cond.name !== undefined ? `name ${cond.name}` : '', cond.cmdContains !== undefined ? `command containing "${cond.cmdContains}"` : '', pid !== undefined ? `pid ${pid}` : ''].filter(Boolean).join(', ');
        const matches = table.procs.filter(
          (p) =>
            (cond.name === undefined || p.name === cond.name) &&
            (cond.cmdContains === undefined || p.cmd.includes(cond.cmdContains)) &&
            (pid === undefined || p.pid === pid) &&
            (!cond.startedAfterRun || p.startMs >= c.runStartMs - 1_000),
        );
        if (cond.expect === 'absent') return { condition: cond, ok: matches.length === 0, detail: matches.length === 0 ? `no process with ${what} runs` : `${matches.length} process(es) with ${what} still run (pid ${matches.map((p) => p.pid).join(', ')})` };
        const fresh = cond.startedAfterRun ? ', started after the run began,' : '';
        if (matches.length === 0) return { condition: cond, ok: false, detail: `no process with ${what}${fresh} runs` };
        if (cond.field && cond.op) {
          const want = num(cond.value, `${cond.field}: value`);
          const field = cond.field;
          const bad = matches.filter((p) => !compare(p[field] ?? Number.NaN, cond.op as CompareOp, want));
          if (bad.length > 0) return { condition: cond, ok: false, detail: `process ${bad[0]?.pid} (${what}) has ${field} ${bad[0]?.[field]} (needs ${cond.op} ${want})` };
          return { condition: cond, ok: true, detail: `${matches.length} process(es) with ${what}${fresh} run, ${field} ${cond.op} ${want}` };
        }
        return { condition: cond, ok: true, detail: `${matches.length} process(es) with ${what}${fresh} run (pid ${matches.map((p) => p.pid).join(', ')})` };
      }
      case 'host': {
        const host = c.view.host(c.hostId);
        if (!host) return { condition: cond, ok: false, detail: `the console knows no host ${c.hostId}` };
        const v = fact(host, cond.fact);
        if (cond.op === 'exists') return { condition: cond, ok: v !== undefined && v !== null, detail: `host fact ${cond.fact} ${v === undefined ? 'is missing' : `is ${JSON.stringify(v)}`}` };
        const ok = cond.op === '==' ? v === cond.value : v !== cond.value;
        return { condition: cond, ok, detail: `host fact ${cond.fact} is ${JSON.stringify(v)} (needs ${cond.op} ${JSON.stringify(cond.value)})` };
      }
    }
  } catch (e) {
    return { condition: cond, ok: false, detail: (e as Error).message };
  }
}
