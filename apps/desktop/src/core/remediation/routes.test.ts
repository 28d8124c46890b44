import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { routePath, type RouteResponses } from '@cerebro/shared/api/contract';
import { ConsoleCore } from '../console';

test('the remediation API of a real console: runbooks, refusals, kill switch and the audit tail', async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-remediation-api-'));
  const core = await ConsoleCore.start({ home, log: () => undefined, ingest: { port: 0 }, api: { port: 0 }, maintenanceMs: 60_000 });
  t.after(async () => {
    await core.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });
  const call = async (method: 'GET' | 'POST', p: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(core.info.apiUrl + p, { method, headers: { authorization: `Bearer ${core.info.apiToken}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: await res.json() };
  };

  const rb = (await call('GET', routePath('runbooks'))).json as RouteResponses['runbooks'];
  assert.deepEqual(rb.errors, []);
  assert.ok(rb.runbooks.length >= 8);

  const dry = await call('POST', routePath('runbookDryRun', 'cpu-hog-stop'), { hostId: 'no-such-host', params: { pid: 4242, startMs: 1 } });
  assert.equal(dry.status, 404);
  assert.match(JSON.stringify(dry.json), /UNKNOWN_HOST/);
  const badBody = await call('POST', routePath('runbookExecute', 'cpu-hog-stop'), { params: {} });
  assert.equal(badBody.status, 400);

  const exec = await call('POST', routePath('runbookExecute', 'cpu-hog-stop'), { hostId: 'no-such-host', params: { pid: 4242, startMs: 1 }, operator: 'alice' });
  assert.equal(exec.status, 200);
  const run = exec.json as RouteResponses['runbookExecute'];
  assert.deepEqual([run.state, run.verdict?.rule], ['refused', 'UNKNOWN_HOST']);
  assert.equal(((await call('GET', routePath('action', run.id))).json as RouteResponses['action']).state, 'refused');
  assert.equal(((await call('GET', routePath('actions'))).json as RouteResponses['actions']).runs.length, 1);

  const ks = await call('POST', routePath('killSwitch'), { on: true, operator: 'alice' });
  assert.deepEqual(ks.json, { killSwitch: true, running: 0 });
  assert.equal(JSON.parse(fs.readFileSync(path.join(home, 'remediation-policy.json'), 'utf8')).killSwitch, true);

  const audit = (await call('GET', `${routePath('audit')}?limit=10`)).json as RouteResponses['audit'];
  assert.deepEqual(audit.records.map((r) => r.kind), ['proposal', 'refusal', 'policy']);
  assert.equal(audit.verification.ok, true, audit.verification.reason);
  assert.equal(audit.verification.head?.signed, true);
  assert.match(audit.verification.reason, /console command key/);
  assert.equal((await call('GET', `${routePath('audit')}?limit=0`)).status, 400);

  // The policy in force, read-only: levels per runbook, the dry-run rule (on by default), the file to edit.
  const policy = (await call('GET', routePath('remediationPolicy'))).json as RouteResponses['remediationPolicy'];
  assert.equal(policy.file, path.join(home, 'remediation-policy.json'));
  assert.deepEqual([policy.killSwitch, policy.requireDryRun, policy.defaultLevel], [true, true, 'suggest']);
  assert.equal(policy.runbooks.length, rb.runbooks.length);
  assert.deepEqual(policy.runbooks.find((x) => x.runbookId === 'cpu-hog-stop')?.lastDryRun, null);
  // Proposals need a known incident.
  const noInc = await call('GET', `${routePath('remediationProposals')}?incident=nope`);
  assert.deepEqual([noInc.status, (noInc.json as { error: { code: string } }).error.code], [404, 'NOT_FOUND']);
  assert.equal((await call('GET', routePath('remediationProposals'))).status, 400);

  // Levels set through the API: written to the policy file, audited, and in force at once.
  const set = await call('POST', routePath('remediationSetLevel'), { runbookId: 'cpu-hog-stop', level: 'observe', operator: 'alice' });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  assert.equal((set.json as RouteResponses['remediationSetLevel']).runbooks.find((x) => x.runbookId === 'cpu-hog-stop')?.level, 'observe');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(home, 'remediation-policy.json'), 'utf8')).levels, [{ runbook: 'cpu-hog-stop', group: '*', level: 'observe' }]);
  const tail = (await call('GET', `${routePath('audit')}?limit=1`)).json as RouteResponses['audit'];
  assert.deepEqual(tail.records[0]?.payload, { runbook: 'cpu-hog-stop', group: '*', level: 'observe', previous: null });
  assert.equal(tail.records[0]?.actor.name, 'alice');
  const badLevel = await call('POST', routePath('remediationSetLevel'), { runbookId: 'cpu-hog-stop', level: 'yolo' });
  assert.deepEqual([badLevel.status, (badLevel.json as { error: { message: string } }).error.message], [400, '"level" must be one of observe, suggest, one-click, autonomous, got "yolo"']);
  const badGroup = await call('POST', routePath('remediationSetLevel'), { runbookId: 'cpu-hog-stop', group: 'web', level: 'observe' });
  assert.deepEqual([badGroup.status, (badGroup.json as { error: { message: string } }).error.message], [400, 'no host group "web" in the policy (groups: none)']);
  assert.equal((await call('POST', routePath('remediationSetLevel'), { runbookId: 'nope', level: 'observe' })).status, 400);

  // Settings from the UI: checked like the file, in force at once, written, audited with what they replaced.
  const settings = await call('POST', routePath('remediationSetSettings'), { blastRadius: { maxRunsPerHourPerHost: 12 }, requireDryRun: 'per-host', maintenanceMode: 'never-inside', operator: 'alice' });
  assert.equal(settings.status, 200, JSON.stringify(settings.json));
  const after = settings.json as RouteResponses['remediationSetSettings'];
  assert.deepEqual([after.blastRadius, after.requireDryRun, after.maintenanceMode], [{ maxConcurrentHosts: 3, maxRunsPerHourPerRunbook: 10, maxRunsPerHourPerHost: 12 }, 'per-host', 'never-inside']);
  const file = JSON.parse(fs.readFileSync(path.join(home, 'remediation-policy.json'), 'utf8'));
  assert.deepEqual([file.blastRadius.maxRunsPerHourPerHost, file.requireDryRun, file.maintenance.mode, file.levels.length], [12, 'per-host', 'never-inside', 1], 'the levels set before are kept');
  const last = ((await call('GET', `${routePath('audit')}?limit=1`)).json as RouteResponses['audit']).records[0];
  assert.deepEqual(last?.payload, { settings: { blastRadius: { maxRunsPerHourPerHost: 12 }, requireDryRun: 'per-host', maintenanceMode: 'never-inside' }, previous: { requireDryRun: true, blastRadius: { maxConcurrentHosts: 3, maxRunsPerHourPerRunbook: 10, maxRunsPerHourPerHost: 6 }, maintenanceMode: 'off' } });
  for (const [body, re] of [
    [{ blastRadius: { maxConcurrentHosts: -1 } }, /settings: blastRadius\.maxConcurrentHosts: must be an integer from 0 to 100000, got -1/],
    [{ blastRadius: { maxHosts: 2 } }, /settings: blastRadius\.maxHosts: unknown field/],
    [{ maintenanceMode: 'sometimes' }, /maintenance\.mode: must be off, only-inside or never-inside, got "sometimes"/],
    [{ requireDryRun: 'yes' }, /requireDryRun: must be true, false or "per-host", got "yes"/],
    [{ groups: {} }, /unknown setting "groups"; settings are defaultLevel, requireDryRun, blastRadius, maintenanceMode \(groups and windows are edited in the policy file\)/],
  ] as const) {
    const bad = await call('POST', routePath('remediationSetSettings'), body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.match((bad.json as { error: { message: string } }).error.message, re);
  }
  assert.equal(JSON.parse(fs.readFileSync(path.join(home, 'remediation-policy.json'), 'utf8')).blastRadius.maxRunsPerHourPerHost, 12, 'a refused change writes nothing');
});
