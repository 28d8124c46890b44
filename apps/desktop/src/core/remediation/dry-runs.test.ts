import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { open } from 'lmdb';
import { defaultRunbookDir, loadRunbooks } from './loader';
import { LmdbDryRunLedger, runbookFingerprint } from './dry-runs';

test('recorded dry runs survive a restart of the console (LMDB), per host and per runbook', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-dry-runs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = open({ path: dir });
  const ledger = new LmdbDryRunLedger(env);
  ledger.record({ runbookId: 'cpu-hog-stop', hostId: 'h1', atMs: 10, by: 'alice', fingerprint: 'f1' });
  ledger.record({ runbookId: 'cpu-hog-stop', hostId: 'h2', atMs: 20, by: 'bob', fingerprint: 'f1' });
  assert.equal(ledger.latest('cpu-hog-stop')?.by, 'bob', 'readable at once, before the commit');
  await env.flushed;
  await env.close();
  const env2 = open({ path: dir });
  t.after(() => env2.close());
  const again = new LmdbDryRunLedger(env2);
  assert.equal(again.latest('cpu-hog-stop', 'h1')?.by, 'alice');
  assert.equal(again.latest('cpu-hog-stop')?.hostId, 'h2');
  assert.equal(again.latest('cpu-hog-stop', 'h3'), null);
  assert.equal(again.latest('free-page-cache'), null);
});

test('the fingerprint changes when what a runbook does changes, not when its file moves', () => {
  const rb = loadRunbooks(defaultRunbookDir()).runbooks.get('cpu-hog-renice');
  assert.ok(rb);
  assert.equal(runbookFingerprint(rb), runbookFingerprint({ ...rb, file: 'elsewhere.json' }));
  assert.notEqual(runbookFingerprint(rb), runbookFingerprint({ ...rb, steps: [{ ...rb.steps[0]!, timeoutMs: 9_000 }] }));
});
