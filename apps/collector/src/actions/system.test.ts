import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { which } from './exec';
import { runAction } from './registry';
import { sha256 } from './script';

const noPolicy = { allowedDirs: [], scriptsDir: null };

test('drop-caches needs root and says so otherwise', async () => {
  const refused = await runAction({ action: 'drop-caches' }, { policy: noPolicy, timeoutMs: 5_000, uid: 1000 });
  assert.equal(refused.refusal, 'NOT_ROOT');
  assert.match(refused.message, /needs root; this collector runs as uid 1000/);
});

test('drop-caches as root writes /proc/sys/vm/drop_caches', { skip: process.geteuid?.() !== 0 ? 'not root' : false }, async () => {
  const r = await runAction({ action: 'drop-caches' }, { policy: noPolicy, timeoutMs: 20_000 });
  // Containers may mount /proc/sys read-only: then the action fails with the reason, never throws.
  assert.ok(r.status === 'ok' || (r.status === 'failed' && /EROFS|EACCES|EPERM/.test(r.message)), `${r.status}: ${r.message}`);
});

test('restart-container is skipped with the reason where no runtime runs', async (t) => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-nopath-'));
  t.after(() => fs.rmSync(empty, { recursive: true, force: true }));
  const none = await runAction({ action: 'restart-container', params: { container: 'web' } }, { policy: noPolicy, timeoutMs: 10_000, pathEnv: empty });
  assert.equal(none.status, 'skipped');
  assert.match(none.message, /neither docker nor podman is installed/);
  const docker = which('docker');
  if (docker) {
    // This machine has the docker client but no daemon: that is a skip with the daemon's error, not a failure.
    const r = await runAction({ action: 'restart-container', params: { container: 'web' } }, { policy: noPolicy, timeoutMs: 10_000 });
    assert.ok(r.status === 'skipped' || r.status === 'failed', r.message);
    if (r.status === 'skipped') assert.match(r.message, /daemon does not answer/);
  }
});

test('run-script runs only a vetted script, by content hash, with a timeout and bounded output', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-scripts-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const hello = 'echo "hello $1"\n';
  fs.writeFileSync(path.join(dir, 'hello.sh'), hello);
  const loud = 'i=0; while [ $i -lt 5000 ]; do echo 0123456789abcdef; i=$((i+1)); done\n';
  fs.writeFileSync(path.join(dir, 'loud.sh'), loud);
  const slow = 'sleep 30\n';
  fs.writeFileSync(path.join(dir, 'slow.sh'), slow);
  const ctx = { policy: { allowedDirs: [], scriptsDir: dir }, timeoutMs: 10_000, maxOutputBytes: 1024 };

  const ok = await runAction({ action: 'run-script', params: { sha256: sha256(hello), args: ['world'] } }, ctx);
  assert.equal(ok.status, 'ok', ok.message);
  assert.equal(ok.output, 'hello world\n');

  const unknown = await runAction({ action: 'run-script', params: { sha256: sha256('rm -rf /\n') } }, ctx);
  assert.equal(unknown.refusal, 'SCRIPT_NOT_VETTED');

  const big = await runAction({ action: 'run-script', params: { sha256: sha256(loud) } }, ctx);
  assert.equal(big.status, 'ok');
  assert.equal(big.output.length, 1024);
  assert.equal(big.outputTruncated, true);

  const t0 = Date.now();
  const late = await runAction({ action: 'run-script', params: { sha256: sha256(slow) }, timeoutMs: 500 }, ctx);
  assert.equal(late.status, 'timeout');
  assert.ok(Date.now() - t0 < 5_000, 'killed at the timeout');

  const noDir = await runAction({ action: 'run-script', params: { sha256: sha256(hello) } }, { ...ctx, policy: noPolicy });
  assert.match(noDir.message, /names no scripts directory/);
});
