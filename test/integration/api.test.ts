/**
 * The console's local API: refused without the session token or from another origin; queries validate
 * their parameters; the live channel pushes host documents and samples as they arrive (no polling).
 */
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { LIVE_PATH, LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, routePath, type LiveEvent } from '@cerebro/shared/api/contract';
import { createTokenFile, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';

test('the local API guards, validates and streams', async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const tokenFile = createTokenFile(home, home);
  const hostId = `it-api-${process.pid}`;
  await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), hostId, intervalMs: 250 });
  await waitFor('the host', async () => (await con.api('hosts')).some((h) => h.id === hostId), 10_000);
  const hostsUrl = new URL(routePath('hosts'), con.info.apiUrl);

  await t.test('no token, a wrong token, and another origin are refused', async () => {
    const none = await fetch(hostsUrl);
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as { error: { message: string } }).error.message, /no session token/);
    const wrong = await fetch(hostsUrl, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const cross = await fetch(hostsUrl, { headers: { authorization: `Bearer ${con.info.apiToken}`, origin: 'http://evil.example' } });
    assert.equal(cross.status, 403);
    assert.match(((await cross.json()) as { error: { code: string } }).error.code, /FORBIDDEN_ORIGIN/);
    const same = await fetch(hostsUrl, { headers: { authorization: `Bearer ${con.info.apiToken}`, origin: con.info.apiUrl } });
    assert.equal(same.status, 200);
  });

  await t.test('bad parameters are explained', async () => {
    const auth = { authorization: `Bearer ${con.info.apiToken}` };
    const q = new URL(routePath('query', hostId), con.info.apiUrl);
    let res = await fetch(q, { headers: auth });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /parameter \\"key\\" is required/);
    q.searchParams.set('key', 'cpu.util_pct');
    q.searchParams.set('from', 'yesterday');
    res = await fetch(q, { headers: auth });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /"from\\" must be a number/);
    res = await fetch(new URL(routePath('host', 'no-such-host'), con.info.apiUrl), { headers: auth });
    assert.equal(res.status, 404);
  });

  await t.test('the live channel needs the token and pushes hosts and samples', async () => {
    const liveUrl = con.info.apiUrl.replace('http', 'ws') + LIVE_PATH;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(liveUrl, [LIVE_SUBPROTOCOL]);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    assert.equal(refused, 401);

    const ws = new WebSocket(liveUrl, [LIVE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + con.info.apiToken]);
    t.after(() => ws.terminate());
    const events: LiveEvent[] = [];
    ws.on('message', (d) => events.push(JSON.parse(d.toString()) as LiveEvent));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'h', topic: 'hosts' }));
    ws.send(JSON.stringify({ op: 'subscribe', id: 's', topic: 'samples', hostId, keys: ['cpu.util_pct', 'load.1'] }));
    await waitFor('a host event', () => events.some((e) => e.type === 'host' && e.host.id === hostId), 5_000);
    const samples = await waitFor('3 sample events', () => {
      const s = events.filter((e) => e.type === 'samples' && e.sub === 's');
      return s.length >= 3 ? s : null;
    }, 5_000);
    for (const e of samples) {
      assert.ok(e.type === 'samples');
      assert.ok(e.keys.every((k) => k === 'cpu.util_pct' || k === 'load.1'), 'only the subscribed keys');
    }
    ws.send('not json');
    await waitFor('an error for a malformed request', () => events.some((e) => e.type === 'error' && /live request refused/.test(e.message)), 5_000);
    ws.send(JSON.stringify({ op: 'unsubscribe', id: 's' }));
    await new Promise((r) => setTimeout(r, 300));
    const count = events.filter((e) => e.type === 'samples').length;
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(events.filter((e) => e.type === 'samples').length, count, 'no samples after unsubscribe');
  });
});
