/**
 * The console UI in a real browser (Debian's Chromium) against a real console and a real collector:
 * the fleet shows this host live, its charts move, its process table finds a process we started, an
 * empty console explains how to start a collector, and the page talks to nothing but loopback.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
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

  // A process with a distinctive argument, for the process table to find. It rewrites 2 MiB of a file each
  // half second and syncs it, so its disk writes show in the table: in test/artifacts, on the repository's
  // disk (a tmpfs /tmp is never written back, so its writes would count nothing).
  const marker = `cerebro-e2e-marker-${process.pid}`;
  // With `node -e`, process.argv[1] is the first argument after the script.
  const writes = `const fs = require('fs'); const b = Buffer.alloc(2 << 20, 1); const f = process.argv[1]; setInterval(() => { fs.writeFileSync(f, b); const fd = fs.openSync(f, 'r'); fs.fsyncSync(fd); fs.closeSync(fd); }, 500);`;
  const diskDir = fs.mkdtempSync(path.join(ROOT, 'test/artifacts/marker-'));
  const sleeper = spawn(process.execPath, ['-e', writes, path.join(diskDir, 'marker.bin'), marker], { stdio: 'ignore' });
  // One hook, in this order: the writer must be gone before its folder is removed. Removed first, the
  // folder raced the next write (ENOTEMPTY), and the hook's error skipped the kill: the writer then kept
  // the test process alive until CI's time ran out.
  t.after(async () => {
    if (sleeper.exitCode === null && sleeper.signalCode === null) {
      const exited = new Promise((resolve) => sleeper.once('exit', resolve));
      sleeper.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(diskDir, { recursive: true, force: true });
  });

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
    // Its disk writes, from the collector's /proc/<pid>/io (the Disk write column, after Disk read).
    const rowOf = page.locator('[data-testid="process-table"] tbody tr', { hasText: marker });
    const written = await waitFor('the marked process\'s disk writes', async () => {
      const text = await rowOf.locator('td').nth(6).innerText();
      return /^[1-9][\d.]* (KiB|MiB)\/s$/.test(text) ? text : null;
    }, 15_000, 250);
    assert.ok(written.length > 0);
    await screenshot(page, 'host-processes');
  });

  await t.test('dragging across a chart zooms every chart to that window and queries it; Escape and double-click reset', async () => {
    const cpu = page.locator('[data-testid="chart-cpu"]');
    const mem = page.locator('[data-testid="chart-mem"]');
    const chip = page.getByTestId('zoom-chip');
    const live = { from: Number(await cpu.getAttribute('data-from-ms')), to: Number(await cpu.getAttribute('data-to-ms')) };
    const box = await cpu.getByTestId('chart-brush').boundingBox();
    assert.ok(box, 'the brush overlay is laid over the chart');
    // The plot starts 64 px in and ends 10 px before the edge (charts/scale.ts); the collector started
    // seconds ago, so its samples are at the right end: the drag ends past the plot, which the brush
    // clamps to the newest sample.
    const plotX = (f: number): number => box.x + 64 + f * (box.width - 74);
    await waitFor('a few CPU samples', async () => Number(await cpu.getAttribute('data-points')) >= 4, 10_000, 200);
    const drag = async (): Promise<void> => {
      await page.mouse.move(plotX(0.94), box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(plotX(1) + 5, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
    };
    const sent = requests.length;
    await drag();
    await chip.waitFor({ timeout: 5_000 });
    const zoom = { from: Number(await chip.getAttribute('data-from-ms')), to: Number(await chip.getAttribute('data-to-ms')) };
    assert.ok(zoom.to - zoom.from < (live.to - live.from) / 10, `a narrow window: ${JSON.stringify(zoom)} of ${JSON.stringify(live)}`);
    assert.ok(zoom.from >= live.from && zoom.to <= live.to + 5_000, 'inside the range that was shown');
    assert.match(await chip.innerText(), /^zoomed: \d\d:\d\d:\d\d–\d\d:\d\d:\d\d · Reset$/);
    assert.equal(await page.locator('[aria-label="Time range"] [aria-pressed="true"]').count(), 0, 'no live range is picked');
    for (const chart of [cpu, mem]) {
      assert.equal(Number(await chart.getAttribute('data-from-ms')), zoom.from);
      assert.equal(Number(await chart.getAttribute('data-to-ms')), zoom.to);
    }
    // The window was queried on its own, with its bounds, not cut out of the overview.
    await waitFor('a query for the zoomed window', async () =>
      requests.slice(sent).some((u) => {
        const q = new URL(u);
        return q.pathname.endsWith('/query') && q.searchParams.get('key') === 'cpu.util_pct' && q.searchParams.get('from') === String(zoom.from) && q.searchParams.get('to') === String(zoom.to);
      }), 5_000, 100);
    await waitFor('the zoomed CPU line drawn', async () => Number(await cpu.getAttribute('data-points')) > 0, 5_000, 100);
    await screenshot(page, 'host-zoomed');
    // A fixed window: new samples do not slide it.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(Number(await cpu.getAttribute('data-to-ms')), zoom.to);

    await page.keyboard.press('Escape');
    await chip.waitFor({ state: 'detached', timeout: 5_000 });
    await waitFor('the live range again', async () => Number(await cpu.getAttribute('data-to-ms')) > zoom.to + 1_000 && Number(await cpu.getAttribute('data-points')) > 0, 10_000, 200);
    assert.equal(await page.locator('[aria-label="Time range"] [data-range="15m"]').getAttribute('aria-pressed'), 'true');

    const liveBox = await cpu.getByTestId('chart-brush').boundingBox();
    assert.ok(liveBox);
    await drag();
    await chip.waitFor({ timeout: 5_000 });
    await page.mouse.dblclick(liveBox.x + liveBox.width / 2, liveBox.y + liveBox.height / 2);
    await chip.waitFor({ state: 'detached', timeout: 5_000 });
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
  // The console's own heap, from its /stats, against its limit.
  const health = page.getByTestId('console-health');
  await waitFor("the console's heap in the status bar", async () => (await health.count()) > 0 && /^Console \d[\d.]* [KMG]?i?B of \d[\d.]* GiB/.test(await health.innerText()), 10_000);
  assert.equal(await health.getAttribute('data-strained'), 'false', 'an idle console is not strained');
  await screenshot(page, 'fleet-empty');
  assert.deepEqual(requests.filter((u) => !isLoopbackUrl(u)), []);
});
