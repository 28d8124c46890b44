/**
 * The fault scenarios, shortened (`npm run scenarios` is the full run and measures the targets): one real
 * TLS console and one enrolled collector under a host policy (250 ms interval, detectors warm after 40
 * samples), the services under a real supervisord, then a CPU hog and the two-tier server kill, each
 * asserted on its top cause and on its autonomous remediation: the console's policy runs the scenario's
 * runbook alone (stop the hog; restart the dead server through supervisord), verified from telemetry.
 * Time bounds are generous; the hog is skipped, saying why, where the CPU was already saturated before it
 * (less than one core free: nothing to detect then), as in incidents.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarios, type HarnessResult, type ScenarioResult } from '../../scripts/scenarios/harness';

/** Busy share of all cores over `ms`, 0–100, from /proc/stat. */
async function cpuBusyPct(ms: number): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const read = (): number[] => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  const d = b.map((x, i) => x - a[i]!);
  const total = d.reduce((x, y) => x + y, 0);
  const idle = d[3]! + d[4]!;
  return total > 0 ? (100 * (total - idle)) / total : 0;
}

test('shortened scenarios: the CPU hog and the killed server, each asserted on its top cause', { timeout: 420_000 }, async (t) => {
  const busyBefore = await cpuBusyPct(2000);
  const seriesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-scenario-series-'));
  t.after(() => fs.rmSync(seriesDir, { recursive: true, force: true }));
  const lines: string[] = [];
  let result: HarnessResult;
  try {
    result = await runScenarios({
      only: ['cpu-hog', 'two-tier'],
      quietMinutes: 0,
      warmupSamples: 40,
      intervalMs: 250,
      logLearningMinutes: 0,
      settleSec: 3,
      settleMaxSec: 10,
      minFaultSec: 3,
      pollMs: 500,
      observeMaxSec: 60,
      // The server runs well over 5 s before it is killed (the console's default, 60 s, is for real hosts).
      serviceMinAgeSec: 5,
      remediate: 'autonomous',
      remediateWaitSec: 60,
      seriesDir,
      log: (m) => lines.push(m),
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\nharness log:\n${lines.join('\n')}`);
  }
  const byName = (n: string): ScenarioResult => result.scenarios.find((s) => s.name === n)!;
  const why = (s: ScenarioResult): string => `${s.name}: detect ${s.detectMs} ms, diagnose ${s.diagnoseMs} ms, remediated ${s.remediateMs} ms after (runs ${JSON.stringify(s.runs)}), top causes ${JSON.stringify(s.topCauses)}, expected ${s.expected}, cpu.util_pct before ${JSON.stringify(s.cpuBeforePct)}\nharness log:\n${lines.join('\n')}`;
  for (const s of result.scenarios) t.diagnostic(`${s.name}: detected in ${s.detectMs} ms, diagnosed in ${s.diagnoseMs} ms, top causes ${s.topCauses.join('; ')}`);
  t.diagnostic(`alerts after the warm-up ${result.falsePositives.alerts}, unexplained ${result.falsePositives.unexplained}`);

  await t.test('cpu-hog: the top cause is the hog process', (st) => {
    const hog = byName('cpu-hog');
    assert.equal(hog.skipped, null, why(hog));
    // The machine's own reading just before the hog (median of 30 s), else this process's sample before
    // the run. A one-core hog adds at most 100 / cores points to cpu.util_pct: with less headroom than
    // that the machine is already saturated for this fault (other work on this shared machine).
    const busy = hog.cpuBeforePct?.median ?? busyBefore;
    const headroomNeeded = 100 / os.cpus().length;
    if (!hog.topCauseRight && 100 - busy < headroomNeeded) {
      st.skip(`the CPU was already saturated before the hog (cpu.util_pct median ${busy.toFixed(0)} % in the 30 s before it, less than one core of ${os.cpus().length} free): nothing to detect on this machine now`);
      return;
    }
    assert.ok(hog.detectMs !== null && hog.detectMs < 60_000, why(hog));
    assert.ok(hog.topCauseRight, why(hog));
    // Resolved alone: the policy stopped the hog through the collector, and the run's verification (the
    // process gone, the host's CPU down) passed on the telemetry that followed.
    const run = hog.runs.find((r) => r.state === 'succeeded');
    assert.equal(run?.runbookId, 'cpu-hog-stop', why(hog));
    assert.ok(hog.remediateMs !== null, why(hog));
  });

  // The server's exit is an event alert (core/incidents/process-events.ts), so the dead server is a
  // candidate and, being first, ranks above the host its client's error log lands on.
  await t.test('two-tier: the top cause is the killed server', () => {
    const tier = byName('two-tier');
    assert.equal(tier.skipped, null, why(tier));
    assert.ok(tier.detectMs !== null && tier.detectMs < 60_000, why(tier));
    assert.ok(tier.topCauseRight, why(tier));
    const run = tier.runs.find((r) => r.state === 'succeeded');
    assert.equal(run?.runbookId, 'two-tier-restart-server', why(tier));
    assert.equal(run?.params['service'], 'cerebro-srv');
    assert.ok(tier.remediateMs !== null, why(tier));
  });

  await t.test("--save-series: each fault's series, raw, from the console's start to the end of its window", () => {
    const saved = JSON.parse(fs.readFileSync(path.join(seriesDir, 'series-cpu-hog.json'), 'utf8')) as { scenario: string; injectedMs: number; windowEndMs: number; series: Record<string, { t: number[]; v: number[] }> };
    assert.equal(saved.scenario, 'cpu-hog');
    const cpu = saved.series['cpu.util_pct'];
    assert.ok(cpu !== undefined, `saved keys: ${Object.keys(saved.series).join(', ')}`);
    assert.ok(Object.keys(saved.series).every((k) => k.startsWith('cpu.') || k.startsWith('load.') || k.startsWith('proc.running')), 'only the fault\'s own patterns');
    // The warm-up's samples (40 at 250 ms) come before the injection, the fault's after it.
    assert.ok(cpu.t.filter((x) => x < saved.injectedMs).length >= 40 && cpu.t.some((x) => x > saved.injectedMs), `${cpu.t.length} samples`);
    assert.ok(cpu.t.every((x, i) => i === 0 || x > cpu.t[i - 1]!) && cpu.t.at(-1)! <= saved.windowEndMs);
    assert.ok(fs.existsSync(path.join(seriesDir, 'series-two-tier.json')));
  });

  await t.test('no autonomous run outside a fault, and every one on a fault ran its own runbook', () => {
    assert.deepEqual(result.runs.filter((r) => r.scenario === null), [], JSON.stringify(result.runs));
    for (const r of result.runs) {
      assert.equal(r.runbookId, byName(r.scenario!).remedy, JSON.stringify(r));
      assert.equal(r.onTarget, true, `on the fault's own target: ${JSON.stringify(r)}`);
    }
  });
});
