/**
 * Notifications in a real console process: a simulated collector's never-seen error line raises a log
 * alert and so an incident, and the webhook receiver (a real HTTP server on loopback) gets exactly one
 * "opened" call for it; GET /notifications and `cerebro-console notifications` show the delivery, POST
 * /notifications/test sends through a channel, and a bad notifications.json stops `serve` naming the field.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { routePath, type RouteResponses } from '@cerebro/shared/api/contract';
import { createTokenFile, ROOT, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import { LogCollector } from '../helpers/log-collector';

const HOST = 'it-notify-host';

function cli(home: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs'), ...args], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8', timeout: 60_000 });
}

test('an incident from a real console produces exactly one "opened" webhook call, visible in the history', { timeout: 90_000 }, async (t) => {
  const calls: Array<{ path: string; text: string }> = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', text: (JSON.parse(b) as { text: string }).text });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const home = tempDir(t);
  fs.writeFileSync(
    path.join(home, 'notifications.json'),
    JSON.stringify({ consoleUrl: 'http://console.test:7071/', events: { resolved: false, waitForCausesMs: 2000 }, channels: [{ id: 'mm', type: 'webhook', url: `${url}/hooks/ops` }], routes: [{ minSeverity: 'warning', channels: ['mm'] }] }),
  );
  const con = await startConsole(t, home, {}, ['--log-learning-minutes', '0']);
  const before = await con.api('notifications');
  assert.equal(before.configured, true);
  assert.deepEqual(before.channels, [{ id: 'mm', type: 'webhook' }]);

  const token = fs.readFileSync(createTokenFile(home, home), 'utf8').trim();
  const collector = new LogCollector(HOST, token);
  t.after(() => collector.close());
  await collector.connect(con.info.ingestUrl);
  const now = Date.now();
  await collector.send(1, [{ ts: now - 2000, src: 'journal', level: 'info', msg: 'checkout served order 17 in 12 ms' }]);
  await collector.send(2, [{ ts: now - 1000, src: 'journal', level: 'error', msg: 'checkout: connection to postgres refused (pool exhausted, 64 of 64 in use)', unit: 'checkout.service', pid: 812 }]);
  const incident = await waitFor('an incident with the log alert', async () => (await con.api('incidents')).incidents.find((i) => i.alerts.some((a) => a.hostId === HOST)), 20_000, 250);
  await waitFor('the webhook call', () => calls.length > 0, 15_000, 100);
  // More alerts and cause rankings update the incident; none of that may notify "opened" again.
  await new Promise((r) => setTimeout(r, 3000));
  const opened = calls.filter((c) => c.text.includes('Incident opened'));
  assert.equal(opened.length, 1, JSON.stringify(calls));
  assert.equal(calls.length, 1, JSON.stringify(calls));
  assert.equal(opened[0]!.path, '/hooks/ops');
  assert.match(opened[0]!.text, /Hosts: it-notify-host/);
  // A simulated host sends no process table, so its causes are never ranked: sent once the wait is over.
  assert.match(opened[0]!.text, /Top cause: (not ranked yet|\S.* on it-notify-host — \S)/);
  assert.ok(opened[0]!.text.includes(`http://console.test:7071/#/incidents/${encodeURIComponent(incident.id)}`));

  const view = await con.api('notifications');
  assert.deepEqual(view.records.map((r) => [r.incidentId, r.event, r.channelId, r.status, r.attempt]), [[incident.id, 'opened', 'mm', 'sent', 1]]);
  const printed = cli(home, ['notifications']);
  assert.equal(printed.status, 0, printed.stderr);
  assert.match(printed.stdout, /channels: mm \(webhook\)/);
  assert.match(printed.stdout, new RegExp(`sent\\s+opened\\s+mm \\(webhook\\).*${incident.id}`));
  const json = JSON.parse(cli(home, ['notifications', '--json']).stdout) as RouteResponses['notifications'];
  assert.equal(json.records[0]!.incidentId, incident.id);

  const res = await fetch(new URL(routePath('notificationTest'), con.info.apiUrl), { method: 'POST', headers: { authorization: `Bearer ${con.info.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'mm' }) });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as RouteResponses['notificationTest']).status, 'sent');
  assert.match(calls.at(-1)!.text, /Test notification/);
  const unknown = cli(home, ['notifications', 'test', 'nope']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no channel "nope" \(channels: mm\)/);
});

test('a bad notifications.json stops serve with an error naming the field', { timeout: 60_000 }, (t) => {
  const home = tempDir(t);
  fs.writeFileSync(path.join(home, 'notifications.json'), JSON.stringify({ channels: [{ id: 'mm', type: 'webhook', url: 'http://x/' }], routes: [{ channels: ['pager'] }] }));
  const r = cli(home, ['serve', '--ingest-port', '0', '--api-port', '0', '--insecure-plaintext']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /notifications\.json: "routes\[0\]\.channels\[0\]" names no channel: "pager"/);
});
