/**
 * The IPC transport over an in-memory fake of `window.cerebro` (the preload API): requests and their
 * errors, subscriptions routed by id, and every subscription re-sent when main reports the live channel
 * (re)opened, as the browser transport does after a reconnect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveEvent, LiveRequest } from '@cerebro/shared/api/contract';
import type { IpcResult, LiveConnection } from '@cerebro/shared/api/ipc';
import type { CerebroApi } from '../../preload/api';
import { IpcTransport } from './ipc';
import { TransportError, type ConnectionInfo, type LiveMessage } from './transport';

function fakeApi(answer: IpcResult<unknown> = { ok: true, value: [] }) {
  const sent: LiveRequest[] = [];
  const requests: unknown[] = [];
  let onEvent: ((e: LiveEvent) => void) | null = null;
  let onState: ((s: LiveConnection) => void) | null = null;
  const api = {
    request: async (name: string, params: object = {}) => {
      requests.push({ name, ...params });
      return answer;
    },
    live: {
      open: async () => ({ state: 'connecting', reason: null, retryAtMs: null }) satisfies LiveConnection,
      send: (r: LiveRequest) => void sent.push(r),
      onEvent: (cb: (e: LiveEvent) => void) => {
        onEvent = cb;
        return () => void (onEvent = null);
      },
      onState: (cb: (s: LiveConnection) => void) => {
        onState = cb;
        return () => void (onState = null);
      },
    },
  } as unknown as CerebroApi;
  return {
    api,
    sent,
    requests,
    event: (e: LiveEvent) => onEvent?.(e),
    state: (s: LiveConnection) => onState?.(s),
    attached: () => onEvent !== null && onState !== null,
  };
}

test('requests go through the API; errors become TransportError with the code', async () => {
  const ok = fakeApi({ ok: true, value: [{ id: 'h' }] });
  const t = new IpcTransport(ok.api);
  assert.deepEqual(await t.request('host', { hostId: 'h' }), [{ id: 'h' }]);
  assert.deepEqual(ok.requests, [{ name: 'host', hostId: 'h' }]);

  const down = new IpcTransport(fakeApi({ ok: false, error: { code: 'NETWORK', message: 'core stopped' } }).api);
  await assert.rejects(down.request('hosts'), (e: unknown) => e instanceof TransportError && e.code === 'NETWORK' && e.message === 'core stopped');
  const bad = new IpcTransport(fakeApi({ ok: false, error: { code: 'BAD_MESSAGE', message: 'no' } }).api);
  await assert.rejects(bad.request('hosts'), (e: unknown) => e instanceof TransportError && e.code === 'BAD_REQUEST');
});

test('subscriptions get their own events and are re-sent each time the channel opens', async () => {
  const f = fakeApi();
  const t = new IpcTransport(f.api);
  const states: ConnectionInfo[] = [];
  t.onConnection((s) => states.push(s));
  const hosts: LiveMessage[] = [];
  const samples: LiveMessage[] = [];
  const offHosts = t.subscribe({ topic: 'hosts' }, (e) => hosts.push(e));
  t.subscribe({ topic: 'samples', hostId: 'h', keys: ['cpu.util_pct'] }, (e) => samples.push(e));
  assert.deepEqual(f.sent, [
    { op: 'subscribe', id: '1', topic: 'hosts' },
    { op: 'subscribe', id: '2', topic: 'samples', hostId: 'h', keys: ['cpu.util_pct'] },
  ]);

  f.sent.length = 0;
  f.state({ state: 'open', reason: null, retryAtMs: null });
  assert.equal(f.sent.length, 2, 'opened: both re-sent');
  f.state({ state: 'open', reason: null, retryAtMs: null });
  assert.equal(f.sent.length, 2, 'already open: nothing re-sent');
  f.state({ state: 'offline', reason: 'core restarting', retryAtMs: 1 });
  f.state({ state: 'open', reason: null, retryAtMs: null });
  assert.equal(f.sent.length, 4, 'reopened: re-sent again');
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(states.map((s) => s.state), ['connecting', 'open', 'open', 'offline', 'open'], "open()'s late answer does not override a pushed state");

  f.event({ type: 'samples', sub: '2', hostId: 'h', ts: 1, keys: ['cpu.util_pct'], values: [5] });
  f.event({ type: 'error', sub: '1', message: 'x' });
  assert.equal(samples.length, 1);
  assert.equal(hosts.length, 1);

  offHosts();
  assert.deepEqual(f.sent.at(-1), { op: 'unsubscribe', id: '1' });
  t.close();
  assert.equal(f.attached(), false, 'close detaches from the API');
});

test('alert actions go to main with the alert id and body; the alerts topic subscribes like the others', async () => {
  const f = fakeApi({ ok: true, value: { id: 'a1' } });
  const t = new IpcTransport(f.api);
  assert.deepEqual(await t.act('snoozeAlert', 'a1', { minutes: 60 }), { id: 'a1' });
  assert.deepEqual(f.requests, [{ name: 'snoozeAlert', hostId: 'a1', body: { minutes: 60 } }]);
  const got: LiveMessage[] = [];
  t.subscribe({ topic: 'alerts' }, (e) => got.push(e));
  assert.deepEqual(f.sent, [{ op: 'subscribe', id: '1', topic: 'alerts' }]);
  f.event({ type: 'alerts', sub: '1', changes: [] });
  f.event({ type: 'pong', id: 'x' });
  assert.equal(got.length, 1, 'a pong belongs to no subscription');
});

test('remediation POSTs go to main with the route id (when the route has one) and the body', async () => {
  const f = fakeApi({ ok: true, value: { killSwitch: true, running: 0 } });
  const t = new IpcTransport(f.api);
  await t.post('runbookDryRun', 'cpu-hog-renice', { hostId: 'h1', params: { pid: 4242 }, operator: 'alice' });
  await t.post('killSwitch', undefined, { on: true });
  assert.deepEqual(f.requests, [
    { name: 'runbookDryRun', hostId: 'cpu-hog-renice', body: { hostId: 'h1', params: { pid: 4242 }, operator: 'alice' } },
    { name: 'killSwitch', body: { on: true } },
  ]);
});
