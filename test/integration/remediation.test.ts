/**
 * Remediation against real telemetry: a real collector streams this host's process table to an
 * in-process console; the engine runs shipped runbooks whose steps execute the collector's real action
 * primitives, and verifies them against what the collector reports next.
 *
 * The command path here is an IN-PROCESS STAND-IN (`localSender`): it calls the collector's `runAction`
 * directly. The real path is the trust layer's signed, expiring `remediation.run` command, which the
 * collector does not dispatch to its actions yet; this test proves the primitives, the runbooks and the
 * verification on real processes, not the transport.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { runAction } from '../../apps/collector/src/actions/registry';
import type { ActionPolicy } from '../../apps/collector/src/actions/types';
import { which } from '../../apps/collector/src/actions/exec';
import { AuditLog } from '../../apps/desktop/src/core/audit/audit-log';
import { ConsoleCore } from '../../apps/desktop/src/core/console';
import { RemediationEngine, type CommandSender } from '../../apps/desktop/src/core/remediation/engine';
import { defaultRunbookDir, loadRunbooks } from '../../apps/desktop/src/core/remediation/loader';
import { DEFAULT_POLICY, PolicyEngine } from '../../apps/desktop/src/core/remediation/policy';
import { MemoryRunStore } from '../../apps/desktop/src/core/remediation/run-store';
import { createTokenFile, localHostId, startCollector, tempDir, waitFor } from '../helpers/cerebro';

function localSender(policy: ActionPolicy): CommandSender & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async send(_hostId, _kind, payload) {
      sent.push((payload as { action: string }).action);
      return { ok: true, output: await runAction(payload, { policy }) };
    },
  };
}

async function setup(t: TestContext, policy: ActionPolicy): Promise<{ core: ConsoleCore; engine: RemediationEngine; hostId: string; sender: ReturnType<typeof localSender>; audit: AuditLog }> {
  const home = tempDir(t, 'cerebro-remediation-it-');
  const core = await ConsoleCore.start({ home, log: () => undefined, ingest: { port: 0, plaintext: true }, api: { port: 0 }, maintenanceMs: 60_000 });
  t.after(() => core.stop());
  const hostId = localHostId();
  await startCollector(t, { ingestUrl: core.info.ingestUrl, tokenFile: createTokenFile(home, home), stateDir: path.join(home, 'collector'), intervalMs: 500 });
  await waitFor('the collector to send a process table', () => core.registry.processes(hostId)?.procs?.length, 30_000);
  const audit = AuditLog.open(path.join(home, 'engine'));
  t.after(() => audit.close());
  const lib = loadRunbooks(defaultRunbookDir());
  const sender = localSender(policy);
  const engine = new RemediationEngine({
    runbooks: () => lib.runbooks,
    policy: new PolicyEngine({ ...DEFAULT_POLICY, defaultLevel: 'autonomous' }),
    sender,
    view: { host: (id) => core.registry.get(id), latest: (id, key) => core.store.latest(id, key), processes: (id) => core.registry.processes(id) },
    audit,
    runs: new MemoryRunStore(),
  });
  return { core, engine, hostId, sender, audit };
}

test('cpu-hog-stop: the hog named by the console (pid + start time) is stopped and the stop is verified', async (t) => {
  const { core, engine, hostId, audit } = await setup(t, { allowedDirs: [], scriptsDir: null });
  const hog = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  t.after(() => hog.kill('SIGKILL'));
  const row = await waitFor('the console to see the hog', () => core.registry.processes(hostId)?.procs?.find((p: ProcessRow) => p.pid === hog.pid), 20_000);
  const exited = new Promise((r) => hog.once('exit', r));
  // maxCpuPct 100: the machine is shared with other tests, so only the process check is asserted strictly.
  // The policy's mandatory dry run comes first (an operator saw what it would do).
  engine.dryRun({ runbookId: 'cpu-hog-stop', hostId, params: { pid: row.pid, startMs: row.startMs, maxCpuPct: 100 }, actor: { type: 'operator', name: 'it' } });
  const end = await engine.execute({ runbookId: 'cpu-hog-stop', hostId, params: { pid: row.pid, startMs: row.startMs, maxCpuPct: 100 }, actor: { type: 'policy', name: 'autonomous' } }).done;
  assert.equal(end.state, 'succeeded', `${end.summary}\n${JSON.stringify(end.steps)}`);
  await exited;
  assert.equal(hog.signalCode, 'SIGTERM');
  assert.match(end.verification?.checks[0]?.detail ?? '', /no process with pid \d+ runs/);
  assert.equal(audit.verify().ok, true);
});

test('two-tier-restart-server: a dead server under supervisord is restarted and a new process verified', { skip: !which('supervisord') ? 'supervisor is not installed (apt-get install supervisor; .ci/run does it as root)' : false }, async (t) => {
  const dir = tempDir(t, 'cerebro-remediation-sup-');
  // A copy of sleep under its own name, so that the process check cannot match anything else on the machine.
  const name = `rbsrv-${process.pid}`.slice(0, 15);
  const server = path.join(dir, name);
  fs.copyFileSync(which('sleep') as string, server);
  fs.chmodSync(server, 0o755);
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(conf, [`[unix_http_server]`, `file=${dir}/sock`, `[supervisord]`, `logfile=${dir}/s.log`, `pidfile=${dir}/s.pid`, `childlogdir=${dir}`, `[rpcinterface:supervisor]`, `supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface`, `[supervisorctl]`, `serverurl=unix://${dir}/sock`, `[program:server]`, `command=${server} 600`, `startsecs=1`, `autorestart=false`, ''].join('\n'));
  assert.equal(spawnSync('supervisord', ['-c', conf]).status, 0);
  // By pid, read now: the temp dir (and the control socket in it) may be gone by the time this runs.
  const pidFile = path.join(dir, 's.pid');
  const supervisordPid = await waitFor('supervisord to write its pid file', () => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, 'utf8')), 10_000);
  t.after(async () => {
    const alive = (): boolean => {
      try {
        process.kill(supervisordPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    if (alive()) process.kill(supervisordPid, 'SIGTERM');
    // supervisord stops its programs before it exits: wait, so that nothing outlives the test.
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  });
  const { core, engine, hostId, sender } = await setup(t, { allowedDirs: [], scriptsDir: null, supervisorConfig: conf });
  const first = await waitFor('the console to see the server', () => core.registry.processes(hostId)?.procs?.find((p: ProcessRow) => p.name === name), 20_000);
  process.kill(first.pid, 'SIGKILL');
  await waitFor('the console to see the server gone', () => !core.registry.processes(hostId)?.procs?.some((p: ProcessRow) => p.name === name), 20_000);
  engine.dryRun({ runbookId: 'two-tier-restart-server', hostId, params: { service: 'server', process: name }, actor: { type: 'operator', name: 'it' } });
  const end = await engine.execute({ runbookId: 'two-tier-restart-server', hostId, params: { service: 'server', process: name }, actor: { type: 'policy', name: 'autonomous' } }).done;
  assert.equal(end.state, 'succeeded', `${end.summary}\n${JSON.stringify(end.steps)}`);
  assert.deepEqual(sender.sent, ['restart-service']);
  const now = core.registry.processes(hostId)?.procs?.find((p: ProcessRow) => p.name === name);
  assert.ok(now && now.pid !== first.pid, 'a new server process runs');
});
