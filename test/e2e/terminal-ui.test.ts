/**
 * A terminal in a real browser (Debian's Chromium) against a real TLS console and a real enrolled
 * collector: the host view's "Terminal" button opens a shell on the host, a typed command's output shows
 * in xterm, the session is listed with who opened it, and its recording replays in time: paused in an
 * idle gap it shows the same screen as the live session had then, and it plays on at another speed to the
 * end. Screenshots: test/artifacts/terminal.png, terminal-replay.png.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { Proc, ROOT, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import { browserSkipReason, launchBrowser, rendererBuilt, screenshot } from '../helpers/browser';

const skip = browserSkipReason() ?? false;
const CONSOLE_BIN = path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs');
const COLLECTOR_BIN = path.join(ROOT, 'apps/collector/bin/cerebro-collector.mjs');

function ensureRenderer(): void {
  if (rendererBuilt()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

test('the host view opens a terminal on the host; a command runs and the session replays', { skip, timeout: 180_000 }, async (t) => {
  ensureRenderer();
  const home = tempDir(t, 'cerebro-terminal-e2e-');
  const con = await startConsole(t, home, { tls: true });
  const hostId = `e2e-term-${process.pid}`;
  const line = spawnSync(process.execPath, [CONSOLE_BIN, 'enroll-token', 'create'], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8' });
  const m = /^cerebro-collector enroll (wss:\/\/\S+) (cbe1\.\S+)$/.exec(line.stdout.trim());
  assert.ok(m, line.stdout + line.stderr);
  const stateDir = path.join(home, 'collector');
  const enrolled = spawnSync(process.execPath, [COLLECTOR_BIN, 'enroll', m[1] as string, m[2] as string, '--state-dir', stateDir, '--host-id', hostId], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(enrolled.status, 0, enrolled.stderr);
  const collector = new Proc('collector', spawn(process.execPath, [COLLECTOR_BIN, 'run', '--state-dir', stateDir, '--host-id', hostId, '--interval', '500', '--no-logs'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.after(() => collector.stop('SIGKILL'));
  await waitFor('the host to be connected', async () => (await con.api('hosts')).some((h) => h.id === hostId && h.connected), 30_000, 200);

  const { page } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  await page.evaluate((h) => (window.location.hash = h), `#/host/${encodeURIComponent(hostId)}`);
  await page.locator('[data-testid="open-terminal"]').click();
  await page.waitForFunction(() => window.location.hash.startsWith('#/terminal?host='));
  await page.locator('[data-testid="terminal-status"]', { hasText: 'connected' }).waitFor({ timeout: 20_000 });
  const screen = (): Promise<string> => page.evaluate(() => (window as unknown as { __cerebroTerminal?: { text(): string } }).__cerebroTerminal?.text() ?? '');

  const marker = `cerebro-${Math.floor(Math.random() * 1e6)}-${process.pid}`;
  // Built by the shell from two halves, so the marker appears whole only in the command's output, not in the echoed input.
  const half = Math.floor(marker.length / 2);
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(`X=${marker.slice(0, half)}; echo "$X""${marker.slice(half)}" marker`);
  await page.keyboard.press('Enter');
  await waitFor('the output in the terminal', async () => (await screen()).includes(`${marker} marker`), 15_000, 200);
  await screenshot(page, 'terminal');

  const sessions = (await con.api('terminals')).sessions.filter((s) => s.hostId === hostId);
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]?.by, 'operator');
  assert.equal(sessions[0]?.state, 'open');
  await page.locator('[data-testid="terminal-sessions"] tbody tr').first().waitFor({ timeout: 10_000 });

  // Idle for longer than the replay's 2 s gap cap, so that a timed replay has a pause here.
  await new Promise((r) => setTimeout(r, 3000));
  const lines = (text: string): string => text.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
  const liveScreen = lines(await screen());
  assert.match(liveScreen, new RegExp(`${marker} marker`));

  await page.keyboard.type('exit');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="terminal-status"]', { hasText: 'ended' }).waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="terminal-sessions"] button', { hasText: 'Replay' }).first().click();
  const replaying = async (): Promise<boolean> => (await page.evaluate(() => JSON.stringify((window as unknown as { __cerebroTerminal?: { sid: string; mode: string } }).__cerebroTerminal ?? null))) === JSON.stringify({ sid: sessions[0]?.sid, mode: 'replay' });
  const state = page.locator('[data-testid="replay-state"]');
  // The replay reaches the screen the live session showed before its idle gap, and holds it during the (capped) gap: pause there.
  await waitFor('the replay to reach the live screen', async () => (await replaying()) && lines(await screen()) === liveScreen, 15_000, 50);
  await page.locator('[data-testid="replay-toggle"]', { hasText: 'Pause' }).click();
  await state.filter({ hasText: /^paused/ }).waitFor({ timeout: 5_000 });
  const paused = lines(await screen());
  assert.equal(paused, liveScreen, 'paused at the same moment, the replay shows the screen the live session showed');
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(lines(await screen()), paused, 'nothing more is written while paused');
  await page.locator('[data-testid="replay-speed"]').selectOption('4');
  await page.locator('[data-testid="replay-toggle"]', { hasText: 'Play' }).click();
  await state.filter({ hasText: /^replay done/ }).waitFor({ timeout: 15_000 });
  await screenshot(page, 'terminal-replay');
  const end = lines(await screen());
  assert.ok(end.startsWith(paused) && /exit$/m.test(end), `the replay ends with the exit:\n${end}`);
});
