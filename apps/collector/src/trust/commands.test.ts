import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { commandSigningInput } from '@cerebro/shared/protocol/canonical';
import type { CommandEnvelope } from '@cerebro/shared/protocol/messages';
import { remediationHandler } from '../actions/handler';
import { processStartMs } from '../actions/process';
import { sha256 } from '../actions/script';
import type { ActionResult } from '../actions/types';
import { CommandGate } from './command-gate';
import { CommandRunner } from './commands';
import { NonceStore } from './nonces';
import { parsePolicy, PolicyError, type CollectorPolicy } from './policy';

const HOST = 'host-r';
const consoleKeys = generateKeyPairSync('ed25519');

function signed(kind: string, payload: unknown): CommandEnvelope {
  const now = Date.now();
  const fields = { id: randomBytes(4).toString('hex'), kind, issuedAtMs: now, expiresAtMs: now + 60_000, nonce: randomBytes(12).toString('hex'), payload };
  const input = commandSigningInput(fields, HOST);
  assert.ok(input.ok);
  return { type: 'command', ...fields, sig: sign(null, Buffer.from(input.value), consoleKeys.privateKey) };
}

function tmp(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-commands-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function runnerFor(policy: CollectorPolicy, logs: string[] = [], nonces = new NonceStore(null)): CommandRunner {
  const gate = new CommandGate({ commandKey: consoleKeys.publicKey, hostId: HOST, policy, nonces });
  return new CommandRunner({ gate, log: (level, m) => logs.push(`${level}: ${m}`), remediation: remediationHandler(policy.actions) });
}

/** A real process to act on, killed when the test ends. */
function sleeper(t: TestContext): { pid: number; startMs: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const pid = child.pid as number;
  const startMs = processStartMs(pid);
  assert.ok(startMs !== null);
  return { pid, startMs };
}

test('remediation.run passes the gate and renices a real process; the result carries the action output', async (t) => {
  const logs: string[] = [];
  const runner = runnerFor(parsePolicy({ remediation: { allow: ['renice-process'] } }, 'p'), logs);
  const target = sleeper(t);
  const r = await runner.run(signed('remediation.run', { action: 'renice-process', params: { ...target, nice: 12 }, timeoutMs: 5000 }));
  assert.equal(r.ok, true, JSON.stringify(r));
  const out = r.output as ActionResult;
  assert.equal(out.status, 'ok', out.message);
  assert.equal(out.details?.['previousNice'], 0);
  assert.equal(os.getPriority(target.pid), 12, 'the real process now runs at nice 12');
  assert.ok(logs.some((l) => /remediation\.run renice-process/.test(l)) && logs.some((l) => /renice-process ok in \d+ ms/.test(l)), logs.join('\n'));
});

test('an action the host policy does not allow is refused FORBIDDEN_BY_POLICY and logged; nothing runs', async () => {
  const logs: string[] = [];
  const runner = runnerFor(parsePolicy({ remediation: { allow: ['renice-process', 'signal-process'] } }, 'p'), logs);
  const r = await runner.run(signed('remediation.run', { action: 'stop-service', params: { service: 'cerebro-nothing' } }));
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'FORBIDDEN_BY_POLICY');
  assert.match(r.error?.message ?? '', /only these remediation actions: renice-process, signal-process \(got "stop-service"\)/);
  assert.ok(logs.some((l) => /^warn: refused command \w+ \('remediation\.run'\): FORBIDDEN_BY_POLICY/.test(l)), logs.join('\n'));
});

test('one remediation at a time: a second is refused BUSY while ping still answers at once', async (t) => {
  const scripts = tmp(t);
  const script = 'sleep 1.5; echo slept\n';
  fs.writeFileSync(path.join(scripts, 'slow.sh'), script);
  const runner = runnerFor(parsePolicy({ remediation: { scriptsDir: scripts } }, 'p'));
  const target = sleeper(t);
  const slow = runner.run(signed('remediation.run', { action: 'run-script', params: { sha256: sha256(script) }, timeoutMs: 10_000 }));
  assert.equal(runner.busy, 1);
  const t0 = performance.now();
  const pong = await runner.run(signed('ping', {}));
  assert.equal(pong.ok, true);
  assert.ok(performance.now() - t0 < 500, 'ping is not held up by the running action');
  const second = await runner.run(signed('remediation.run', { action: 'renice-process', params: { ...target, nice: 5 } }));
  assert.equal(second.error?.code, 'BUSY');
  assert.match(second.error?.message ?? '', /runs 1 remediation action at a time and is still running run-script \(command \w+, running for \d+ ms\): retry when it ends/);
  assert.equal(os.getPriority(target.pid), 0, 'the refused action did not run');
  const first = await slow;
  assert.equal((first.output as ActionResult).status, 'ok');
  assert.match((first.output as ActionResult).output, /slept/);
  assert.equal(runner.busy, 0);
  const third = await runner.run(signed('remediation.run', { action: 'renice-process', params: { ...target, nice: 5 } }));
  assert.equal((third.output as ActionResult).status, 'ok', 'runs again once the first ended');
});

test('a failure on the host before the command runs is a HOST_ERROR result, not an exception', async (t) => {
  const nonces = new NonceStore(path.join(tmp(t), 'missing-dir', 'nonces.json'));
  const logs: string[] = [];
  const r = await runnerFor(parsePolicy({}, 'p'), logs, nonces).run(signed('ping', {}));
  assert.equal(r.error?.code, 'HOST_ERROR');
  assert.match(r.error?.message ?? '', /failed on the host before it ran: ENOENT/);
  assert.ok(logs.some((l) => /HOST_ERROR/.test(l)));
});

test('the policy file\'s remediation section: limits parsed, mistakes named by field', () => {
  const p = parsePolicy({ remediation: { allow: ['truncate-log'], allowedDirs: ['/var/log/app'], scriptsDir: '/usr/share/cerebro/scripts', supervisorConfig: '/etc/supervisor/supervisord.conf' } }, 'policy file P');
  assert.deepEqual(p.remediationAllow, ['truncate-log']);
  assert.deepEqual(p.actions, { allowedDirs: ['/var/log/app'], scriptsDir: '/usr/share/cerebro/scripts', supervisorConfig: '/etc/supervisor/supervisord.conf' });
  assert.deepEqual(parsePolicy({}, 'p').actions, { allowedDirs: [], scriptsDir: null }, 'no section: no directory, no script');
  assert.deepEqual(parsePolicy({ remediation: { processes: { allow: ['app-*'] } } }, 'p').actions.processes, { allow: ['app-*'], deny: [] });
  for (const [section, re] of [
    [{ allowedDir: ['/x'] }, /policy file P: "remediation": unknown field "allowedDir"; known fields are allow, allowedDirs, scriptsDir, supervisorConfig, processes/],
    [{ processes: ['x'] }, /"remediation\.processes" must be an object like/],
    [{ processes: { allow: 'x' } }, /"remediation\.processes"\.allow must be a list of process-name globs/],
    [{ processes: { only: [] } }, /"remediation\.processes": unknown field "only"/],
    [{ allow: ['renice'] }, /policy file P: "remediation\.allow\[0\]": no action "renice"; known actions are .*renice-process/],
    [{ allowedDirs: ['var/log'] }, /policy file P: "remediation\.allowedDirs\[0\]" must be an absolute path/],
    [{ allowedDirs: ['/'] }, /must not allow "\/"/],
    [{ scriptsDir: 'scripts' }, /"remediation\.scriptsDir" must be an absolute path/],
    [{ supervisorConfig: '/etc/../tmp/s.conf' }, /"remediation\.supervisorConfig" must be an absolute path without '\.\.'/],
  ] as const) {
    assert.throws(() => parsePolicy({ remediation: section }, 'policy file P'), (e: unknown) => e instanceof PolicyError && re.test(e.message), JSON.stringify(section));
  }
});
