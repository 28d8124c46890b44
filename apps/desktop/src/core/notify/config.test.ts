/** notifications.json: defaults, and errors that name the field at fault; weekly windows in UTC. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadNotifyConfig, NotifyConfigError, parseNotifyConfig } from './config';
import { inWindow, routeChannels } from './routing';

const hook = { id: 'mm', type: 'webhook', url: 'https://chat.example/hooks/x' };

test('an absent file means no notifications; a valid one gets its defaults', (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-notify-cfg-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  assert.equal(loadNotifyConfig(home), null);
  fs.writeFileSync(path.join(home, 'notifications.json'), JSON.stringify({ channels: [hook, { id: 'mail', type: 'smtp', host: 'smtp.example', from: 'c@example.com', to: ['ops@example.com'] }], routes: [{ channels: ['mm'] }, { minSeverity: 'critical', channels: ['mail'] }] }));
  const c = loadNotifyConfig(home)!;
  assert.deepEqual(c.events, { opened: true, escalated: true, resolved: true, waitForCausesMs: 15_000 });
  assert.deepEqual(c.retry, { attempts: 5, baseMs: 2000, maxMs: 300_000 });
  assert.equal(c.channels[1]!.type === 'smtp' && c.channels[1]!.port, 25);
  assert.deepEqual(routeChannels(c, 'warning', ['web-01']), ['mm']);
  assert.deepEqual(routeChannels(c, 'critical', ['web-01']), ['mm', 'mail']);
  fs.writeFileSync(path.join(home, 'notifications.json'), '{"channels": [');
  assert.throws(() => loadNotifyConfig(home), (e: Error) => e instanceof NotifyConfigError && e.message.includes('notifications.json is not valid JSON'));
});

test('config errors name the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ channels: [{ ...hook, url: 'ftp://x' }] }, /"channels\[0\]\.url" must be an http:\/\/ or https:\/\/ URL/],
    [{ channels: [{ id: 'x', type: 'pager' }] }, /"channels\[0\]\.type" must be one of "webhook", "smtp", "syslog"/],
    [{ channels: [hook, { id: 'mm', type: 'syslog', host: 'h' }] }, /"channels\[1\]\.id" "mm" is used twice/],
    [{ channels: [{ id: 's', type: 'syslog', host: 'h', port: 70000 }] }, /"channels\[0\]\.port" must be an integer from 1 to 65535/],
    [{ channels: [{ id: 'm', type: 'smtp', host: 'h', from: 'c@example.com', to: ['ops'] }] }, /"channels\[0\]\.to\[0\]" must be a plain address/],
    [{ channels: [{ id: 'm', type: 'smtp', host: 'h', from: 'c@example.com', to: ['o@example.com'], user: 'u' }] }, /"channels\[0\]\.password" is needed/],
    [{ channels: [hook], routes: [{ channels: ['mm', 'nope'] }] }, /"routes\[0\]\.channels\[1\]" names no channel: "nope" \(channels: mm\)/],
    [{ channels: [hook], routes: [{ minSeverity: 'info', channels: ['mm'] }] }, /"routes\[0\]\.minSeverity" must be one of "warning", "critical"/],
    [{ silences: [{ id: 's', until: 'tomorrow' }] }, /"silences\[0\]\.until" must be an ISO 8601 time/],
    [{ maintenance: [{ id: 'w', weekly: { days: ['sat'], start: '25:00', end: '02:00' } }] }, /"maintenance\[0\]\.weekly\.start" must be a UTC time "HH:MM"/],
    [{ maintenance: [{ id: 'w', weekly: { days: ['someday'], start: '22:00', end: '02:00' } }] }, /"maintenance\[0\]\.weekly\.days\[0\]" must be a weekday/],
    [{ maintenance: [{ id: 'w', from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }] }, /"maintenance\[0\]\.to" must be after "from"/],
    [{ retry: { attempts: 0 } }, /"retry\.attempts" must be an integer from 1 to 20/],
    [{ chanels: [] }, /"chanels" is not a known field/],
    [[], /"\(root\)" must be an object/],
  ];
  for (const [raw, re] of cases) assert.throws(() => parseNotifyConfig(raw), (e: Error) => e instanceof NotifyConfigError && re.test(e.message), `${JSON.stringify(raw)} → ${re}`);
});

test('a weekly window that ends past midnight covers the early hours of the next day, in UTC', () => {
  const w = parseNotifyConfig({ maintenance: [{ id: 'w', weekly: { days: ['sat'], start: '22:00', end: '02:00' } }] }).maintenance[0]!;
  assert.equal(inWindow(w, Date.parse('2026-03-07T21:59:00Z')), false); // Saturday
  assert.equal(inWindow(w, Date.parse('2026-03-07T22:00:00Z')), true);
  assert.equal(inWindow(w, Date.parse('2026-03-08T01:59:00Z')), true); // Sunday early
  assert.equal(inWindow(w, Date.parse('2026-03-08T02:00:00Z')), false);
  assert.equal(inWindow(w, Date.parse('2026-03-08T23:00:00Z')), false); // Sunday evening
});
