/**
 * The notifier against a real webhook receiver on loopback: routing by severity and host, one delivery
 * per incident and event, escalation and resolution, retry with backoff after a 500, giving up after the
 * allowed attempts, and silences and maintenance windows recorded as suppressions.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { NotificationRecord } from '@cerebro/shared/api/contract';
import { NotificationHistory } from './history';
import { Notifier } from './notifier';
import { config, incident } from './test-fixtures';

interface Receiver {
  readonly url: string;
  readonly calls: Array<{ path: string; text: string }>;
  /** Status codes answered in turn; 200 once used up. */
  readonly statuses: number[];
}

async function receiver(t: TestContext): Promise<Receiver> {
  const r: { url: string; calls: Receiver['calls']; statuses: number[] } = { url: '', calls: [], statuses: [] };
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      r.calls.push({ path: req.url ?? '', text: (JSON.parse(b) as { text: string }).text });
      res.writeHead(r.statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.after(() => server.close());
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

function notifier(t: TestContext, raw: Record<string, unknown>, now?: () => number): { n: Notifier; home: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-notify-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const n = new Notifier({ config: config(raw), history: new NotificationHistory(path.join(home, 'notifications.jsonl')), hostName: (id) => (id === 'h-web-01' ? 'web-01' : id), log: () => undefined, ...(now ? { now } : {}) });
  t.after(() => n.close());
  return { n, home };
}

const records = (n: Notifier): NotificationRecord[] => [...n.view(1000).records].reverse();

test('routes by severity and host; one notification per incident and event; escalation and resolution notify', async (t) => {
  const rx = await receiver(t);
  const { n } = notifier(t, {
    channels: [
      { id: 'all', type: 'webhook', url: `${rx.url}/all` },
      { id: 'pager', type: 'webhook', url: `${rx.url}/pager` },
      { id: 'db', type: 'webhook', url: `${rx.url}/db` },
    ],
    routes: [
      { minSeverity: 'warning', channels: ['all'] },
      { minSeverity: 'critical', channels: ['pager'] },
      { hosts: ['db-*'], channels: ['db'] },
    ],
  });
  const warn = incident('inc-1', 'warning');
  n.observe('opened', warn);
  n.observe('opened', warn); // the same event again: no second delivery
  n.observe('updated', warn); // no severity change: nothing
  await n.settle();
  assert.deepEqual(rx.calls.map((c) => c.path), ['/all']);
  assert.match(rx.calls[0]!.text, /^\[WARNING\] Incident opened/);

  n.observe('updated', { ...warn, severity: 'critical' });
  await n.settle();
  assert.deepEqual(rx.calls.map((c) => c.path).sort(), ['/all', '/all', '/pager']);
  assert.match(rx.calls.at(-1)!.text, /^\[CRITICAL\] Incident escalated/);
  n.observe('updated', { ...warn, severity: 'critical' });

  n.observe('resolved', { ...warn, severity: 'critical', state: 'resolved', resolvedMs: Date.parse('2026-03-02T10:40:00Z') });
  n.observe('resolved', { ...warn, severity: 'critical', state: 'resolved', resolvedMs: Date.parse('2026-03-02T10:40:00Z') });
  await n.settle();
  const resolved = rx.calls.filter((c) => c.text.startsWith('[RESOLVED] Incident resolved'));
  assert.deepEqual(resolved.map((c) => c.path).sort(), ['/all', '/pager']);
  assert.match(resolved[0]!.text, /Resolved: 2026-03-02 10:40:00 UTC/);

  n.observe('opened', incident('inc-db', 'warning', { hostIds: ['db-01'] }));
  await n.settle();
  assert.deepEqual(rx.calls.slice(-2).map((c) => c.path).sort(), ['/all', '/db']);
  assert.equal(rx.calls.length, 7);
  assert.ok(records(n).every((r) => r.status === 'sent' && r.attempt === 1));
});

test('a 500 is retried with exponential backoff, then sent; a dead endpoint is given up after N attempts', async (t) => {
  const rx = await receiver(t);
  rx.statuses.push(500, 500);
  const { n, home } = notifier(t, { retry: { attempts: 3, baseMs: 50, maxMs: 1000 }, channels: [{ id: 'mm', type: 'webhook', url: `${rx.url}/hook` }], routes: [{ channels: ['mm'] }] });
  const t0 = Date.now();
  n.observe('opened', incident('inc-2', 'critical'));
  assert.equal(n.view(10).pending, 1);
  await n.settle();
  assert.ok(Date.now() - t0 >= 145, 'waited 50 + 100 ms between attempts');
  assert.equal(rx.calls.length, 3);
  assert.deepEqual(records(n).map((r) => [r.status, r.attempt, r.retryInMs, r.error]), [
    ['failed', 1, 50, `webhook 127.0.0.1:${new URL(rx.url).port} answered HTTP 500`],
    ['failed', 2, 100, `webhook 127.0.0.1:${new URL(rx.url).port} answered HTTP 500`],
    ['sent', 3, undefined, undefined],
  ]);

  rx.statuses.push(503, 503, 503);
  n.observe('opened', incident('inc-3', 'critical'));
  await n.settle();
  const last = records(n).slice(-3);
  assert.deepEqual(last.map((r) => [r.incidentId, r.status, r.attempt]), [['inc-3', 'failed', 1], ['inc-3', 'failed', 2], ['inc-3', 'gave-up', 3]]);
  assert.match(last[2]!.error!, /HTTP 503/);
  // The history is on disk and bounded; a restarted notifier does not notify the same events again.
  const lines = fs.readFileSync(path.join(home, 'notifications.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 6);
  const again = new Notifier({ config: config({ channels: [{ id: 'mm', type: 'webhook', url: `${rx.url}/hook` }], routes: [{ channels: ['mm'] }] }), history: new NotificationHistory(path.join(home, 'notifications.jsonl')), hostName: (id) => id, log: () => undefined });
  again.observe('opened', incident('inc-2', 'critical'));
  await again.settle();
  assert.equal(rx.calls.length, 6);
});

test('a silence and a maintenance window suppress, and the suppression is recorded', async (t) => {
  const rx = await receiver(t);
  const now = Date.parse('2026-03-07T23:30:00Z'); // a Saturday, 23:30 UTC
  const { n } = notifier(
    t,
    {
      events: { waitForCausesMs: 0 },
      channels: [{ id: 'mm', type: 'webhook', url: `${rx.url}/hook` }],
      routes: [{ channels: ['mm'] }],
      silences: [
        { id: 'pg-known', cause: 'POSTGRES', until: '2026-03-08T00:00:00Z' },
        { id: 'expired', hosts: ['*'], until: '2026-03-01T00:00:00Z' },
      ],
      maintenance: [
        { id: 'sat-night', hosts: ['batch-*'], weekly: { days: ['sat'], start: '22:00', end: '02:00' } },
        { id: 'migration', hosts: ['mail-01'], from: '2026-03-07T23:00:00Z', to: '2026-03-08T01:00:00Z' },
      ],
    },
    () => now,
  );
  n.observe('opened', incident('inc-pg', 'critical'));
  n.observe('opened', incident('inc-batch', 'warning', { hostIds: ['batch-07'], causes: [] }));
  n.observe('opened', incident('inc-mail', 'warning', { hostIds: ['mail-01'], causes: [] }));
  n.observe('opened', incident('inc-other', 'warning', { hostIds: ['web-09'], causes: [] }));
  await n.settle();
  assert.deepEqual(
    records(n).map((r) => [r.incidentId, r.status, r.suppressedBy?.id]),
    [
      ['inc-pg', 'suppressed', 'pg-known'],
      ['inc-batch', 'suppressed', 'sat-night'],
      ['inc-mail', 'suppressed', 'migration'],
      ['inc-other', 'sent', undefined],
    ],
  );
  assert.equal(records(n)[1]!.suppressedBy?.kind, 'maintenance');
  assert.equal(rx.calls.length, 1);
});

test('events can be turned off; the test route sends once and records a failure without retrying', async (t) => {
  const rx = await receiver(t);
  const { n } = notifier(t, { events: { resolved: false }, channels: [{ id: 'mm', type: 'webhook', url: `${rx.url}/hook` }, { id: 'dead', type: 'webhook', url: 'http://127.0.0.1:1/', timeoutMs: 500 }], routes: [{ channels: ['mm'] }] });
  n.observe('opened', incident('inc-4', 'warning'));
  n.observe('resolved', { ...incident('inc-4', 'warning'), state: 'resolved', resolvedMs: Date.now() });
  await n.settle();
  assert.equal(rx.calls.length, 1);
  const ok = await n.test('mm');
  assert.equal(ok.status, 'sent');
  assert.match(rx.calls[1]!.text, /^\[WARNING\] Test notification/);
  const bad = await n.test('dead');
  assert.equal(bad.status, 'failed');
  assert.match(bad.error!, /ECONNREFUSED/);
  await assert.rejects(n.test('nope'), /no channel "nope" \(channels: mm, dead\)/);
});

test('"opened" waits for the first cause ranking (at most waitForCausesMs) so that it names the top cause', async (t) => {
  const rx = await receiver(t);
  const { n } = notifier(t, { events: { waitForCausesMs: 300 }, channels: [{ id: 'mm', type: 'webhook', url: `${rx.url}/hook` }], routes: [{ channels: ['mm'] }] });
  const ranked = incident('inc-5', 'warning');
  n.observe('opened', { ...ranked, causes: [], causesMs: 0 });
  await n.settle();
  assert.equal(rx.calls.length, 0, 'held until the causes are ranked');
  n.observe('updated', { ...ranked, severity: 'critical' }); // ranked, and critical meanwhile: one "opened", no "escalated"
  await n.settle();
  assert.equal(rx.calls.length, 1);
  assert.match(rx.calls[0]!.text, /^\[CRITICAL\] Incident opened[^]*Top cause: postgres on web-01/);
  n.observe('updated', { ...ranked, severity: 'critical' });
  await n.settle();
  assert.equal(rx.calls.length, 1);

  // Never ranked: it goes out when the wait is over, saying so.
  n.observe('opened', incident('inc-6', 'warning', { causes: [], causesMs: 0 }));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(rx.calls.length, 1);
  await new Promise((r) => setTimeout(r, 400));
  await n.settle();
  assert.equal(rx.calls.length, 2);
  assert.match(rx.calls[1]!.text, /Top cause: not ranked yet/);
});
