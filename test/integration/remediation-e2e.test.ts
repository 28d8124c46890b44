/**
 * Remediation end to end, every part real: a TLS console (`cerebro-console serve`), a collector enrolled
 * with `enroll-token create` + `cerebro-collector enroll`, whose local policy file allows only renice and
 * signal; runbooks executed through the console's API reach the collector as signed `remediation.run`
 * commands and act on a real CPU-burning process; verification reads the telemetry the collector sends
 * next; the audit log records every step and `cerebro-console audit verify` passes. A runbook whose
 * primitive the host forbids is refused by the collector (FORBIDDEN_BY_POLICY), and the refusal audited.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { auditHeadSigningInput, type ActionRun, type AuditRecord, type DryRunView, type SignedAuditHead } from '@cerebro/shared/api/contract';
import { routePath } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { Proc, ROOT, startConsole, tempDir, waitFor, type RunningConsole } from '../helpers/cerebro';

const CONSOLE_BIN = path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs');
const COLLECTOR_BIN = path.join(ROOT, 'apps/collector/bin/cerebro-collector.mjs');
const FINAL: readonly string[] = ['succeeded', 'failed', 'rolled-back', 'rollback-failed', 'refused'];

function consoleCli(home: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CONSOLE_BIN, ...args], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function post<T>(con: RunningConsole, route: string, body: unknown): Promise<T> {
  const res = await fetch(new URL(route, con.info.apiUrl), { method: 'POST', headers: { authorization: `Bearer ${con.info.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`POST ${route} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Dry-run (the policy's mandatory first step) and execute a runbook through the API; wait for the run to end. */
async function execute(con: RunningConsole, runbook: string, hostId: string, params: Record<string, unknown>): Promise<ActionRun> {
  const dry = await post<DryRunView>(con, routePath('runbookDryRun', runbook), { hostId, params, operator: 'it-operator' });
  assert.equal(dry.verdict.allowed, true, `${runbook} dry run: ${dry.verdict.reason}`);
  const started = await post<ActionRun>(con, routePath('runbookExecute', runbook), { hostId, params, operator: 'it-operator' });
  assert.equal(started.state, 'running', `${runbook} started: ${started.summary}`);
  return waitFor(`run ${started.id} of ${runbook} to end`, async () => {
    const run = await con.api('action', started.id);
    return FINAL.includes(run.state) && run;
  }, 90_000, 250);
}

function niceOf(pid: number): number {
  return os.getPriority(pid);
}

test('runbooks executed on a real console reach a real enrolled collector as signed commands', { timeout: 300_000 }, async (t) => {
  const home = tempDir(t, 'cerebro-remediation-e2e-');
  // Operator runs go ahead at once (the default level, "suggest", would wait for an approval).
  fs.writeFileSync(path.join(home, 'remediation-policy.json'), JSON.stringify({ defaultLevel: 'one-click' }));
  const con = await startConsole(t, home, { tls: true });
  assert.match(con.info.ingestUrl, /^wss:\/\//);

  const hostId = `it-rem-${process.pid}`;
  const stateDir = path.join(home, 'collector');
  const line = consoleCli(home, ['enroll-token', 'create']);
  assert.equal(line.code, 0, line.stderr);
  const m = /^cerebro-collector enroll (wss:\/\/\S+) (cbe1\.\S+)$/.exec(line.stdout.trim());
  assert.ok(m, line.stdout);
  const enrol = spawnSync(process.execPath, [COLLECTOR_BIN, 'enroll', m[1] as string, m[2] as string, '--state-dir', stateDir, '--host-id', hostId], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(enrol.status, 0, enrol.stderr);

  const policyFile = path.join(home, 'collector-policy.json');
  fs.writeFileSync(policyFile, JSON.stringify({ remediation: { allow: ['renice-process', 'signal-process'] } }));
  const child = spawn(process.execPath, [COLLECTOR_BIN, 'run', '--state-dir', stateDir, '--host-id', hostId, '--interval', '500', '--no-logs', '--policy-file', policyFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const collector = new Proc('collector', child);
  t.after(() => collector.stop('SIGKILL'));

  const hog = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  const hogExit = new Promise<NodeJS.Signals | null>((r) => hog.once('exit', (_code, signal) => r(signal)));
  t.after(() => hog.kill('SIGKILL'));
  const hogPid = hog.pid as number;

  try {
    const row = await waitFor('the console to see the hog in the collector\'s process table', async () => (await con.api('processes', hostId)).rows.find((p: ProcessRow) => p.pid === hogPid), 60_000, 250);
    const params = { pid: row.pid, startMs: row.startMs };

    await t.test('cpu-hog-renice: the real process is reniced; verified from telemetry', async () => {
      assert.equal(niceOf(hogPid), 0);
      // No live run before a dry run: refused by the policy, naming the rule, and nothing reaches the host.
      const early = await post<ActionRun>(con, routePath('runbookExecute', 'cpu-hog-renice'), { hostId, params: { ...params, nice: 19 }, operator: 'it-operator' });
      assert.deepEqual([early.state, early.verdict?.rule], ['refused', 'DRY_RUN_REQUIRED'], early.summary);
      assert.equal(niceOf(hogPid), 0);
      const run = await execute(con, 'cpu-hog-renice', hostId, { ...params, nice: 19 });
      assert.equal(run.state, 'succeeded', `${run.summary}\n${JSON.stringify(run.steps)}`);
      assert.equal(niceOf(hogPid), 19, 'the collector reniced the real process');
      const step = run.steps[0];
      assert.equal(step?.status, 'ok');
      assert.match(step?.message ?? '', new RegExp(`process ${hogPid} now runs at nice 19 \\(was 0\\)`));
      assert.equal(step?.details?.['previousNice'], 0, 'the action\'s structured output reached the console');
      assert.equal(run.verification?.ok, true);
    });

    await t.test('cpu-hog-stop: the real process is stopped; verified from telemetry', async () => {
      const run = await execute(con, 'cpu-hog-stop', hostId, { ...params, maxCpuPct: 100 });
      assert.equal(run.state, 'succeeded', `${run.summary}\n${JSON.stringify(run.steps)}`);
      assert.equal(await hogExit, 'SIGTERM', 'the collector sent SIGTERM to the hog');
      assert.match(run.verification?.checks[0]?.detail ?? '', new RegExp(`no process with pid ${hogPid} runs`));
      await waitFor('the collector to log both commands', () => (collector.output.match(/remediation\.run (renice|signal)-process/g) ?? []).length >= 2, 10_000);

      const { records } = await con.api('audit', undefined, { limit: 1000 });
      const ofRun = records.filter((r: AuditRecord) => (r.payload as { run?: string }).run === run.id).map((r) => r.kind);
      assert.deepEqual(ofRun, ['proposal', 'command', 'output', 'verification'], 'proposal → command → output → verification');
      const output = records.find((r) => r.kind === 'output' && (r.payload as { run?: string }).run === run.id);
      assert.match(JSON.stringify(output?.payload), /"status":"ok","message":"sent SIGTERM to process \d+"/);
    });

    await t.test('a runbook whose primitive the host forbids is refused there, and the refusal audited', async () => {
      const run = await execute(con, 'crash-loop-stop', hostId, { service: 'cerebro-it-none', process: 'cerebro-none' });
      assert.equal(run.state, 'failed', run.summary);
      assert.equal(run.steps[0]?.status, 'FORBIDDEN_BY_POLICY');
      assert.match(run.steps[0]?.message ?? '', /only these remediation actions: renice-process, signal-process \(got "stop-service"\)/);
      await waitFor('the refusal logged on the host', () => /refused command \w+ \('remediation\.run'\): FORBIDDEN_BY_POLICY/.test(collector.output), 10_000);
      const { records, verification } = await con.api('audit', undefined, { limit: 1000 });
      assert.equal(verification.ok, true, verification.reason);
      const refusal = records.find((r) => r.kind === 'refusal' && (r.payload as { run?: string }).run === run.id);
      assert.equal((refusal?.payload as { rule?: string }).rule, 'FORBIDDEN_BY_POLICY');
    });

    await t.test('the host keeps the console\'s signed audit head; audit verify passes', () => {
      const head = JSON.parse(fs.readFileSync(path.join(stateDir, 'audit-head.json'), 'utf8')) as SignedAuditHead;
      const cred = JSON.parse(fs.readFileSync(path.join(stateDir, 'credential.json'), 'utf8')) as { commandKey: string };
      assert.ok(head.seq >= 5, `head seq ${head.seq}`);
      assert.ok(verify(null, Buffer.from(auditHeadSigningInput(head)), createPublicKey(cred.commandKey), Buffer.from(head.sig, 'base64')), 'signed with the console key learnt at enrolment');
      assert.doesNotMatch(con.proc.output, /audit log mismatch/, 'the heads the host read back match the console\'s log');
      const v = consoleCli(home, ['audit', 'verify']);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /audit log OK/);
    });
  } catch (e) {
    t.diagnostic(`collector output:\n${collector.tail(40)}\nconsole output:\n${con.proc.tail(40)}`);
    throw e;
  } finally {
    hog.kill('SIGKILL');
    await collector.stop('SIGKILL');
  }
});
