import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpcRequest, parseLiveRequest } from './ipc';

test('alert actions cross IPC with the alert id and a small JSON body; GET routes take no body', () => {
  const ok = parseIpcRequest({ name: 'snoozeAlert', hostId: 'a-1', body: { minutes: 15 } });
  assert.deepEqual(ok, { ok: true, value: { name: 'snoozeAlert', hostId: 'a-1', body: { minutes: 15 } } });
  assert.deepEqual(parseIpcRequest({ name: 'noiseAlert', hostId: 'a-1' }), { ok: true, value: { name: 'noiseAlert', hostId: 'a-1' } });
  const refused = (raw: unknown): string => {
    const r = parseIpcRequest(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    return r.ok ? '' : r.error.message;
  };
  assert.match(refused({ name: 'ackAlert' }), /needs hostId/);
  assert.match(refused({ name: 'hosts', body: {} }), /only POST routes/);
  assert.match(refused({ name: 'ackAlert', hostId: 'a', body: [1] }), /body must be a JSON object/);
  assert.match(refused({ name: 'ackAlert', hostId: 'a', body: { by: 'x'.repeat(9000) } }), /body over 8192 characters/);
});

test('the live channel takes the alerts topic and pings', () => {
  assert.deepEqual(parseLiveRequest({ op: 'subscribe', id: '3', topic: 'alerts' }), { ok: true, value: { op: 'subscribe', id: '3', topic: 'alerts' } });
  assert.deepEqual(parseLiveRequest({ op: 'subscribe', id: '4', topic: 'incidents' }), { ok: true, value: { op: 'subscribe', id: '4', topic: 'incidents' } });
  assert.deepEqual(parseLiveRequest({ op: 'ping', id: 'hb1' }), { ok: true, value: { op: 'ping', id: 'hb1' } });
  assert.deepEqual(parseLiveRequest({ op: 'subscribe', id: '5', topic: 'models' }), { ok: true, value: { op: 'subscribe', id: '5', topic: 'models' } });
  assert.deepEqual(parseLiveRequest({ op: 'subscribe', id: '6', topic: 'diagnosis', incidentId: 'i1' }), { ok: true, value: { op: 'subscribe', id: '6', topic: 'diagnosis', incidentId: 'i1' } });
  const noId = parseLiveRequest({ op: 'subscribe', id: '7', topic: 'diagnosis', incidentId: 4 });
  assert.ok(!noId.ok && /incidentId must be a non-empty string/.test(noId.error.message));
  const r = parseLiveRequest({ op: 'subscribe', id: '3', topic: 'bogus' });
  assert.ok(!r.ok && /topic must be .*alerts/.test(r.error.message), JSON.stringify(r));
});
