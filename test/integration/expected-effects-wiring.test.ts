/**
 * The console's wiring of its own runs into correlation (RemediationEngine.onChange →
 * ExpectedEffects.observeRun, with the pid → name lookup in the registry's process table), through a real
 * console core (alert store, incident service, engine, policy file, registry, ingest) and a simulated
 * collector on its real ingest link (test/helpers/log-collector.ts): it says hello, sends a process table,
 * and never answers commands, so a run stays in flight until the link closes. Alerts are applied to the
 * real alert store directly: which alert the detectors raise is not under test here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { AlertEvent } from '../../apps/desktop/src/core/alerts/scorer';
import { ConsoleCore } from '../../apps/desktop/src/core/console';
import { createTokenFile, waitFor } from '../helpers/cerebro';
import { LogCollector } from '../helpers/log-collector';

test("the console's own run: its target's exit folds into the run's incident while it acts (a refresh raises nothing); once it ended without reaching the host, an exit is listed", async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-console-fx-'));
  fs.writeFileSync(path.join(home, 'remediation-policy.json'), JSON.stringify({ defaultLevel: 'one-click', requireDryRun: false }));
  // The incident service's own timer is off: no ranking or host checks race the assertions.
  const core = await ConsoleCore.start({ home, log: () => undefined, ingest: { port: 0, plaintext: true }, api: { port: 0 }, maintenanceMs: 60_000, incidents: { timer: false } });
  const hostId = `fx-${process.pid}`;
  const collector = new LogCollector(hostId, fs.readFileSync(createTokenFile(home, home), 'utf8').trim());
  t.after(async () => {
    collector.close();
    await core.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });
  const remediation = core.remediation;
  assert.ok(remediation, 'remediation is on');
  await collector.connect(core.info.ingestUrl);
  const hogStartMs = Date.now() - 600_000;
  await collector.send(1, [], 10_000, { procs: [{ pid: 4242, ppid: 1, name: 'burn', cmd: 'burn', user: 'app', state: 'R', cpuPct: 99, rssBytes: 1e6, threads: 1, fds: 3, startMs: hogStartMs }] });

  const event = (alertId: string, seriesKey: string, startMs: number, peakScore: number): AlertEvent => ({ type: 'open', hostId, seriesKey, alertId, tsMs: startMs, startMs, peakScore, lastScore: peakScore, baseline: 10, points: [[startMs, 99]] });
  const openIncidents = async (): Promise<Awaited<ReturnType<typeof core.incidents.list>>> => {
    await core.alerts.settle();
    return core.incidents.list(false);
  };

  core.alerts.apply(event('fault', 'cpu.util_pct', Date.now() - 20_000, 0.6));
  const [opened, ...others] = await openIncidents();
  assert.ok(opened, 'the fault opened an incident');
  assert.deepEqual(others, []);

  // The run names the hog by pid only: the wiring finds its name in the process table the host sent. The
  // command goes out on the link and is never answered: the run is in flight.
  const started = remediation.engine.execute({ runbookId: 'cpu-hog-stop', hostId, params: { pid: 4242, startMs: hogStartMs }, actor: { type: 'operator', name: 'alice' }, incidentId: opened.id });
  assert.equal(started.run.state, 'running', started.run.summary);

  // The hog's exit while the run acts: the remedy working. Another process's exit at the same moment joins
  // the incident as any related alert does (listed), which is what the effect would do unwired.
  const at = Date.now();
  core.alerts.apply(event('effect', 'event.proc_exit{name=burn,pid=4242}', at, 0.6));
  core.alerts.apply(event('other', 'event.proc_exit{name=ledger,pid=77}', at, 0.6));
  let [inc, ...more] = await openIncidents();
  assert.deepEqual(more, [], 'the effect opened no incident of its own');
  assert.equal(inc?.id, opened.id);
  assert.deepEqual(inc?.alerts.map((r) => r.id), ['fault', 'other'], 'the effect is not listed');
  assert.deepEqual(inc?.suppressed, { count: 1, alertIds: ['effect'] });
  assert.equal(inc?.severity, 'warning');

  // The folded effect refreshed with a critical score (the store's update path): the incident stays as it was.
  core.alerts.apply(event('effect', 'event.proc_exit{name=burn,pid=4242}', at, 0.95));
  [inc, ...more] = await openIncidents();
  assert.equal((await core.alerts.get('effect'))?.severity, 'critical', 'the alert itself did become critical');
  assert.deepEqual(more, []);
  assert.equal(inc?.severity, 'warning', "the remedy working does not raise the incident's severity");
  assert.deepEqual(inc?.suppressed, { count: 1, alertIds: ['effect'] }, 'a refresh is not counted again');
  // A listed alert's refresh still does (the control: the path above is not simply inert).
  core.alerts.apply(event('other', 'event.proc_exit{name=ledger,pid=77}', at, 0.95));
  [inc] = await openIncidents();
  assert.equal(inc?.severity, 'critical');

  // The link drops before the host answered: the run ends NOT_CONNECTED, as if nothing ran. Its effects are
  // no longer expected, so a later exit of the same process is shown, not hidden behind a run that never acted.
  collector.close();
  const ended = await started.done;
  assert.equal(ended.state, 'failed');
  assert.equal(ended.steps[0]?.status, 'NOT_CONNECTED', ended.summary);
  core.alerts.apply(event('again', 'event.proc_exit{name=burn,pid=4242}', Date.now(), 0.6));
  const listed = await waitFor('the later exit listed', async () => (await openIncidents()).find((i) => i.alerts.some((r) => r.id === 'again')) ?? null, 5_000, 100);
  assert.deepEqual(listed.suppressed, { count: 1, alertIds: ['effect'] });
});
