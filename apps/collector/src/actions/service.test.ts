import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { which } from './exec';
import { runAction } from './registry';

const supervisord = which('supervisord');
const supervisorctl = which('supervisorctl');

/** A real supervisord in a temp dir managing `sleep` as program "worker"; torn down after the test. */
async function startSupervisord(t: { after: (fn: () => void) => void }): Promise<{ conf: string; ctl: (...a: string[]) => string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-supervisord-'));
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    [
      '[unix_http_server]',
      `file=${dir}/sock`,
      '[supervisord]',
      `logfile=${dir}/supervisord.log`,
      `pidfile=${dir}/supervisord.pid`,
      `childlogdir=${dir}`,
      'nodaemon=false',
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${dir}/sock`,
      '[program:worker]',
      'command=sleep 300',
      'startsecs=1',
      'autorestart=false',
      '',
    ].join('\n'),
  );
  const started = spawnSync(supervisord as string, ['-c', conf], { encoding: 'utf8' });
  assert.equal(started.status, 0, started.stderr);
  const ctl = (...a: string[]): string => spawnSync(supervisorctl as string, ['-c', conf, ...a], { encoding: 'utf8' }).stdout;
  t.after(() => {
    ctl('shutdown');
    // supervisord exits once its children are stopped; give it a moment before the files go.
    spawnSync('sleep', ['0.5']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 50 && !/RUNNING/.test(ctl('status', 'worker')); i++) await new Promise((r) => setTimeout(r, 200));
  assert.match(ctl('status', 'worker'), /RUNNING/);
  return { conf, ctl };
}

const pidOf = (status: string): number => Number(/pid (\d+)/.exec(status)?.[1]);

test('restart-service restarts a real program under supervisord (no systemd here) and confirms it runs', { skip: !supervisord || !supervisorctl ? 'supervisor is not installed (apt-get install supervisor; .ci/run does it as root)' : false }, async (t) => {
  const { conf, ctl } = await startSupervisord(t);
  const ctx = { policy: { allowedDirs: [], scriptsDir: null, supervisorConfig: conf }, timeoutMs: 20_000, systemdMarker: '/nonexistent/systemd' };
  const pid0 = pidOf(ctl('status', 'worker'));
  const r = await runAction({ action: 'restart-service', params: { service: 'worker' } }, ctx);
  assert.equal(r.status, 'ok', `${r.message}\n${r.output}`);
  assert.equal(r.details?.['supervisor'], 'supervisord');
  const pid1 = pidOf(ctl('status', 'worker'));
  assert.ok(pid1 > 0 && pid1 !== pid0, `a new process (was ${pid0}, now ${pid1})`);
  assert.throws(() => process.kill(pid0, 0), 'the old process is gone');

  const stop = await runAction({ action: 'stop-service', params: { service: 'worker' } }, ctx);
  assert.equal(stop.status, 'ok', stop.message);
  assert.match(ctl('status', 'worker'), /STOPPED/);
  const start = await runAction({ action: 'start-service', params: { service: 'worker' } }, ctx);
  assert.equal(start.status, 'ok', start.message);

  // A server that died (SIGKILL, not restarted: EXITED) is brought back by a restart; supervisorctl's
  // "ERROR (not running)" for the stop half is not a failure.
  const pid2 = pidOf(ctl('status', 'worker'));
  process.kill(pid2, 'SIGKILL');
  for (let i = 0; i < 50 && !/EXITED/.test(ctl('status', 'worker')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(ctl('status', 'worker'), /EXITED/);
  const revived = await runAction({ action: 'restart-service', params: { service: 'worker' } }, ctx);
  assert.equal(revived.status, 'ok', `${revived.message}\n${revived.output}`);
  assert.match(revived.output, /ERROR \(not running\)/);
  assert.match(ctl('status', 'worker'), /RUNNING/);

  const missing = await runAction({ action: 'restart-service', params: { service: 'nosuch' } }, ctx);
  assert.equal(missing.status, 'failed');
  assert.match(missing.output, /no such process/i);
  const injected = await runAction({ action: 'restart-service', params: { service: 'worker; rm -rf /' } }, ctx);
  assert.equal(injected.refusal, 'INVALID_PARAMS');
});

test('systemd hosts use systemctl (a test double here: no systemd runs on these machines)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-systemd-double-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const marker = path.join(dir, 'run-systemd-system');
  fs.mkdirSync(marker);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  // The double records its calls and answers is-active like systemctl: "active" for units it restarted.
  fs.writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> ${dir}/calls\nif [ "$1" = is-active ]; then grep -q "restart -- $2" ${dir}/calls && echo active || { echo failed; exit 3; }; fi\n`, { mode: 0o755 });
  const ctx = { policy: { allowedDirs: [], scriptsDir: null }, timeoutMs: 5_000, systemdMarker: marker, pathEnv: `${bin}:/usr/bin:/bin` };
  const r = await runAction({ action: 'restart-service', params: { service: 'nginx.service' } }, ctx);
  assert.equal(r.status, 'ok', r.message);
  assert.equal(r.details?.['supervisor'], 'systemd');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n'), ['restart -- nginx.service', 'is-active nginx.service']);
  const none = await runAction({ action: 'restart-service', params: { service: 'x' } }, { ...ctx, systemdMarker: '/nonexistent', pathEnv: dir });
  assert.equal(none.status, 'skipped');
  assert.match(none.message, /neither systemd .* nor supervisorctl/);
});
