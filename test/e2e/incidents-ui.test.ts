/**
 * The incidents view in a real browser (Debian's Chromium) against a real console and a real collector: a
 * CPU-burning process (a node binary linked as `cerebro-burn`, listening on a loopback port so that the
 * topology draws it) opens an incident; the view lists it live (the page never reloads), its detail shows
 * the alerts' timeline in onset order and the top cause naming the burner, the palette lists it, and "Show
 * in topology" opens the topology with the burner's host and process highlighted.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routePath, type ActionRun, type ForecastsView, type Incident, type RouteRequests } from '@cerebro/shared/api/contract';
import { ROOT, createTokenFile, startCollector, startConsole, tempDir, waitFor, waitForWarmSeries } from '../helpers/cerebro';
import { browserSkipReason, launchBrowser, rendererBuilt, screenshot } from '../helpers/browser';
import { LogCollector } from '../helpers/log-collector';
import '../helpers/page-globals';

const skip = browserSkipReason() ?? false;
/** Samples before a series may alert (`--detector-warmup`, a test aid; the default is 300). */
const WARMUP = 40;
const BURNER_NAME = 'cerebro-burn';
/** Listens (so its socket table entry makes it a topology node), then burns one core; bounded by itself. */
const BURNER_JS = "require('net').createServer().listen(0, '127.0.0.1', () => { const end = Date.now() + 90000; while (Date.now() < end); });";

function ensureRenderer(): void {
  if (rendererBuilt()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

test('an incident appears live in the incidents view with its timeline and top cause, and is highlighted in the topology', { skip, timeout: 200_000 }, async (t) => {
  ensureRenderer();
  const home = tempDir(t);
  const con = await startConsole(t, home, {}, ['--detector-warmup', String(WARMUP)]);
  const hostId = `e2e-incidents-${process.pid}`;
  const collector = await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile: createTokenFile(home, home), stateDir: path.join(home, 'collector'), hostId, intervalMs: 250 });
  const { page } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  await page.locator(`[data-testid="fleet-row"][data-host-id="${hostId}"]`).waitFor({ timeout: 30_000 });
  // The top bar's count leads to the view (no incident yet: it says so).
  await page.getByTestId('open-incidents').click();
  await page.getByTestId('incidents-none').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('open-incidents').getAttribute('data-count'), '0');

  await waitForWarmSeries(con, collector, hostId, 'cpu.util_pct', 45_000);
  // Process-table snapshots from before the burner (its baseline), older than the ranker's 10 s lead.
  await new Promise((r) => setTimeout(r, 12_000));
  const before = await con.api('query', hostId, { key: 'cpu.util_pct', from: Date.now() - 10_000, to: Date.now() + 1000 });
  const beforeMax = before.kind === 'raw' && before.v.length > 0 ? Math.max(...before.v) : 0;

  const bin = path.join(home, BURNER_NAME);
  fs.symlinkSync(process.execPath, bin);
  const burnStart = Date.now();
  const burner = spawn(bin, ['-e', BURNER_JS], { stdio: 'ignore' });
  t.after(() => void (burner.exitCode === null && burner.kill('SIGKILL')));
  let saturated: string | null = null;
  try {
    // The list, fed by the live topic: a row whose title (from the top cause) names the burner.
    let row = page.locator('[data-testid="incident-row"][data-state="open"]', { hasText: BURNER_NAME }).first();
    try {
      await row.waitFor({ timeout: 60_000 });
    } catch (e) {
      const open = (await con.api('incidents', undefined, { state: 'all' })).incidents;
      const note = `cpu.util_pct max before the burner ${beforeMax.toFixed(1)} %; incidents: ${JSON.stringify(open.map((i) => ({ title: i.title, causes: i.causes.map((c) => `${c.kind} ${c.name} ${c.score}`) })))}`;
      // What the detector was given: the series from before the warm-up's end to now (a busy warm-up hid a burning core once).
      const q = await con.api('query', hostId, { key: 'cpu.util_pct', from: burnStart - 25_000, to: Date.now() });
      const seen = q.kind === 'raw' ? q.v.map((x) => Math.round(x)).join(' ') : '(bucketed)';
      // This host is the test machine: other tests' bursts are its processes too. An incident they opened
      // before the burner (seen once: a 100 % minute 15–25 s before it, under a parallel `npm test`) takes the
      // burner's alerts, named after its own earlier ones, and ranks the burst's process first.
      const earlier = open.find((i) => i.state === 'open' && i.openedMs < burnStart);
      if (beforeMax < 90 && earlier === undefined) throw new Error(`${(e as Error).message}; ${note}; cpu.util_pct from 25 s before the burner: ${seen}`);
      // A saturated or busy machine: whatever incident opened still exercises the view.
      saturated =
        beforeMax >= 90
          ? `the CPU was already saturated before the burner (${note}): the burner-specific checks cannot run on this machine now`
          : `an incident of this machine's other load, "${earlier?.title}", opened ${burnStart - (earlier?.openedMs ?? burnStart)} ms before the burner and took its alerts (${note}; cpu.util_pct from 25 s before the burner: ${seen}): the burner-specific checks cannot run on this machine now`;
      row = page.locator('[data-testid="incident-row"]').first();
      if ((await row.count()) === 0) {
        t.skip(saturated);
        return;
      }
    }
    const incidentId = (await row.getAttribute('data-incident-id')) as string;
    t.diagnostic(`incident ${incidentId} listed ${Date.now() - burnStart} ms after the burner started`);
    const incident: Incident = await con.api('incident', incidentId);
    if (incident.state === 'open') assert.ok(Number(await page.getByTestId('open-incidents').getAttribute('data-count')) >= 1, 'the top bar counts it');

    // The detail: the timeline in onset order and the ranked causes, the burner first.
    await row.click();
    const detail = page.getByTestId('incident-detail');
    await waitFor('the incident in the detail pane', async () => (await detail.getAttribute('data-incident-id')) === incidentId, 10_000, 100);
    assert.ok(page.url().endsWith(`#/incidents/${encodeURIComponent(incidentId)}`));
    const bars = detail.getByTestId('timeline-bar');
    await waitFor('timeline bars', async () => (await bars.count()) >= 1, 10_000, 100);
    const order = await bars.evaluateAll((els) => els.map((e) => ({ order: Number(e.getAttribute('data-order')), start: Number(e.getAttribute('data-start-ms')), id: e.getAttribute('data-alert-id') })));
    assert.deepEqual(
      order.map((b) => b.order),
      order.map((_, i) => i + 1),
      'numbered in onset order',
    );
    assert.ok(order.every((b, i) => i === 0 || b.start >= (order[i - 1]?.start ?? 0)), 'onsets never go back in time');
    assert.ok(order.every((b) => incident.alerts.some((a) => a.id === b.id)), 'the bars are the incident alerts');
    const alertHost = incident.alerts[0]?.hostId ?? hostId;
    assert.equal(await detail.getByTestId('incident-alert-link').first().getAttribute('href'), `#/host/${encodeURIComponent(alertHost)}`);
    const top = detail.locator('[data-testid="cause"][data-rank="1"]');
    if (!saturated) {
      assert.equal(await top.getAttribute('data-name'), BURNER_NAME);
      // The explanation shown is the ranker's sentence for the burner (which metric it cites is the ranker's
      // business, tested in causes.test.ts and incidents.test.ts): the view must show that sentence.
      const current = await con.api('incident', incidentId);
      const topCause = current.causes[0];
      assert.ok(topCause && topCause.name === BURNER_NAME, JSON.stringify(current.causes));
      assert.match(await top.getByTestId('cause-explanation').innerText(), new RegExp(`^(process|service) ${BURNER_NAME} \\(pid ${burner.pid}\\) on .+: proc\\.\\w+ rose from`));
      await waitFor('the explanation the API gives', async () => (await top.getByTestId('cause-explanation').innerText()) === (await con.api('incident', incidentId)).causes[0]?.explanation, 10_000, 200);
      assert.match(await page.getByTestId('incident-detail-title').innerText(), new RegExp(`(process|service) ${BURNER_NAME} \\(pid ${burner.pid}\\)`));
    } else if (incident.causes[0]) {
      assert.equal(await top.getAttribute('data-name'), incident.causes[0].name);
      assert.equal(await top.getByTestId('cause-explanation').innerText(), incident.causes[0].explanation);
    }
    await screenshot(page, 'incidents');
    // A terminal on the ranked cause's host is one click away (issue 7).
    const causeHost = (await con.api('incident', incidentId)).causes[0]?.hostId;
    if (causeHost !== undefined) assert.equal(await top.getByTestId('cause-terminal').getAttribute('href'), `#/terminal?${new URLSearchParams({ host: causeHost }).toString()}`);

    // The palette lists an open incident.
    if (incident.state === 'open') {
      await page.keyboard.press('Control+K');
      await page.getByTestId('command-palette').waitFor({ timeout: 5_000 });
      await page.keyboard.type(saturated ? 'incident' : BURNER_NAME);
      await page.locator(`[id="palette-incident:${incidentId}"]`).waitFor({ timeout: 5_000 });
      await page.keyboard.press('Escape');
    }

    // Show in topology: the host and (once its socket table has arrived) the burner's process are highlighted.
    await page.getByTestId('show-in-topology').click();
    await page.getByTestId('topology-highlight-note').waitFor({ timeout: 10_000 });
    assert.ok(page.url().includes(`#/topology?incident=${encodeURIComponent(incidentId)}`));
    const highlighted = (): Promise<readonly string[]> => page.evaluate(() => window.__cerebroTopology?.highlighted ?? []);
    const wanted = saturated ? [`host:${alertHost}`] : [`host:${hostId}`, `proc:${hostId}:${burner.pid}`];
    await waitFor(
      `${wanted.join(' and ')} highlighted`,
      async () => {
        const h = await highlighted();
        return wanted.every((id) => h.includes(id));
      },
      30_000,
      250,
    );
    assert.ok(Number(await page.getByTestId('topology-canvas').getAttribute('data-highlighted')) >= wanted.length);
    const all = await page.evaluate(() => window.__cerebroTopology?.nodes.length ?? 0);
    assert.ok((await highlighted()).length < all, 'only part of the graph is highlighted');
    await waitFor('the layout settled', async () => (await page.getByTestId('topology-canvas').getAttribute('data-settled')) === 'true', 20_000, 200);
    await screenshot(page, 'incidents-topology');
  } finally {
    burner.kill('SIGKILL');
  }
  if (saturated) t.skip(saturated);
});

test('forecast badges: a host whose resource fills within its horizon has a badge in the fleet, and its host view lists every forecast', { skip, timeout: 90_000 }, async (t) => {
  ensureRenderer();
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const hostId = `e2e-forecasts-${process.pid}`;
  await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile: createTokenFile(home, home), stateDir: path.join(home, 'collector'), hostId, intervalMs: 500 });
  const { page } = await launchBrowser(t);
  // A real forecast needs tens of minutes of a filling resource: the console's answer is replaced by one
  // for this host (the rest, fleet and host documents, is the real console's).
  const nowMs = Date.now();
  const base = { hostId, atMs: nowMs, slopePerSec: 1e6, confident: true, alertId: null };
  const view: ForecastsView = {
    forecasts: [
      { ...base, resource: 'filesystem', name: '/data', seriesKey: 'fs.used_bytes{mount=/data}', used: 9e9, capacity: 10e9, etaMs: 5 * 3_600_000, etaLowerBoundMs: 3 * 3_600_000, horizonMs: 24 * 3_600_000 },
      { ...base, resource: 'memory', name: 'memory', seriesKey: 'mem.used_bytes', used: 2e9, capacity: 8e9, etaMs: 30 * 3_600_000, etaLowerBoundMs: 20 * 3_600_000, horizonMs: 3_600_000 },
      { ...base, resource: 'swap', name: 'swap', seriesKey: 'swap.used_bytes', used: 0, capacity: 1e9, slopePerSec: 0, etaMs: null, etaLowerBoundMs: null, horizonMs: 3_600_000 },
    ],
    evaluatedMs: nowMs,
    everyMs: 60_000,
  };
  const asked: string[] = [];
  await page.route('**/api/v1/forecasts*', async (route) => {
    asked.push(route.request().url());
    await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(view) });
  });
  await page.goto(con.info.uiUrl);
  const row = page.locator(`[data-testid="fleet-row"][data-host-id="${hostId}"]`);
  const badge = row.getByTestId('forecast-badge');
  await badge.waitFor({ timeout: 30_000 });
  // Only the filesystem is at risk: memory's lower bound (20 h) is beyond its 1 h horizon, swap is not filling.
  assert.equal(await badge.getAttribute('data-count'), '1');
  assert.equal(await badge.getAttribute('data-resource'), 'filesystem');
  assert.match(await badge.innerText(), /3 h/);
  assert.match((await badge.getAttribute('title')) ?? '', /^filesystem \/data full in 3 h at the earliest \(estimate 5 h; alerts under 24 h\)$/);
  await screenshot(page, 'forecasts-fleet');

  await row.click();
  const panel = page.getByTestId('forecasts-panel');
  await panel.getByTestId('forecast-row').first().waitFor({ timeout: 15_000 });
  const rows = await panel.getByTestId('forecast-row').evaluateAll((els) => els.map((e) => [e.getAttribute('data-resource'), e.getAttribute('data-at-risk'), (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()]));
  assert.deepEqual(
    rows.map((r) => [r[0], r[1]]),
    [
      ['filesystem', 'true'],
      ['memory', 'false'],
      ['swap', 'false'],
    ],
  );
  assert.match(rows[0]?.[2] ?? '', /filesystem \/data .* 5 h 3 h 24 h/);
  assert.match(rows[2]?.[2] ?? '', /swap .* not filling/);
  assert.ok(asked.some((u) => new URL(u).searchParams.get('host') === hostId), 'the host view asks for its own forecasts');
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'forecasts-host');
});

test("the drawer says how many alerts were folded in, such as the console's own run's effects, which the incident does not list", { skip, timeout: 120_000 }, async (t) => {
  ensureRenderer();
  const home = tempDir(t);
  // An operator's run starts at once (no approval, no dry run asked first) so that it is in flight below.
  fs.writeFileSync(path.join(home, 'remediation-policy.json'), JSON.stringify({ defaultLevel: 'one-click', requireDryRun: false }));
  const con = await startConsole(t, home, {}, ['--log-learning-minutes', '0']);
  const hostId = `e2e-folded-${process.pid}`;
  const collector = new LogCollector(hostId, fs.readFileSync(createTokenFile(home, home), 'utf8').trim());
  t.after(() => collector.close());
  await collector.connect(con.info.ingestUrl);
  const t0 = Date.now();
  await collector.send(1, [{ ts: t0 - 2000, src: 'journal', level: 'info', msg: 'payments served order 17 in 12 ms' }]);
  await collector.send(2, [{ ts: t0 - 1000, src: 'journal', level: 'error', msg: 'payments: connection to postgres refused (pool exhausted, 64 of 64 in use)', unit: 'payments', pid: 812 }]);
  const opened = await waitFor('an incident with the error line', async () => (await con.api('incidents')).incidents.find((i) => i.alerts.some((a) => a.hostId === hostId)), 20_000, 250);

  // The operator restarts the service from the incident. This simulated collector never answers the
  // command, so the run stays in flight; its supervisor's line about the stop is what such a run sets off.
  const body: RouteRequests['runbookExecute'] = { hostId, params: { service: 'payments', process: 'payments' }, incidentId: opened.id, operator: 'e2e' };
  const res = await fetch(new URL(routePath('runbookExecute', 'two-tier-restart-server'), con.info.apiUrl), { method: 'POST', headers: { authorization: `Bearer ${con.info.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const run = (await res.json()) as ActionRun;
  assert.equal(run.state, 'running', run.summary);
  await collector.send(3, [{ ts: Date.now(), src: 'file:/var/log/supervisor/supervisord.log', level: 'warn', msg: 'WARN stopped: payments (terminated by SIGTERM)', unit: 'supervisord', pid: 99 }]);
  const folded = await waitFor('the supervisor line folded into the incident', async () => {
    const i: Incident = await con.api('incident', opened.id);
    return i.suppressed.count > 0 ? i : null;
  }, 20_000, 250);
  const supervisorAlert = (await con.api('hostAlerts', hostId)).alerts.find((a) => a.evidence.log?.samples.some((s) => s.unit === 'supervisord'));
  assert.ok(supervisorAlert, 'the supervisor line raised an alert');
  assert.ok(folded.suppressed.alertIds.includes(supervisorAlert.id), 'counted in the run\'s incident');
  assert.ok(!folded.alerts.some((a) => a.id === supervisorAlert.id), 'not listed');
  assert.equal((await con.api('incidents')).incidents.filter((i) => i.hostIds.includes(hostId)).length, 1, 'no incident of its own');

  const { page } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  await page.evaluate((id) => (window.location.hash = `#/incidents/${encodeURIComponent(id)}`), opened.id);
  const line = page.getByTestId('incident-detail').getByTestId('incident-folded');
  await line.waitFor({ timeout: 15_000 });
  const count = folded.suppressed.count;
  assert.equal(await line.getAttribute('data-count'), String(count));
  assert.match(await line.innerText(), new RegExp(`^Folded in\\s+${count} related alerts? folded in, not listed: effects of the console's own remediation runs \\(`));
  await line.scrollIntoViewIfNeeded();
  await screenshot(page, 'incident-folded');
});
