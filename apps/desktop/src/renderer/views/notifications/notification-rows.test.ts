import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationRecord } from '@cerebro/shared/api/contract';
import { parseRoute, routeHash } from '../../lib/route';
import { notificationRows } from './notification-rows';

const base: NotificationRecord = { id: 'n1', atMs: 1, incidentId: 'inc-1', event: 'opened', severity: 'critical', title: 'cpu.util_pct on web-01', channelId: 'ops', channelType: 'webhook', status: 'sent', attempt: 1 };

test('each outcome reads as what happened and what comes next', () => {
  const rows = notificationRows(
    [
      base,
      { ...base, id: 'n2', status: 'sent', attempt: 3 },
      { ...base, id: 'n3', status: 'failed', attempt: 1, error: 'connect ECONNREFUSED 127.0.0.1:9', retryInMs: 30_000 },
      { ...base, id: 'n4', status: 'gave-up', attempt: 5, error: 'HTTP 500' },
      { ...base, id: 'n5', status: 'suppressed', attempt: 0, suppressedBy: { kind: 'maintenance', id: 'db-upgrade' } },
      { ...base, id: 'n6', incidentId: '', event: 'test', status: 'failed', attempt: 1, error: 'timeout' },
      { ...base, id: 'n7', incidentId: 'inc-2' },
    ],
    null,
  );
  assert.deepEqual(
    rows.map((r) => r.outcome),
    ['sent', 'sent (attempt 3)', 'failed: connect ECONNREFUSED 127.0.0.1:9; retry in 30 s', 'gave up after attempt 5: HTTP 500', 'suppressed by maintenance db-upgrade', 'failed: timeout; no retry', 'sent'],
  );
  assert.equal(rows[5]!.title, 'Test message');
  assert.equal(rows[0]!.channel, 'ops (webhook)');
  assert.deepEqual(notificationRows([base, { ...base, id: 'n7', incidentId: 'inc-2' }], 'inc-2').map((r) => r.id), ['n7'], 'one incident\'s deliveries');
});

test('#/notifications and #/notifications?incident=ID round-trip through the router', () => {
  assert.deepEqual(parseRoute('#/notifications'), { name: 'notifications' });
  assert.deepEqual(parseRoute('#/notifications?incident=inc-1%2F2'), { name: 'notifications', incident: 'inc-1/2' });
  assert.equal(routeHash({ name: 'notifications', incident: 'inc-1/2' }), '#/notifications?incident=inc-1%2F2');
  assert.equal(routeHash(parseRoute('#/notifications')), '#/notifications');
});
