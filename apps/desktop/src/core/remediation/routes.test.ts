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
});
