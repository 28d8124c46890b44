/**
 * The notifications view in a real browser against a real console: an incident (from a simulated
 * collector's never-seen error line) is delivered to a real local webhook and fails on a channel whose
 * port nothing listens on; the view lists both outcomes (the failure with its retry), and "Send a test"
 * reaches the webhook and shows up as a row.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, createTokenFile, freePort, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import { browserSkipReason, isLoopbackUrl, launchBrowser, rendererBuilt, screenshot } from '../helpers/browser';
import { LogCollector } from '../helpers/log-collector';

const skip = browserSkipReason() ?? false;
const HOST = 'e2e-notify-host';

function ensureRenderer(): void {
  if (rendererBuilt()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

test('the notifications view shows each delivery and its outcome, and sends a test message', { skip, timeout: 120_000 }, async (t) => {
  ensureRenderer();
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      calls.push((JSON.parse(b) as { text: string }).text);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ops`;
  const dead = `http://127.0.0.1:${await freePort()}/nobody`;
  const home = tempDir(t);
  fs.writeFileSync(
    path.join(home, 'notifications.json'),
    JSON.stringify({ events: { resolved: false, waitForCausesMs: 1000 }, channels: [{ id: 'ops', type: 'webhook', url }, { id: 'pager', type: 'webhook', url: dead, timeoutMs: 1000 }], routes: [{ minSeverity: 'warning', channels: ['ops', 'pager'] }] }),
  );
  const con = await startConsole(t, home, {}, ['--log-learning-minutes', '0']);
  const collector = new LogCollector(HOST, fs.readFileSync(createTokenFile(home, home), 'utf8').trim());
  t.after(() => collector.close());
  await collector.connect(con.info.ingestUrl);
  const now = Date.now();
  await collector.send(1, [{ ts: now - 2000, src: 'journal', level: 'info', msg: 'ledger started' }]);
  await collector.send(2, [{ ts: now - 1000, src: 'journal', level: 'error', msg: 'ledger: cannot open journal /var/lib/ledger/j.dat: read-only file system' }]);
  await waitFor('the webhook call', () => calls.length > 0, 30_000, 100);
  await waitFor('a failed delivery to pager', async () => (await con.api('notifications')).records.some((r) => r.channelId === 'pager' && r.status === 'failed'), 30_000, 250);

  const { page, requests } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  await page.evaluate(() => (window.location.hash = '#/notifications'));
  await page.getByTestId('notifications-view').waitFor({ timeout: 15_000 });
  const rows = page.getByTestId('notification-row');
  await waitFor('a sent and a failed row', async () => (await page.locator('[data-testid="notification-row"][data-status="sent"]').count()) >= 1 && (await page.locator('[data-testid="notification-row"][data-status="failed"]').count()) >= 1, 15_000, 250);
  const failed = await page.locator('[data-testid="notification-row"][data-status="failed"]').first().innerText();
  assert.match(failed, /pager \(webhook\)/);
  assert.match(failed, /failed: .*retry in \d+ s/, 'the failure says why and when it is retried');
  const before = await rows.count();
  await page.getByTestId('notify-test-ops').click();
  await waitFor('the test message at the webhook', () => calls.some((c) => /test/i.test(c)), 15_000, 100);
  await page.getByText('test sent').waitFor({ timeout: 10_000 });
  await waitFor('the test row', async () => (await rows.count()) > before && (await page.getByText('Test message').count()) >= 1, 10_000, 250);
  await screenshot(page, 'notifications');
  assert.deepEqual(requests.filter((u) => !isLoopbackUrl(u)), []);
});
