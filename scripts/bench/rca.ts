/**
 * `rca`: root-cause ranking accuracy on Nezha's Online Boutique faults (AC@1, AC@3, Avg@5 at service
 * level) and ranking time per case. The window each case sees and the pod → service mapping follow
 * ../shared/BENCHMARKS.md. One parameter set (RCA_DEFAULTS) for every case; a split check re-chooses the
 * parameters on one day from a small grid and reports them on the other.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RCA_DEFAULTS, type RcaOptions } from '@cerebro/shared/analytics/rca/types';
import { numberOption, parseOptions, UsageError } from './args';
import type { Bench } from './bench';
import { dayCases, listDays, loadDay, type NezhaCase, type NezhaDay } from './rca-data';
import { accuracy, runCases, type Accuracy, type CaseOutcome } from './rca-score';
import { progress, type BenchResult, type Figure } from './report';
import { round } from './stats';

const NAME = 'rca';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (m: string): void => progress(NAME, m);

const options = {
  data: { type: 'string', help: 'folder with <day>/<day>-fault_list.json and <day>/metric/', default: '../shared/data/rca-nezha' },
  repeat: { type: 'string', help: 'times every case is ranked for the timing', default: '5' },
} as const;

/** The split check's grid: the parameters that matter most, around the defaults, and the values the
 * recent baseline and the callers' consensus were chosen from (0 turns each off). */
function grid(): Array<Partial<RcaOptions>> {
  const out: Array<Partial<RcaOptions>> = [];
  for (const relativeFloor of [0.1, 0.5, 1, 2])
    for (const persistence of [2, 3])
      for (const damping of [0.5, 0.85])
        for (const selfWeight of [0.25, 0.5, 1])
          for (const recentBaselineMs of [0, 3, 4, 5].map((m) => m * 60_000))
            for (const peerConsensus of [0, 0.5, 1]) out.push({ relativeFloor, persistence, damping, selfWeight, recentBaselineMs, peerConsensus });
  return out;
}

const better = (a: Accuracy, b: Accuracy): boolean => a.ac1 > b.ac1 || (a.ac1 === b.ac1 && a.avg5 > b.avg5);

function tuneOn(cases: readonly NezhaCase[]): Partial<RcaOptions> {
  let best: { o: Partial<RcaOptions>; a: Accuracy } | null = null;
  for (const o of grid()) {
    const a = accuracy(runCases(cases, o));
    if (best === null || better(a, best.a)) best = { o, a };
  }
  return best!.o;
}

const figures = (a: Accuracy): { [k: string]: Figure } => ({ ac1: round(a.ac1, 4), ac3: round(a.ac3, 4), avg5: round(a.avg5, 4), cases: a.cases });

function splitCheck(byDay: ReadonlyMap<string, NezhaCase[]>): Figure {
  const days = [...byDay.keys()];
  if (days.length < 2) return null;
  const out: { [k: string]: Figure } = {};
  for (const tune of days) {
    const params = tuneOn(byDay.get(tune)!);
    for (const report of days.filter((d) => d !== tune)) {
      const a = accuracy(runCases(byDay.get(report)!, params));
      out[`tune ${tune} → ${report}`] = { params: params as { [k: string]: number }, ...figures(a) };
      log(`split: tuned on ${tune} ${JSON.stringify(params)} → on ${report}: AC@1 ${a.ac1.toFixed(3)} AC@3 ${a.ac3.toFixed(3)} Avg@5 ${a.avg5.toFixed(3)}`);
    }
  }
  return out;
}

function caseTable(outcomes: readonly CaseOutcome[]): string {
  const rows = ['day         fault type       true service            rank  ranked first (anomaly)'];
  for (const o of outcomes) {
    const first = o.top[0];
    rows.push(`${o.c.day}  ${o.c.fault.type.padEnd(15)}  ${o.c.fault.service.padEnd(22)}  ${String(o.rank ?? '—').padStart(4)}  ${first ? `${first.entity} (${first.anomaly.toFixed(2)})` : '—'}`);
  }
  return rows.join('\n') + '\n';
}

/** Mean wall ms to rank one case (input already sliced), over `repeat` passes. */
function timeRanking(cases: readonly NezhaCase[], repeat: number): number {
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) runCases(cases);
  return (performance.now() - t0) / (repeat * cases.length);
}

function loadAll(dir: string): NezhaDay[] {
  let days: string[];
  try {
    days = listDays(dir);
  } catch (e) {
    throw new UsageError(`${NAME}: cannot read --data ${dir}: ${(e as Error).message}`);
  }
  if (days.length === 0) throw new UsageError(`${NAME}: no <day>/<day>-fault_list.json under ${dir}`);
  return days.map((d) => {
    const day = loadDay(dir, d);
    log(`${d}: ${day.faults.length} faults, ${day.services.length} services, ${day.edges.length} call edges, ${day.series.length} series; ${day.notes.skippedEdges} dependency rows left out (not service → service), ${day.notes.repairedTimestamps} rows with a TimeStamp contradicting Time (Time used)${day.notes.skippedFiles.length > 0 ? `; not used: ${day.notes.skippedFiles.join(', ')}` : ''}`);
    return day;
  });
}

/** Same cases with the call-edge latency tables removed: what the pod metrics alone give. */
function podOnly(cases: readonly NezhaCase[]): NezhaCase[] {
  return cases.map((c) => ({ ...c, input: { ...c.input, series: c.input.series.filter((s) => s.peer === undefined) } }));
}

export const rcaBench: Bench = {
  name: NAME,
  summary: 'root-cause ranking on Nezha faults: AC@1, AC@3, Avg@5 (service level) and ms per case',
  options,
  async run(argv): Promise<BenchResult> {
    const values = parseOptions(NAME, argv, options);
    const dir = path.resolve(REPO_ROOT, typeof values['data'] === 'string' ? values['data'] : options.data.default);
    const repeat = numberOption(NAME, values, 'repeat', 5, 1, 1000);
    const days = loadAll(dir);
    const byDay = new Map(days.map((d) => [d.day, dayCases(d)]));
    const all = [...byDay.values()].flat();
    const outcomes = runCases(all);
    process.stderr.write(caseTable(outcomes));
    const perDay: { [k: string]: Figure } = {};
    for (const [day, cases] of byDay) perDay[day] = figures(accuracy(runCases(cases)));
    const overall = accuracy(outcomes);
    log(`overall: AC@1 ${overall.ac1.toFixed(3)} AC@3 ${overall.ac3.toFixed(3)} Avg@5 ${overall.avg5.toFixed(3)} over ${overall.cases} faults`);
    const pod = accuracy(runCases(podOnly(all)));
    log(`pod metrics only (no call-edge latency tables): AC@1 ${pod.ac1.toFixed(3)} AC@3 ${pod.ac3.toFixed(3)} Avg@5 ${pod.avg5.toFixed(3)}`);
    log(`split check: tuning on each day over ${grid().length} parameter sets`);
    const split = splitCheck(byDay);
    log(`timing: every case ranked ${repeat} times`);
    const msPerCase = timeRanking(all, repeat);
    return {
      bench: NAME,
      figures: {
        ...figures(overall),
        msPerCase: round(msPerCase, 3),
        days: perDay,
        podMetricsOnly: figures(pod),
        split,
        params: { ...RCA_DEFAULTS },
        goal: { ac1: 0.9, ac3: 0.97 },
      },
      skipped: split === null ? { split: 'only one day of faults: nothing to tune on and report on separately' } : {},
    };
  },
};
