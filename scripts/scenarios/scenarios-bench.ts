/**
 * The `scenarios` benchmark: options, the per-scenario table for people, and the figures of the
 * `scenarios` row of ../shared/BENCHMARKS.md (plus per-scenario details) for tools.
 */
import { numberOption, parseOptions, UsageError } from '../bench/args';
import type { Bench } from '../bench/bench';
import { progress, type BenchResult, type Figure } from '../bench/report';
import { SCENARIOS } from './faults';
import { DEFAULT_HARNESS_OPTIONS, runScenarios, type AlertRow, type HarnessResult } from './harness';

const NAME = 'scenarios';
const d = DEFAULT_HARNESS_OPTIONS;

export const SCENARIO_OPTIONS = {
  only: { type: 'string', help: `comma-separated scenarios to run (${SCENARIOS.map((s) => s.name).join(', ')})`, default: 'all' },
  'quiet-minutes': { type: 'string', help: 'the quiet period with no fault after the scenarios, minutes (0: none)', default: String(d.quietMinutes) },
  warmup: { type: 'string', help: "samples before a series may alert (the console's --detector-warmup)", default: String(d.warmupSamples) },
  interval: { type: 'string', help: "the collector's interval, ms", default: String(d.intervalMs) },
  'log-learning-minutes': { type: 'string', help: "the console's log learning period, minutes", default: String(d.logLearningMinutes) },
  settle: { type: 'string', help: 'seconds after a fault stops during which its alerts still count for it', default: String(d.settleSec) },
  'settle-max': { type: 'string', help: "then, seconds to wait at most for the host's open incidents to resolve before the next fault", default: String(d.settleMaxSec) },
  'min-fault': { type: 'string', help: 'seconds a fault stays injected at least, even once diagnosed', default: String(d.minFaultSec) },
  remediate: { type: 'string', help: "autonomous: each scenario's runbook may run alone (the console's policy), and is timed; off: nothing runs alone", default: d.remediate },
  'remediate-wait': { type: 'string', help: 'after the diagnosis, seconds to wait at most for the autonomous run to end', default: String(d.remediateWaitSec) },
  'save-series': { type: 'string', help: "a folder: after each fault, its series (the scenario's patterns) from the console's start to the fault's end are written there as series-NAME.json, and at the end each unexplained alert's series as unexplained-N.json, for replaying through the detectors", default: '' },
} as const;

export async function scenariosBench(argv: readonly string[]): Promise<BenchResult> {
  const v = parseOptions(NAME, argv, SCENARIO_OPTIONS);
  const only = typeof v['only'] === 'string' && v['only'] !== 'all' ? v['only'].split(',').map((s) => s.trim()).filter(Boolean) : null;
  const remediate = v['remediate'] ?? d.remediate;
  if (remediate !== 'autonomous' && remediate !== 'off') throw new UsageError(`${NAME}: --remediate must be autonomous or off, got ${JSON.stringify(remediate)}`);
  const r = await runScenarios({
    only,
    quietMinutes: numberOption(NAME, v, 'quiet-minutes', d.quietMinutes, 0, 120, false),
    warmupSamples: numberOption(NAME, v, 'warmup', d.warmupSamples, 2, 10_000),
    intervalMs: numberOption(NAME, v, 'interval', d.intervalMs, 100, 60_000),
    logLearningMinutes: numberOption(NAME, v, 'log-learning-minutes', d.logLearningMinutes, 0, 600, false),
    settleSec: numberOption(NAME, v, 'settle', d.settleSec, 0, 3600),
    settleMaxSec: numberOption(NAME, v, 'settle-max', d.settleMaxSec, 0, 3600),
    minFaultSec: numberOption(NAME, v, 'min-fault', d.minFaultSec, 0, 3600),
    pollMs: d.pollMs,
    remediate,
    remediateWaitSec: numberOption(NAME, v, 'remediate-wait', d.remediateWaitSec, 0, 3600),
    seriesDir: typeof v['save-series'] === 'string' && v['save-series'] !== '' ? v['save-series'] : null,
    log: (m) => progress(NAME, m),
  });
  process.stderr.write('\n' + table(r));
  return toResult(r);
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

function alertText(a: AlertRow): string {
  return `${a.seriesKey} (${a.severity}) onset ${new Date(a.startMs).toISOString().slice(11, 19)} during ${a.phase}${a.detail !== undefined ? `: ${a.detail}` : ''}`;
}

/** The per-scenario table, then every alert that no fault explains. */
export function table(r: HarnessResult): string {
  const remedied = (s: HarnessResult['scenarios'][number]): string => (r.remediate === 'off' ? 'remediation off' : s.resolvedAlone ? `${s.remediateMs === null ? 'resolved, not diagnosed right' : seconds(s.remediateMs)} by ${s.remedy}` : `NOT resolved alone (${s.runs.map((x) => `${x.runbookId} ${x.state}`).join(', ') || `no run of ${s.remedy}`})`);
  const rows = r.scenarios.map((s) => [s.name, s.skipped !== null ? `skipped: ${s.skipped}` : `${seconds(s.detectMs)} | ${seconds(s.diagnoseMs)} | ${remedied(s)} | ${s.topCauseRight ? 'right' : 'WRONG'} | ${s.alerts.length} alerts | cpu before ${s.cpuBeforePct ? `${s.cpuBeforePct.median}/${s.cpuBeforePct.max} %` : '?'} | top: ${s.topCauses.join('; ') || 'no related incident'} | expected ${s.expected}`]);
  const fp = r.alerts.filter((a) => a.explainedBy === null);
  const lines = [
    `scenario | detect | diagnose | diagnosis → verified remediation | top cause | alerts explained | cpu.util_pct median/max 30 s before | top causes seen | expected  (host ${r.hostId}, warm-up ${seconds(r.warmupMs)})`,
    ...rows.map(([n, t]) => `${n!.padEnd(10)} ${t}`),
    '',
    `autonomous runs: ${r.runs.length}; on no fault's incident: ${r.runs.filter((x) => x.scenario === null).length}`,
    ...r.runs.map((x) => `  ${x.scenario ?? 'NO FAULT'}${x.onTarget === false ? ' (OFF TARGET)' : ''}: ${x.runbookId} ${JSON.stringify(x.params)} → ${x.state}: ${x.summary}`),
    '',
    `alerts after the warm-up: ${r.falsePositives.alerts}; not explained by a fault: ${r.falsePositives.unexplained} (quiet period ${r.quietMinutes} min)`,
    ...fp.map((a) => `  unexplained: ${alertText(a)}`),
    ...r.scenarios.flatMap((s) => s.alerts.map((a) => `  ${s.name}: ${alertText(a)}`)),
    '',
  ];
  return lines.join('\n');
}

/** The figures of ../shared/BENCHMARKS.md's `scenarios` row, plus the per-scenario details. */
export function toResult(r: HarnessResult): BenchResult {
  const ran = r.scenarios.filter((s) => s.skipped === null);
  const skipped: Record<string, string> = {};
  let remediateMsMax: number | null = null;
  let autonomousResolutionRate: number | null = null;
  if (r.remediate === 'off') {
    skipped['remediateMsMax'] = 'run with --remediate off: nothing ran alone';
    skipped['autonomousResolutionRate'] = 'run with --remediate off: nothing ran alone';
  } else if (ran.length === 0) {
    skipped['remediateMsMax'] = 'no scenario ran';
    skipped['autonomousResolutionRate'] = 'no scenario ran';
  } else {
    autonomousResolutionRate = Number((ran.filter((s) => s.resolvedAlone).length / ran.length).toFixed(4));
    const untimed = ran.filter((s) => s.remediateMs === null).map((s) => `${s.name} (${s.resolvedAlone ? 'resolved alone, but never diagnosed right' : 'not resolved alone'})`);
    if (untimed.length === 0) remediateMsMax = Math.max(...ran.map((s) => s.remediateMs!));
    else skipped['remediateMsMax'] = `no diagnosis → remediation time for ${untimed.join(', ')} (the max over the others is remediateMsMaxOfRest)`;
  }
  const resolvedTimes = ran.map((s) => s.remediateMs).filter((x): x is number => x !== null);
  const maxOf = (key: 'detectMs' | 'diagnoseMs', what: string): number | null => {
    const missing = ran.filter((s) => s[key] === null).map((s) => s.name);
    if (ran.length === 0) {
      skipped[`${key}Max`] = 'no scenario ran';
      return null;
    }
    if (missing.length > 0) {
      skipped[`${key}Max`] = `not ${what} within the scenario's time: ${missing.join(', ')} (the max over the others is ${key}MaxOfRest)`;
      return null;
    }
    return Math.max(...ran.map((s) => s[key]!));
  };
  const rest = (key: 'detectMs' | 'diagnoseMs'): number | null => {
    const v = ran.map((s) => s[key]).filter((x): x is number => x !== null);
    return v.length > 0 ? Math.max(...v) : null;
  };
  if (r.falsePositives.rate === null) skipped['falsePositiveRate'] = 'no alert at all after the warm-up';
  const notRun = r.scenarios.filter((s) => s.skipped !== null);
  if (notRun.length > 0) skipped['scenarios'] = notRun.map((s) => `${s.name}: ${s.skipped}`).join('; ');
  const perScenario: Record<string, Figure> = {};
  for (const s of r.scenarios) {
    perScenario[s.name] = s.skipped !== null ? { skipped: s.skipped } : { detectMs: s.detectMs, diagnoseMs: s.diagnoseMs, remediateMs: s.remediateMs, remediatedAfterMs: s.remediatedAfterMs, resolvedAlone: s.resolvedAlone, remedy: s.remedy, runs: s.runs.map((x) => `${x.runbookId}: ${x.state}`), topCauseRight: s.topCauseRight, topCauses: [...s.topCauses], expected: s.expected, alerts: s.alerts.length, faultMs: s.faultMs, cpuBeforePct: s.cpuBeforePct === null ? null : { ...s.cpuBeforePct } };
  }
  return {
    bench: NAME,
    figures: {
      scenarios: ran.length,
      topCauseRight: ran.filter((s) => s.topCauseRight).length,
      detectMsMax: maxOf('detectMs', 'detected'),
      diagnoseMsMax: maxOf('diagnoseMs', 'diagnosed'),
      remediateMsMax,
      autonomousResolutionRate,
      remediateMsMaxOfRest: resolvedTimes.length > 0 ? Math.max(...resolvedTimes) : null,
      autonomousRuns: r.runs.length,
      // Runs on no fault's incident: the policy acted where no fault was injected (the goal: 0).
      autonomousRunsOutsideFaults: r.runs.filter((x) => x.scenario === null).length,
      // Runs on a fault's incident that were not its remedy on its own target (a wrong process, another filesystem).
      autonomousRunsOffTarget: r.runs.filter((x) => x.scenario !== null && x.onTarget === false).length,
      falsePositiveRate: r.falsePositives.rate === null ? null : Number(r.falsePositives.rate.toFixed(4)),
      detectMsMaxOfRest: rest('detectMs'),
      diagnoseMsMaxOfRest: rest('diagnoseMs'),
      alerts: r.falsePositives.alerts,
      unexplainedAlerts: r.falsePositives.unexplained,
      unexplained: r.alerts.filter((a) => a.explainedBy === null).map((a) => `${a.seriesKey} during ${a.phase}`),
      quietMinutes: r.quietMinutes,
      warmupMs: r.warmupMs,
      perScenario,
    },
    skipped,
  };
}

/** For scripts/bench/run.ts's list, so `npm run bench -- scenarios` runs the same (../shared/BENCHMARKS.md). */
export const scenariosBenchEntry: Bench = {
  name: NAME,
  summary: 'real faults on this machine (CPU hog, memory leak, filesystem filling, crash loop, two-tier server kill, log storm) against a real console and collector',
  options: SCENARIO_OPTIONS,
  run: scenariosBench,
};
