import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Actor, AuditKind } from '@cerebro/shared/api/contract';
import type { CommandResult, ConsoleMessage } from '@cerebro/shared/protocol/messages';
import { TerminalBroker, TerminalError, type TerminalViewer } from './broker';
import { castOutput, parseCast } from './cast';

interface Fake {
  broker: TerminalBroker;
  sent: Array<{ hostId: string; msg: ConsoleMessage }>;
  audit: Array<{ actor: Actor; kind: AuditKind; payload: Record<string, unknown> }>;
  dir: string;
  answer: CommandResult | null;
  now: number;
}

function fake(t: TestContext, options: { idleMs?: number; dir?: string } = {}): Fake {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-broker-'));
  const f = { sent: [], audit: [], dir, answer: null, now: 1_000_000 } as unknown as Fake;
  f.broker = new TerminalBroker({
    dir,
    ingest: {
      sendCommand: async (_hostId, _kind, payload) => f.answer ?? { type: 'result', id: 'c1', ok: true, output: { sid: (payload as { sid: string }).sid, pid: 42, user: 'ann', shell: '/bin/sh' } },
      sendEnvelope: async () => ({ type: 'result', id: 'c2', ok: false, error: { code: 'UNSIGNED', message: 'no signature' } }),
      sendTerminal: (hostId, msg) => {
        f.sent.push({ hostId, msg });
        return true;
      },
    },
    audit: { append: (actor, kind, payload) => f.audit.push({ actor, kind, payload: payload as Record<string, unknown> }) },
    hostName: () => 'web-1',
    log: () => undefined,
    now: () => f.now,
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
  });
  t.after(() => {
    f.broker.stop();
    if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return f;
}

function viewer(backlog = 0): TerminalViewer & { got: Buffer[]; ended: string[] } {
  const got: Buffer[] = [];
  const ended: string[] = [];
  return { got, ended, output: (d) => got.push(Buffer.from(d)), exit: (_c, r) => ended.push(r), backlog: () => backlog };
}

test('a refused open is audited with who asked and why, and throws REFUSED', async (t) => {
  const f = fake(t);
  f.answer = { type: 'result', id: 'c1', ok: false, error: { code: 'FORBIDDEN_BY_POLICY', message: 'the host’s policy disables terminals' } };
  await assert.rejects(f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'bob' }), (e: unknown) => e instanceof TerminalError && e.code === 'REFUSED' && /FORBIDDEN_BY_POLICY/.test(e.message));
  assert.equal(f.audit.length, 1);
  assert.equal(f.audit[0]?.kind, 'refusal');
  assert.equal(f.audit[0]?.actor.name, 'bob');
  assert.equal(f.audit[0]?.payload['code'], 'FORBIDDEN_BY_POLICY');
  await assert.rejects(f.broker.open({ hostId: 'h1', cols: 0, rows: 24, by: 'bob' }), (e: unknown) => e instanceof TerminalError && e.code === 'BAD_REQUEST');
  await assert.rejects(f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'bob' }, (p) => ({ type: 'command', id: 'x', kind: 'terminal.open', issuedAtMs: 0, expiresAtMs: 1, nonce: 'n', payload: p })), /UNSIGNED/);
});

test('output is recorded, relayed and acked; input and resizes go to the host; the exit ends and audits the session', async (t) => {
  const f = fake(t);
  const s = await f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'ann' });
  const v = viewer();
  f.broker.attach(s.sid, v);
  // "é" split across two frames is recorded whole.
  const e = Buffer.from('é');
  f.now += 10;
  f.broker.frame('h1', { type: 'term.out', sid: s.sid, stream: 'o', data: Buffer.concat([Buffer.from('hello '), e.subarray(0, 1)]) });
  f.broker.frame('h1', { type: 'term.out', sid: s.sid, stream: 'o', data: Buffer.concat([e.subarray(1), Buffer.from('\r\n')]) });
  f.broker.frame('h1', { type: 'term.out', sid: s.sid, stream: 'i', data: Buffer.from('ls\r') });
  assert.equal(Buffer.concat(v.got).toString(), 'hello é\r\n', 'viewers get the bytes as they came');
  const acks = f.sent.filter((x) => x.msg.type === 'term.ack').map((x) => (x.msg as { bytes: number }).bytes);
  assert.deepEqual(acks, [7, 3]);
  f.broker.input(s.sid, Buffer.from('x'.repeat(40_000)));
  assert.deepEqual(f.sent.filter((x) => x.msg.type === 'term.in').map((x) => (x.msg as { data: Uint8Array }).data.byteLength), [32_768, 7_232]);
  f.broker.resize(s.sid, 100, 30);
  assert.ok(f.sent.some((x) => x.msg.type === 'term.resize'));
  assert.throws(() => f.broker.resize(s.sid, 0, 30), (err: unknown) => err instanceof TerminalError && err.code === 'BAD_REQUEST');
  f.broker.frame('h1', { type: 'term.exit', sid: s.sid, code: 0, reason: 'the shell exited with code 0' });
  assert.deepEqual(v.ended, ['the shell exited with code 0']);
  const { cast, session } = f.broker.recording(s.sid);
  assert.equal(session.state, 'closed');
  assert.equal(session.exitCode, 0);
  assert.equal(castOutput(cast), 'hello é\r\n');
  assert.equal(f.broker.recentOutput(s.sid, 1 << 20), 'hello é\r\n', 'a new viewer catches up from the recording');
  const recent = f.broker.recentOutput(s.sid, 60);
  assert.ok(recent.length < 'hello é\r\n'.length && 'hello é\r\n'.endsWith(recent), `from inside the file: the whole events that fit (${JSON.stringify(recent)})`);
  const events = parseCast(cast).events;
  assert.deepEqual(events.map((x) => x[1]), ['o', 'o', 'i', 'r']);
  assert.deepEqual(f.audit.map((a) => a.kind), ['command', 'output']);
  assert.throws(() => f.broker.input(s.sid, Buffer.from('x')), (err: unknown) => err instanceof TerminalError && err.code === 'CLOSED');
});

test('acks wait while a viewer is backed up', async (t) => {
  const f = fake(t);
  const s = await f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'ann' });
  let backlog = 2 * 1024 * 1024;
  f.broker.attach(s.sid, { output: () => undefined, exit: () => undefined, backlog: () => backlog });
  f.broker.frame('h1', { type: 'term.out', sid: s.sid, stream: 'o', data: Buffer.alloc(1000) });
  assert.equal(f.sent.filter((x) => x.msg.type === 'term.ack').length, 0, 'no credit while the viewer is behind');
  backlog = 0;
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(f.sent.filter((x) => x.msg.type === 'term.ack').map((x) => (x.msg as { bytes: number }).bytes), [1000]);
});

test('idle sessions are closed; a host that does not confirm has them ended; a lost host ends its sessions', async (t) => {
  const f = fake(t, { idleMs: 1000 });
  const s = await f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'ann' });
  const other = await f.broker.open({ hostId: 'h2', cols: 80, rows: 24, by: 'ann' });
  f.now += 1500;
  await new Promise((r) => setTimeout(r, 400));
  const close = f.sent.find((x) => x.msg.type === 'term.close' && x.msg.sid === s.sid);
  assert.match((close?.msg as { reason: string }).reason, /idle for 1 s/);
  f.now += 11_000;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(f.broker.get(s.sid)?.state, 'closed');
  assert.match(f.broker.get(s.sid)?.reason ?? '', /idle for 1 s.*did not confirm/);
  const third = await f.broker.open({ hostId: 'h2', cols: 80, rows: 24, by: 'cy' });
  f.broker.hostGone('h2');
  assert.equal(f.broker.get(third.sid)?.reason, 'the host disconnected');
  assert.equal(f.broker.get(other.sid)?.state, 'closed');
});

test('sessions are listed newest first with who opened them, across a restart (open ones marked cut)', async (t) => {
  const f = fake(t);
  const a = await f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'ann' });
  f.now += 1000;
  const b = await f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'bob' });
  f.broker.frame('h1', { type: 'term.exit', sid: a.sid, code: 1, reason: 'the shell exited with code 1' });
  assert.deepEqual(f.broker.list().map((s) => [s.sid, s.by, s.state]), [[b.sid, 'bob', 'open'], [a.sid, 'ann', 'closed']]);
  const again = fake(t, { dir: f.dir });
  assert.deepEqual(again.broker.list().map((s) => [s.by, s.state]), [['bob', 'closed'], ['ann', 'closed']]);
  assert.equal(again.broker.get(b.sid)?.reason, 'the console stopped during the session');
  assert.throws(() => again.broker.recording('../../etc/passwd'), (e: unknown) => e instanceof TerminalError && e.code === 'NOT_FOUND');
});

test("the host's capability warning is the session's first line and in the audit; recordings read in pages of whole events", async (t) => {
  const f = fake(t);
  f.answer = { type: 'result', id: 'c1', ok: true, output: { sid: 'x', pid: 42, user: 'svc', shell: '/bin/sh', capabilities: 'NOT dropped: neither setpriv nor capsh', warning: 'cerebro: shell keeps capabilities' } };
  const s = await f.broker.open({ hostId: 'h1', cols: 80, rows: 24, by: 'ann' });
  const opened = f.audit.find((a) => a.kind === 'command');
  assert.equal(opened?.payload['capabilities'], 'NOT dropped: neither setpriv nor capsh');
  assert.equal(opened?.payload['warning'], 'cerebro: shell keeps capabilities');
  f.broker.frame('h1', { type: 'term.out', sid: s.sid, stream: 'o', data: Buffer.from('short\r\n') });
  f.broker.frame('h1', { type: 'term.out', sid: s.sid, stream: 'o', data: Buffer.from('x'.repeat(5000)) });
  f.broker.frame('h1', { type: 'term.out', sid: s.sid, stream: 'o', data: Buffer.from('end') });
  const whole = f.broker.recording(s.sid);
  assert.ok(castOutput(whole.cast).startsWith('\x1b[33mcerebro: shell keeps capabilities\x1b[0m\r\n'), 'the warning comes first');
  assert.equal(whole.page.nextOffset, null);
  const sizes: number[] = [];
  let text = '';
  for (let offset: number | null = 0; offset !== null; ) {
    // 100 bytes: less than the 5000-byte event, which still comes whole, alone.
    const page = f.broker.recording(s.sid, { offset, limit: 100 });
    sizes.push(parseCast(page.cast).events.length);
    text += castOutput(page.cast);
    offset = page.page.nextOffset;
  }
  assert.equal(text, castOutput(whole.cast));
  assert.deepEqual(sizes, [2, 1, 1], 'the warning and "short" share a page; the long event is a page of its own');
  assert.throws(() => f.broker.recording(s.sid, { offset: 5, limit: 100 }), (e: unknown) => e instanceof TerminalError && e.code === 'BAD_REQUEST');
  assert.throws(() => f.broker.recording(s.sid, { offset: whole.page.totalBytes + 1, limit: 100 }), (e: unknown) => e instanceof TerminalError && e.code === 'BAD_REQUEST');
});
