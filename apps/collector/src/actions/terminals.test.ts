import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TerminalExit, TerminalOutput } from '@cerebro/shared/protocol/messages';
import { MAX_TERMINAL_CHUNK_BYTES } from '@cerebro/shared/protocol/terminal';
import { echoFromStty } from './pty-host-protocol';
import { lookupAccount, TerminalManager } from './terminals';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty-host.child.ts');

function manager(t: TestContext, windowBytes?: number): { m: TerminalManager; frames: Array<TerminalOutput | TerminalExit>; logs: string[]; output(sid: string): string; exit(sid: string): Promise<TerminalExit> } {
  const frames: Array<TerminalOutput | TerminalExit> = [];
  const logs: string[] = [];
  const waiters: Array<() => void> = [];
  const m = new TerminalManager({
    send: (msg) => {
      frames.push(msg);
      for (const w of waiters.splice(0)) w();
      return true;
    },
    log: (level, message) => logs.push(`${level} ${message}`),
    terminalUser: null,
    ptyHost: { module: CHILD, args: [], execArgv: ['--import', 'tsx'] },
    ...(windowBytes !== undefined ? { windowBytes } : {}),
  });
  t.after(() => m.closeAll('test over'));
  const exit = (sid: string): Promise<TerminalExit> =>
    new Promise((resolve) => {
      const check = (): void => {
        const e = frames.find((f): f is TerminalExit => f.type === 'term.exit' && f.sid === sid);
        if (e) resolve(e);
        else waiters.push(check);
      };
      check();
    });
  const output = (sid: string): string =>
    Buffer.concat(frames.filter((f): f is TerminalOutput => f.type === 'term.out' && f.sid === sid && f.stream === 'o').map((f) => Buffer.from(f.data))).toString();
  return { m, frames, logs, output, exit };
}

/** Characters in runs of at least 100 `ch` (the echoed command line has single ones). */
function runs(text: string, ch: string): number {
  return (text.match(new RegExp(`${ch}{100,}`, 'g')) ?? []).reduce((n, r) => n + r.length, 0);
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('echoFromStty reads the echo flag of `stty -a`, and says null when it is not there', () => {
  assert.equal(echoFromStty('isig icanon iexten echo echoe echok -echonl -noflsh'), true);
  assert.equal(echoFromStty('isig icanon iexten -echo echoe echok -echonl'), false);
  assert.equal(echoFromStty('speed 38400 baud; rows 24; columns 80;\n-echo'), false);
  assert.equal(echoFromStty('echoe echok -echonl'), null);
});

test('lookupAccount finds a passwd entry', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nops:x:1001:1002:Ops:/home/ops:/bin/zsh\n';
  assert.deepEqual(lookupAccount('ops', passwd), { name: 'ops', uid: 1001, gid: 1002, home: '/home/ops', shell: '/bin/zsh' });
  assert.equal(lookupAccount('nobody-here', passwd), null);
});

test('a granted session runs a shell in a pty host child and streams its output in bounded frames', { timeout: 60_000 }, async (t) => {
  const { m, frames, output, exit } = manager(t);
  const opened = await m.open({ sid: 'unit-session-1', cols: 80, rows: 24, by: 'unit' });
  assert.equal(opened.ok, true, JSON.stringify(opened));
  assert.ok(opened.ok && opened.output.pid !== process.pid, 'the shell is not this process');
  // `exit` only once the output is through: a session leader's exit hangs the pty up, which may drop unread output.
  m.onFrame({ type: 'term.in', sid: 'unit-session-1', data: Buffer.from('printf "%s-%s\\n" unit marker; head -c 100000 /dev/zero | tr "\\0" z; echo; echo "done""-marker"\n') });
  await until('the end marker', () => output('unit-session-1').includes('done-marker'));
  m.onFrame({ type: 'term.in', sid: 'unit-session-1', data: Buffer.from('exit 3\n') });
  const end = await exit('unit-session-1');
  assert.equal(end.code, 3);
  assert.match(output('unit-session-1'), /unit-marker/);
  assert.equal(runs(output('unit-session-1'), 'z'), 100_000);
  for (const f of frames) if (f.type === 'term.out') assert.ok(f.data.byteLength <= MAX_TERMINAL_CHUNK_BYTES);
  assert.equal(m.count, 0);
});

test('without acks the pty is paused near the window; acks resume it until all output is through', { timeout: 60_000 }, async (t) => {
  const window = 64 * 1024;
  const { m, frames, output, exit } = manager(t, window);
  const sid = 'unit-flow-control';
  assert.equal((await m.open({ sid, cols: 80, rows: 24, by: 'unit' })).ok, true);
  m.onFrame({ type: 'term.in', sid, data: Buffer.from("head -c 3000000 /dev/zero | tr '\\0' y; echo; echo 'done''-marker'\n") });
  const sent = (): number => frames.reduce((n, f) => n + (f.type === 'term.out' && f.stream === 'o' ? f.data.byteLength : 0), 0);
  await until('the window to fill', () => sent() > window);
  await new Promise((r) => setTimeout(r, 1500));
  const held = sent();
  // Overshoot: what was already read from the pty and in the IPC pipe when the pause arrived.
  assert.ok(held < 1_000_000, `without acks the host stops near the window (${held} bytes sent of 3 MB)`);
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(sent() - held < 200_000, `and stays stopped (${sent() - held} more bytes)`);
  let acked = 0;
  const acker = setInterval(() => {
    const s = sent();
    if (s > acked) m.onFrame({ type: 'term.ack', sid, bytes: s - acked });
    acked = s;
  }, 10);
  t.after(() => clearInterval(acker));
  await until('the end marker', () => output(sid).includes('done-marker'), 30_000);
  m.onFrame({ type: 'term.in', sid, data: Buffer.from('exit 0\n') });
  const end = await exit(sid);
  clearInterval(acker);
  assert.equal(end.code, 0);
  assert.equal(runs(output(sid), 'y'), 3_000_000);
});

test('frames for a session no grant opened are refused with a term.exit and logged; bad payloads are refused', { timeout: 30_000 }, async (t) => {
  const { m, frames, logs } = manager(t);
  m.onFrame({ type: 'term.in', sid: 'no-such-session', data: Buffer.from('id\n') });
  const refused = frames.find((f) => f.type === 'term.exit');
  assert.match((refused as TerminalExit).reason, /no such session on this host: a terminal opens only with a signed terminal.open grant/);
  assert.ok(logs.some((l) => l.startsWith('warn terminal no-such-session: term.in refused')));
  const bad = await m.open({ sid: 'x', cols: 80, rows: 24, by: 'unit' });
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.code === 'INVALID_PAYLOAD' && /payload.sid/.test(bad.message));
  const nobody = await m.open({ sid: 'unit-session-nobody', cols: 80, rows: 24, by: 'unit', user: 'no-such-user-here' });
  assert.ok(!nobody.ok && nobody.code === 'HOST_ERROR' && /no account "no-such-user-here"/.test(nobody.message), JSON.stringify(nobody));
});
