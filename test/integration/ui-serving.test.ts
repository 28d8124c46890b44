/**
 * Browser mode's server side: the API serves the built renderer at / with a strict CSP and no token
 * (the files hold none), keeps every API route behind the token, and answers the fleet route with each
 * host's figures and a 60-step history.
 */
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routePath } from '@cerebro/shared/api/contract';
import { createTokenFile, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import { rendererBuilt } from '../helpers/browser';

test('the console serves the UI and the fleet figures', async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  assert.match(con.info.uiUrl, /^http:\/\/127\.0\.0\.1:\d+\/#token=.+/);
  assert.equal(con.info.uiUrl, `${con.info.apiUrl}/#token=${con.info.apiToken}`);

  await t.test('static files need no token and carry the CSP', { skip: rendererBuilt() ? false : 'renderer not built (npm run build)' }, async () => {
    const res = await fetch(con.info.apiUrl + '/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'; connect-src 'self' ws:\/\/127\.0\.0\.1:\* ws:\/\/localhost:\*;.*script-src 'self'; frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.doesNotMatch(html, /https?:\/\//, 'the page loads nothing by absolute URL');
    const traversal = await fetch(con.info.apiUrl + '/..%2f..%2fpackage.json');
    assert.equal(traversal.status, 404);
  });

  await t.test('the API still needs the token', async () => {
    assert.equal((await fetch(new URL(routePath('fleet'), con.info.apiUrl))).status, 401);
  });

  await t.test('the fleet route gives latest figures and a short history', async () => {
    const tokenFile = createTokenFile(home, home);
    const hostId = `it-fleet-${process.pid}`;
    await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), hostId, intervalMs: 250 });
    const row = await waitFor('fleet figures of the host', async () => {
      const f = await con.api('fleet');
      const h = f.hosts.find((x) => x.id === hostId);
      return h && h.cpuPct !== null && h.memPct !== null && h.diskPct !== null ? { f, h } : null;
    }, 15_000, 300);
    assert.equal(row.f.steps, 60);
    assert.equal(row.f.stepMs, 10_000);
    assert.equal(row.h.status, 'live');
    for (const k of ['cpu', 'mem', 'disk', 'net'] as const) assert.equal(row.h.history[k].length, 60, `${k} history has 60 steps`);
    assert.ok(row.h.history.cpu.some((v) => v !== null), 'the newest step holds CPU samples');
    assert.ok(row.h.cpuPct! >= 0 && row.h.cpuPct! <= 100);
    assert.ok(row.h.memPct! > 0 && row.h.memPct! <= 100);
  });
});
