/** AC@k and Avg@5 of the ranker over Nezha cases (service level), shared by the bench and its test. */
import { rankCauses } from '@cerebro/shared/analytics/rca/rank';
import type { RankedCause, RcaOptions } from '@cerebro/shared/analytics/rca/types';
import type { NezhaCase } from './rca-data';

export interface CaseOutcome {
  readonly c: NezhaCase;
  /** 1-based rank of the true service, null when not ranked at all. */
  readonly rank: number | null;
  readonly top: readonly RankedCause[];
}

export interface Accuracy {
  readonly ac1: number;
  readonly ac3: number;
  readonly avg5: number;
  readonly cases: number;
}

export function runCases(cases: readonly NezhaCase[], options: Partial<RcaOptions> = {}): CaseOutcome[] {
  return cases.map((c) => {
    const r = rankCauses(c.input, { ...options, top: c.input.entities.length });
    if (!r.ok) throw new Error(`${c.day} fault ${c.index} (${c.fault.pod}): ${r.error.message}`);
    const i = r.value.causes.findIndex((x) => x.entity === c.fault.service);
    return { c, rank: i < 0 ? null : i + 1, top: r.value.causes };
  });
}

export function accuracy(outcomes: readonly CaseOutcome[]): Accuracy {
  const n = outcomes.length;
  const ac = (k: number): number => (n === 0 ? 0 : outcomes.filter((o) => o.rank !== null && o.rank <= k).length / n);
  return { ac1: ac(1), ac3: ac(3), avg5: (ac(1) + ac(2) + ac(3) + ac(4) + ac(5)) / 5, cases: n };
}
