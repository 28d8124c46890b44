/**
 * The diagnosis panel and the Ask view in a real browser (Debian's Chromium) against a real console with a
 * generated tiny GGUF in its models folder: a simulated collector's never-seen error line opens an
 * incident; its panel says no model is loaded, the operator loads the tiny model from the panel (progress,
 * then loaded), clicks Diagnose and watches the model's text stream in before the result (summary, root
 * cause, confidence, evidence links to the host's charts or the log lines) and the proposed plan; the Ask
 * view answers a free question about it with bounded read-only tool steps. Screenshot: diagnosis.png.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TINY_SHAPE, writeTestModel } from '../../apps/desktop/src/core/models/test-model';
import { browserSkipReason, launchBrowser, rendererBuilt, screenshot } from '../helpers/browser';
import { ROOT, createTokenFile, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import { LogCollector } from '../helpers/log-collector';
import '../helpers/page-globals';

const skip = browserSkipReason() ?? false;

function ensureRenderer(): void {
  if (rendererBuilt()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

test('a diagnosis streams from the tiny model into the incident panel, with evidence links and a plan; Ask answers with tools', { skip, timeout: 180_000 }, async (t) => {
  ensureRenderer();
  const home = tempDir(t);
  const models = path.join(home, 'models');
  writeTestModel(path.join(models, 'tiny.gguf'), TINY_SHAPE, 5);
  const con = await startConsole(t, home, {}, ['--log-learning-minutes', '0', '--models-dir', models, '--model-threads', '1']);

  const hostId = `e2e-diagnosis-${process.pid}`;
  const collector = new LogCollector(hostId, fs.readFileSync(createTokenFile(home, home), 'utf8').trim());
  t.after(() => collector.close());
  await collector.connect(con.info.ingestUrl);
  const now = Date.now();
  await collector.send(1, [{ ts: now - 2000, src: 'journal', level: 'info', msg: 'checkout served order 17 in 12 ms' }]);
  await collector.send(2, [{ ts: now - 1000, src: 'journal', level: 'error', msg: 'checkout: connection to postgres refused (pool exhausted, 64 of 64 in use)', unit: 'checkout.service', pid: 812 }]);
  const incident = await waitFor('an incident with the log alert', async () => (await con.api('incidents')).incidents.find((i) => i.alerts.some((a) => a.hostId === hostId)), 20_000, 250);

  const { page } = await launchBrowser(t);
  await page.goto(`${con.info.uiUrl}`);
  await page.evaluate((id) => (window.location.hash = `#/incidents/${encodeURIComponent(id)}`), incident.id);
  const panel = page.getByTestId('diagnosis-panel');
  await panel.waitFor({ timeout: 15_000 });
  // No model yet: said so, and the tiny file is offered.
  const modelState = panel.getByTestId('model-state');
  await waitFor('the model state', async () => (await modelState.getAttribute('data-state')) === 'none', 10_000, 100);
  assert.match(await modelState.innerText(), /No model is loaded: diagnoses come from the root-cause ranking/);
  const memory = panel.getByTestId('diagnosis-memory');
  await waitFor('the memory line', async () => (await memory.getAttribute('data-state').catch(() => null)) === 'off', 10_000, 100);
  assert.match(await memory.innerText(), /no model loaded; similar incidents are found by their words \(BM25\)/);
  await panel.getByTestId('model-load').click();
  await waitFor('the model loaded', async () => (await modelState.getAttribute('data-state')) === 'loaded', 30_000, 100);
  assert.match(await modelState.innerText(), /Model tiny\.gguf loaded \(1 thread/);
  // The loaded model embeds the runbooks and the incident in the background; the panel shows how far it got.
  await waitFor('the memory embedded', async () => (await memory.getAttribute('data-state')) === 'idle', 30_000, 200);
  assert.match(await memory.innerText(), /Memory: \d+ incidents, \d+ resolutions, ([1-9]\d*) runbooks embedded \(\d+ dimensions\); similar incidents by cosine similarity/);

  // Record every text the streaming area shows (a few hundred tokens go by in well under a second).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __streamSeen: string[] }).__streamSeen = seen;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="diagnosis-stream"]');
      if (el?.textContent) seen.push(el.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await panel.getByTestId('diagnose').click();
  await waitFor('the finished diagnosis', async () => (await panel.getAttribute('data-state')) === 'done', 60_000, 100);
  const seen = await page.evaluate(() => (window as unknown as { __streamSeen: string[] }).__streamSeen);
  assert.ok(seen.length >= 2, `the text streamed in several steps (${seen.length} seen)`);
  assert.ok(seen.some((s) => s.startsWith('{')), 'the model writes JSON (the grammar makes it parse)');
  assert.ok(seen.some((s, i) => i > 0 && s.length > (seen[i - 1]?.length ?? 0)), 'the text grew while it streamed');

  const record = await con.api('diagnosis', incident.id);
  assert.equal(record.source, 'model', record.notes.join('; '));
  const d = record.diagnosis!;
  assert.equal(await panel.getByTestId('diagnosis-summary').innerText(), d.summary.trim());
  assert.equal(await panel.getByTestId('diagnosis-confidence').innerText(), d.confidence);
  const links = await panel.getByTestId('diagnosis-evidence').locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  assert.equal(links.length, d.evidence.length);
  for (const href of links) assert.match(href, /^#\/(host\/|logs\?)/, 'evidence opens the charts or the log lines');
  // The plan: a runbook with the drawer link, or none with why.
  const plan = panel.getByTestId('diagnosis-plan');
  await plan.waitFor({ timeout: 5_000 });
  const p = record.plan!.plan;
  if (p.runbookId && p.hostId) assert.ok((await plan.getByTestId('plan-remediate').getAttribute('href'))?.startsWith(`#/incidents/${encodeURIComponent(incident.id)}?${new URLSearchParams({ remediate: p.runbookId, host: p.hostId }).toString()}`));
  else assert.equal(await plan.getByTestId('plan-none').innerText(), p.reason);
  await screenshot(page, 'diagnosis');

  // Ask about it: bounded tool steps, an answer (or the diagnosis) at the end.
  await panel.getByTestId('ask-about').click();
  await page.getByTestId('ask-view').waitFor({ timeout: 5_000 });
  await page.getByTestId('ask-input').fill('What is wrong with checkout?');
  await page.getByTestId('ask-submit').click();
  const answer = page.getByTestId('ask-answer');
  await answer.waitFor({ timeout: 60_000 });
  assert.ok(['answer', 'diagnose', 'plan'].includes((await answer.getAttribute('data-action')) ?? ''));
  assert.ok((await page.getByTestId('ask-steps').locator('li').count().catch(() => 0)) <= 4);
});
