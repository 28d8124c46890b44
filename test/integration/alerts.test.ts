/**
 * Anomaly alerts end to end: a real collector (250 ms interval) streams this host to a real console whose
 * detectors warm up after 40 samples (`--detector-warmup`, a test aid); a CPU-burning child process then
 * raises an open alert on the host's CPU series; the operator actions work over the API; and a console
 * restart resumes the detectors instead of warming them up again.
 */
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { routePath, type Alert, type RouteResponses } from '@cerebro/shared/api/contract';
import { DEFAULT_HYSTERESIS } from '../../apps/desktop/src/core/alerts/hysteresis';
import { createTokenFile, startCollector, startConsole, tempDir, waitFor, type RunningConsole, waitForWarmSeries } from '../helpers/cerebro';

const WARMUP = 40;

function isCpu(a: Alert): boolean {
  return a.seriesKey.startsWith('cpu.util_pct') || a.seriesKey.startsWith('cpu.user_pct');
}

async function post<T>(con: RunningConsole, p: string, body: unknown, token = con.info.apiToken): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(p, con.info.apiUrl), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

test('a CPU burner raises an open alert on the host once its series are warm; ack, snooze, noise; restart keeps the warm-up', async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home, {}, ['--detector-warmup', String(WARMUP)]);
  const tokenFile = createTokenFile(home, home);
  const hostId = `it-alerts-${process.pid}`;
  const collector = await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), hostId, intervalMs: 250 });

  const warmStarted = Date.now();
  await waitForWarmSeries(con, collector, hostId, 'cpu.util_pct', 40_000);
  t.diagnostic(`cpu.util_pct warm after ${Date.now() - warmStarted} ms (${WARMUP} samples at 250 ms)`);
  const quiet = (await con.api('hostAlerts', hostId)).alerts.filter((a) => a.state === 'open' && isCpu(a));
  t.diagnostic(`open CPU alerts before the burner: ${quiet.length}`);

  // A burner cannot move a CPU that other work already saturates (test machines are shared and busy):
  // then the alert assertion is skipped, saying so, instead of failing on the machine's load.
  const before = await con.api('query', hostId, { key: 'cpu.util_pct', from: Date.now() - 10_000, to: Date.now() + 1000 });
  const beforeMean = before.kind === 'raw' && before.v.length > 0 ? before.v.reduce((a, b) => a + b, 0) / before.v.length : 0;
  const beforeMax = before.kind === 'raw' ? Math.max(...before.v) : 0;
  t.diagnostic(`cpu.util_pct before the burner: mean ${beforeMean.toFixed(1)} %, max ${beforeMax.toFixed(1)} %`);
  const burnStart = Date.now();
  // Bounded (60 s) so that a test process killed before its t.after runs leaves no burner behind.
  const burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 60000; while (Date.now() < end);'], { stdio: 'ignore' });
  t.after(() => {
    if (burner.exitCode === null) burner.kill('SIGKILL');
  });
  let alert: Alert | undefined;
  try {
    alert = await waitFor(
      'an open alert on the host CPU series',
      async () => {
        const v = await con.api('hostAlerts', hostId);
        return v.alerts.find((a) => a.state === 'open' && isCpu(a) && a.startMs >= burnStart - 1000 && !quiet.some((q) => q.id === a.id));
      },
      20_000,
      250,
    );
  } catch (e) {
    const during = await con.api('query', hostId, { key: 'cpu.util_pct', from: burnStart, to: Date.now() + 1000 });
    const v = during.kind === 'raw' ? during.v : [];
    const duringMean = v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : 0;
    const note = `cpu.util_pct with the burner: mean ${duringMean.toFixed(1)} % (before: mean ${beforeMean.toFixed(1)} %, max ${beforeMax.toFixed(1)} %); alerts: ${JSON.stringify((await con.api('hostAlerts', hostId)).alerts.map((a) => [a.seriesKey, a.state, a.peakScore]))}`;
    // The detector learns its range over the whole warm-up: a warm-up that already saw the CPU as busy as
    // the burner makes it (the previous test's processes winding down on this shared machine) leaves
    // nothing unusual to detect, which is the detector working, not failing.
    const warm = await con.api('query', hostId, { key: 'cpu.util_pct', from: warmStarted, to: burnStart });
    const warmValues = warm.kind === 'raw' ? warm.v : warm.max;
    const warmMax = warmValues.length > 0 ? Math.max(...warmValues) : 0;
    if (warmMax >= duringMean - 5) {
      t.skip(`the warm-up already saw cpu.util_pct at ${warmMax.toFixed(1)} % (the burner: mean ${duringMean.toFixed(1)} %), so it is no anomaly for this series; ${note}`);
    } else if (beforeMax < 90) throw new Error(`${(e as Error).message}; warm-up max ${warmMax.toFixed(1)} %; ${note}`);
    // The restart check below still runs; the alert part is reported as skipped.
    else t.skip(`the CPU was already saturated before the burner (${note}); nothing to detect on this machine now`);
  }
  burner.kill('SIGKILL');
  if (alert) await alertActions(t, con, alert, burnStart);

  // Restart: the detectors resume warm (states saved at stop, restored at start).
  assert.equal(await collector.proc.stop('SIGINT'), 0, collector.proc.tail());
  assert.equal(await con.proc.stop('SIGINT'), 0, con.proc.tail());
  const again = await startConsole(t, home, {}, ['--detector-warmup', String(WARMUP)]);
  const after = await again.api('hostAlerts', hostId);
  assert.ok(after.series > 0, 'the host series are scored again at once');
  assert.ok(!after.learning.includes('cpu.util_pct'), 'cpu.util_pct is not learning again after the restart');
  if (alert) {
    const id = alert.id;
    assert.ok(after.alerts.some((a) => a.id === id && a.noise), 'the alert document survived');
  }
  assert.equal(await again.proc.stop('SIGINT'), 0, again.proc.tail());
});

/** What an alert carries, and the operator actions on it over the API. */
async function alertActions(t: TestContext, con: RunningConsole, alert: Alert, burnStart: number): Promise<void> {
  t.diagnostic(`alert ${alert.severity} on ${alert.seriesKey} ${Date.now() - burnStart} ms after the burner started (peak ${alert.peakScore.toFixed(2)}, baseline ${alert.evidence.baseline.toFixed(1)})`);
  // An alert opens at a score ≥ enter (0.5) twice, or through the sustained rule: four scores ≥ 0.4 × enter.
  const sustained = DEFAULT_HYSTERESIS.sustainRatio * DEFAULT_HYSTERESIS.enter;
  assert.ok(alert.peakScore >= sustained && alert.peakScore <= 1, `peak ${alert.peakScore}: an open alert's peak lies in [${sustained}, 1]`);
  assert.ok(alert.evidence.points.length >= 2 && alert.evidence.points.length <= 20);
  assert.ok(alert.evidence.points.every(([, v]) => v > alert.evidence.baseline), 'the deviating points lie above the baseline');
  assert.ok((await con.api('alerts')).alerts.some((a) => a.id === alert.id), 'GET /alerts lists it');

  // Operator actions: token required; ack, snooze (hidden from the open list), noise (raises the threshold).
  assert.equal((await post(con, routePath('ackAlert', alert.id), {}, 'wrong')).status, 401);
  assert.equal((await post(con, routePath('ackAlert', 'no-such-alert'), {})).status, 404);
  const acked = await post<Alert>(con, routePath('ackAlert', alert.id), { by: 'it-test' });
  assert.equal(acked.status, 200);
  assert.equal(acked.body.ackBy, 'it-test');
  assert.equal((await post(con, routePath('snoozeAlert', alert.id), { minutes: 0 })).status, 400);
  const snoozed = await post<Alert>(con, routePath('snoozeAlert', alert.id), { minutes: 5 });
  assert.ok((snoozed.body.snoozedUntilMs ?? 0) > Date.now());
  assert.ok(!(await con.api('alerts')).alerts.some((a) => a.id === alert.id), 'a snoozed alert leaves the open list');
  assert.ok((await con.api('alerts', undefined, { all: 1 })).alerts.some((a) => a.id === alert.id), '?all=1 still lists it');
  const noise = await post<RouteResponses['noiseAlert']>(con, routePath('noiseAlert', alert.id), {});
  assert.equal(noise.body.alert.noise, true);
  assert.equal(noise.body.enterThreshold, 0.75);
  const again = await post<RouteResponses['noiseAlert']>(con, routePath('noiseAlert', alert.id), {});
  assert.equal(again.status, 200);
  assert.equal(again.body.enterThreshold, 0.75, 'marking it again does not lower the sensitivity a second time');
  // The mark taken back restores the sensitivity once; a second take-back changes nothing; a bad body is refused.
  const back = await post<RouteResponses['noiseAlert']>(con, routePath('noiseAlert', alert.id), { noise: false });
  assert.equal(back.body.alert.noise, false);
  assert.equal(back.body.enterThreshold, 0.5);
  assert.ok((back.body.alert.noiseMs ?? 0) >= (noise.body.alert.noiseMs ?? Infinity), 'noiseMs moves with each change');
  assert.equal((await post<RouteResponses['noiseAlert']>(con, routePath('noiseAlert', alert.id), { noise: false })).body.enterThreshold, 0.5);
  const bad = await post<{ error: { message: string } }>(con, routePath('noiseAlert', alert.id), { noise: 'yes' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /"noise" must be true .* or false/);
  // Marked again (the restart below checks that the mark survives).
  assert.equal((await post<RouteResponses['noiseAlert']>(con, routePath('noiseAlert', alert.id), { noise: true })).body.enterThreshold, 0.75);
}
