/**
 * The console UI in a real browser (Debian's Chromium) against a real console and a real collector:
 * the fleet shows this host live, its charts move, its process table finds a process we started, an
 * empty console explains how to start a collector, and the page talks to nothing but loopback.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, createTokenFile, localHostId, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import { browserSkipReason, isLoopbackUrl, launchBrowser, rendererBuilt, screenshot } from '../helpers/browser';

const skip = browserSkipReason() ?? false;

function ensureRenderer(): void {
  if (rendererBuilt()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

test('the console UI shows a live host, its charts and processes, and stays on loopback', { skip, timeout: 120_000 }, async (t) => {
  ensureRenderer();
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const tokenFile = createTokenFile(home, home);
  await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), intervalMs: 500 });
  const hostId = localHostId();
  await waitFor('the host in the API', async () => (await con.api('hosts')).some((h) => h.id === hostId), 15_000);

  // A process with a distinctive argument, for the process table to find.
  const marker = `cerebro-e2e-marker-${process.pid}`;
  const sleeper = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)', marker], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));

  const { page, requests } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);

  await t.test('the fleet lists this host as live, with figures', async () => {
    const row = page.locator(`[data-testid="fleet-row"][data-host-id="${hostId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await waitFor('status live', async () => (await row.getAttribute('data-status')) === 'live', 10_000);
    // The CPU figure is a percentage once the first fleet fetch had samples.
    await waitFor('a CPU figure', async () => /\d+(\.\d)? %/.test(await row.innerText()), 15_000, 250);
    assert.ok(!page.url().includes('token='), 'the token was removed from the address bar');
    await screenshot(page, 'fleet');
  });

  await t.test("the host view's charts update live", async () => {
    await page.locator(`[data-testid="fleet-row"][data-host-id="${hostId}"]`).click();
    const chart = page.locator('[data-testid="chart-cpu"]');
    await chart.waitFor({ timeout: 15_000 });
    const first = await waitFor('a drawn CPU line', async () => {
      const ts = Number(await chart.getAttribute('data-last-ts'));
      const pts = Number(await chart.getAttribute('data-points'));
      return ts > 0 && pts > 0 ? { ts, pts } : null;
    }, 10_000, 200);
    const later = await waitFor('a newer sample on the CPU chart', async () => {
      const ts = Number(await chart.getAttribute('data-last-ts'));
      return ts > first.ts ? ts : null;
    }, 8_000, 200);
    assert.ok(later > first.ts);
    await screenshot(page, 'host');
  });

  await t.test('the process table finds the process we started', async () => {
    await page.getByLabel('Search processes').fill(marker);
    const cell = page.locator('[data-testid="process-table"] td.cmd', { hasText: marker });
    await cell.first().waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('[data-testid="process-table"] tbody tr').count(), 1, 'only the marked process matches');
    await screenshot(page, 'host-processes');
  });

  await t.test('the page made no request beyond loopback', async () => {
    assert.ok(requests.length > 0, 'requests were recorded');
    const outside = requests.filter((u) => !isLoopbackUrl(u));
    assert.deepEqual(outside, [], `requests to non-loopback addresses: ${outside.join(', ')}`);
  });
});

test('an empty console tells how to start a first collector', { skip, timeout: 60_000 }, async (t) => {
  ensureRenderer();
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const { page, requests } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  const empty = page.getByTestId('empty-fleet');
  await empty.waitFor({ timeout: 15_000 });
  const text = await empty.innerText();
  assert.match(text, /npx --no cerebro-console token create/);
  // The real ingest address of this console (a random port here), not the default 7070.
  await waitFor('the ingest URL from the console', async () => (await empty.innerText()).includes(con.info.ingestUrl), 10_000);
  assert.ok((await empty.innerText()).includes(`npx --no cerebro-collector run --console ${con.info.ingestUrl} --token-file collector.token`));
  await waitFor('the status bar connected', async () => (await page.getByTestId('statusbar').innerText()).includes('Connected'), 10_000);
  await screenshot(page, 'fleet-empty');
  assert.deepEqual(requests.filter((u) => !isLoopbackUrl(u)), []);
});
