/**
 * The preload ↔ main IPC contract, without Electron (its binary cannot run on the build machines): the
 * preload API is built over a FAKE ipcRenderer that records channels, main's routing is registered on a
 * FAKE ipcMain and driven with FAKE events whose `senderFrame` imitates Electron's. It proves that every
 * channel the preload uses is allow-listed and handled by main, that main refuses any sender but the
 * app's top frame and any malformed message, and (against a real console process) that main's bridge
 * proxies requests and live events with the token the page never holds.
 */
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INVOKE_CHANNELS, PUSH_CHANNELS, SEND_CHANNELS, type LiveConnection, type TerminalIpcEvent } from '@cerebro/shared/api/ipc';
import type { LiveEvent } from '@cerebro/shared/api/contract';
import { createApi, type PreloadIpc } from '../../apps/desktop/src/preload/api';
import { registerIpc, type Handlers, type SenderEvent } from '../../apps/desktop/src/main/routing';
import { LiveBridge, TerminalBridge, proxyRequest } from '../../apps/desktop/src/main/bridge';
import { createTokenFile, localHostId, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** A fake ipcRenderer: records what the preload does with it. */
function fakeIpcRenderer() {
  const used = { invoke: new Set<string>(), send: new Set<string>(), on: new Set<string>() };
  const listeners = new Map<string, Set<Listener>>();
  const ipc: PreloadIpc = {
    async invoke(channel) {
      used.invoke.add(channel);
      return { ok: true, value: null };
    },
    send(channel) {
      used.send.add(channel);
    },
    on(channel, listener) {
      used.on.add(channel);
      (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel))?.add(listener);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  const push = (channel: string, payload: unknown): void => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'the ipcRenderer a page must never get' }, payload);
  };
  return { ipc, used, listeners, push };
}

/** A fake ipcMain: the handlers main registers, by channel. */
function fakeIpcMain() {
  const handle = new Map<string, (event: SenderEvent, ...args: unknown[]) => unknown>();
  const on = new Map<string, (event: SenderEvent, ...args: unknown[]) => void>();
  return {
    handle,
    on,
    ipcMain: {
      handle: (channel: string, listener: (event: SenderEvent, ...args: unknown[]) => unknown) => void handle.set(channel, listener),
      on: (channel: string, listener: (event: SenderEvent, ...args: unknown[]) => void) => void on.set(channel, listener),
    },
  };
}

/** A fake Electron event from a frame at `url` (top-level unless `parent`). */
const fromFrame = (url: string | null, parent: unknown = null): SenderEvent => ({ senderFrame: url === null ? null : { url, parent }, sender: { id: 7 } });
const APP = 'cerebro://app/index.html#/fleet';

function recordingHandlers() {
  const calls: string[] = [];
  const handlers: Handlers = {
    async request(req) {
      calls.push(`request ${req.name} ${req.hostId ?? ''}`.trim());
      return { ok: true, value: [] };
    },
    liveOpen(senderId) {
      calls.push(`liveOpen ${senderId}`);
      return { state: 'open', reason: null, retryAtMs: null } satisfies LiveConnection;
    },
    liveSend(senderId, req) {
      calls.push(`liveSend ${senderId} ${req.op}`);
    },
    async terminalOpen(senderId, sid) {
      calls.push(`terminalOpen ${senderId} ${sid}`);
      return { ok: true, value: null };
    },
    terminalSend(senderId, input) {
      calls.push(`terminalSend ${senderId} ${input.sid} ${'data' in input ? `${input.data.byteLength} bytes` : input.control.op}`);
    },
  };
  return { calls, handlers };
}

test('every channel the preload uses is allow-listed, and every allow-listed channel is used', async () => {
  const { ipc, used, push } = fakeIpcRenderer();
  const api = createApi(ipc);
  await api.request('hosts');
  await api.request('host', { hostId: 'h1' });
  await api.live.open();
  api.live.send({ op: 'subscribe', id: '1', topic: 'hosts' });
  const events: LiveEvent[] = [];
  const states: LiveConnection[] = [];
  const offEvent = api.live.onEvent((e) => events.push(e));
  const offState = api.live.onState((s) => states.push(s));
  await api.terminal.open('session-0001');
  api.terminal.send({ sid: 'session-0001', data: new Uint8Array([10]) });
  const offTerminal = api.terminal.onEvent(() => undefined);

  assert.deepEqual([...used.invoke].sort(), [...INVOKE_CHANNELS].sort(), 'invoke channels');
  assert.deepEqual([...used.send].sort(), [...SEND_CHANNELS].sort(), 'send channels');
  assert.deepEqual([...used.on].sort(), [...PUSH_CHANNELS].sort(), 'push channels');

  // The page gets the payload only, never Electron's event object (it would hold the sender).
  push('cerebro:live:event', { type: 'error', message: 'x' });
  push('cerebro:live:state', { state: 'open', reason: null, retryAtMs: null });
  assert.deepEqual(events, [{ type: 'error', message: 'x' }]);
  assert.equal(states.length, 1);
  offEvent();
  offState();
  offTerminal();
  push('cerebro:live:event', { type: 'error', message: 'y' });
  assert.equal(events.length, 1, 'unsubscribing removes the listener');
});

test('the exposed API is functions only: no ipcRenderer, no raw send/invoke', () => {
  const { ipc } = fakeIpcRenderer();
  const api = createApi(ipc);
  const walk = (obj: object, at: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      assert.notEqual(v, ipc, `${at}${k} must not be ipcRenderer`);
      assert.ok(!['invoke', 'sendSync', 'on', 'postMessage'].includes(k), `${at}${k} looks like a raw IPC primitive`);
      if (typeof v === 'object' && v !== null) walk(v, `${at}${k}.`);
      else assert.equal(typeof v, 'function', `${at}${k} is a function`);
    }
  };
  walk(api, 'cerebro.');
  assert.deepEqual(Object.keys(api).sort(), ['live', 'request', 'terminal']);
});

test('main handles exactly the allow-listed channels, each behind the sender check', async () => {
  const { handle, on, ipcMain } = fakeIpcMain();
  const { calls, handlers } = recordingHandlers();
  const dropped: string[] = [];
  registerIpc(ipcMain, handlers, (m) => dropped.push(m));
  assert.deepEqual([...handle.keys()].sort(), [...INVOKE_CHANNELS].sort());
  assert.deepEqual([...on.keys()].sort(), [...SEND_CHANNELS].sort());

  const request = handle.get('cerebro:api:request');
  const open = handle.get('cerebro:live:open');
  const send = on.get('cerebro:live:send');
  assert.ok(request && open && send);

  // The app's own top frame is served.
  assert.deepEqual(await request(fromFrame(APP), { name: 'hosts' }), { ok: true, value: [] });
  assert.deepEqual(await open(fromFrame(APP)), { state: 'open', reason: null, retryAtMs: null });
  send(fromFrame(APP), { op: 'subscribe', id: '1', topic: 'hosts' });
  assert.deepEqual(calls, ['request hosts', 'liveOpen 7', 'liveSend 7 subscribe']);

  // Anything else is refused before a handler runs: another origin, file:, another app host, a subframe
  // of the app, a frame that is gone.
  const strangers = [fromFrame('https://example.com/'), fromFrame('file:///etc/passwd'), fromFrame('cerebro://evil/index.html'), fromFrame('http://127.0.0.1:7071/'), fromFrame(APP, { url: APP }), fromFrame(null)];
  for (const event of strangers) {
    const r = (await request(event, { name: 'hosts' })) as { ok: boolean; error?: { code: string } };
    assert.equal(r.error?.code, 'FORBIDDEN_SENDER', `request from ${event.senderFrame?.url ?? 'a destroyed frame'} (parent: ${String(event.senderFrame?.parent ?? null)})`);
    assert.equal(((await open(event)) as { error?: { code: string } }).error?.code, 'FORBIDDEN_SENDER');
    send(event, { op: 'subscribe', id: '2', topic: 'hosts' });
  }
  assert.deepEqual(calls, ['request hosts', 'liveOpen 7', 'liveSend 7 subscribe'], 'no handler ran for a stranger');
  assert.equal(dropped.length, strangers.length, 'every refused send is logged');
});

test('main validates every message from the page', async () => {
  const { handle, on, ipcMain } = fakeIpcMain();
  const { calls, handlers } = recordingHandlers();
  registerIpc(ipcMain, handlers, () => undefined);
  const request = handle.get('cerebro:api:request');
  const send = on.get('cerebro:live:send');
  assert.ok(request && send);
  const bad: unknown[] = [undefined, 'hosts', { name: 'nope' }, { name: '__proto__' }, { name: 'host' }, { name: 'hosts', hostId: 'x' }, { name: 'query', hostId: 'h', query: { key: { nested: 1 } } }, { name: 'query', hostId: 'h', query: { from: Infinity } }];
  for (const arg of bad) {
    const r = (await request(fromFrame(APP), arg)) as { ok: boolean; error?: { code: string; message: string } };
    assert.equal(r.error?.code, 'BAD_MESSAGE', `refused: ${JSON.stringify(arg)}`);
  }
  for (const arg of [null, { op: 'subscribe', id: '1', topic: 'everything' }, { op: 'subscribe', id: '1', topic: 'samples' }, { op: 'drop', id: '1' }, { op: 'subscribe', topic: 'hosts' }]) send(fromFrame(APP), arg);
  assert.deepEqual(calls, [], 'no handler saw a malformed message');
  assert.deepEqual(await request(fromFrame(APP), { name: 'query', hostId: 'h', query: { key: 'cpu.util_pct', points: 10 } }), { ok: true, value: [] });
  assert.deepEqual(calls, ['request query h']);
});

test("main's bridge proxies the API and the live channel of a real console, holding the token itself", { timeout: 60_000 }, async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const endpoint = { apiUrl: con.info.apiUrl, apiToken: con.info.apiToken };

  const health = await proxyRequest(endpoint, { name: 'health' });
  assert.ok(health.ok && (health.value as { ok: boolean }).ok, JSON.stringify(health));
  const wrong = await proxyRequest({ ...endpoint, apiToken: 'not-the-token' }, { name: 'hosts' });
  assert.deepEqual(wrong.ok ? null : wrong.error.code, 'UNAUTHORIZED');
  const missing = await proxyRequest(endpoint, { name: 'host', hostId: 'no-such-host' });
  assert.deepEqual(missing.ok ? null : missing.error.code, 'NOT_FOUND');

  const events: LiveEvent[] = [];
  const states: string[] = [];
  const bridge = new LiveBridge(async () => endpoint, (e) => events.push(e), (s) => {
    states.push(s.state);
    if (s.state === 'open') bridge.send({ op: 'subscribe', id: 'h', topic: 'hosts' });
  });
  t.after(() => bridge.close());
  await waitFor('the live channel to open', () => bridge.state.state === 'open', 10_000);

  const tokenFile = createTokenFile(home, home);
  await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), intervalMs: 500 });
  const hostId = localHostId();
  await waitFor('a live host event for this host through the bridge', () => events.some((e) => e.type === 'host' && e.sub === 'h' && e.host.id === hostId), 20_000);
  const hosts = await proxyRequest(endpoint, { name: 'hosts' });
  assert.ok(hosts.ok && (hosts.value as { id: string }[]).some((h) => h.id === hostId));

  // A core that stops: the bridge reports offline with a reason and a retry time.
  await con.proc.stop('SIGTERM');
  await waitFor('the bridge to report the core gone', () => bridge.state.state === 'offline' && bridge.state.reason !== null && bridge.state.retryAtMs !== null, 15_000);
  assert.deepEqual(states.slice(0, 2), ['connecting', 'open']);
});

test('main validates terminal messages from the page; its terminal bridge reaches the core with the token it holds', { timeout: 60_000 }, async (t) => {
  const { handle, on, ipcMain } = fakeIpcMain();
  const { calls, handlers } = recordingHandlers();
  registerIpc(ipcMain, handlers, () => undefined);
  const open = handle.get('cerebro:terminal:open');
  const send = on.get('cerebro:terminal:send');
  assert.ok(open && send);
  for (const arg of [undefined, 'short', '../../etc/passwd', { sid: 'session-0001' }]) {
    assert.equal(((await open(fromFrame(APP), arg)) as { error?: { code: string } }).error?.code, 'BAD_MESSAGE', `refused: ${JSON.stringify(arg)}`);
  }
  for (const arg of [null, { sid: 'session-0001' }, { sid: 'x', data: new Uint8Array(1) }, { sid: 'session-0001', data: 'text' }, { sid: 'session-0001', data: new Uint8Array(40_000) }, { sid: 'session-0001', control: { op: 'resize', cols: 0, rows: 1 } }, { sid: 'session-0001', control: { op: 'rm' } }]) send(fromFrame(APP), arg);
  assert.deepEqual(calls, [], 'no handler saw a malformed terminal message');
  assert.equal(((await open(fromFrame('https://example.com/'), 'session-0001')) as { error?: { code: string } }).error?.code, 'FORBIDDEN_SENDER');
  await open(fromFrame(APP), 'session-0001');
  send(fromFrame(APP), { sid: 'session-0001', control: { op: 'resize', cols: 100, rows: 30 } });
  send(fromFrame(APP), { sid: 'session-0001', data: new Uint8Array([104, 105]) });
  assert.deepEqual(calls, ['terminalOpen 7 session-0001', 'terminalSend 7 session-0001 resize', 'terminalSend 7 session-0001 2 bytes']);

  const home = tempDir(t);
  const con = await startConsole(t, home);
  const events: TerminalIpcEvent[] = [];
  const bridge = new TerminalBridge(async () => ({ apiUrl: con.info.apiUrl, apiToken: con.info.apiToken }), (e) => events.push(e));
  t.after(() => bridge.close());
  assert.deepEqual(await bridge.open('nosuchsession'), { ok: true, value: null });
  await waitFor('the core to answer and close', () => events.some((e) => 'closed' in e), 10_000);
  assert.deepEqual(events[0], { sid: 'nosuchsession', event: { type: 'error', message: 'no terminal session "nosuchsession"' } });
  const refused = await new TerminalBridge(async () => ({ apiUrl: con.info.apiUrl, apiToken: 'wrong' }), () => undefined).open('nosuchsession');
  assert.equal(refused.ok ? null : refused.error.code, 'NETWORK');
});
