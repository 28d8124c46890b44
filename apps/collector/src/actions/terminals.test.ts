import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TerminalExit, TerminalOutput } from '@cerebro/shared/protocol/messages';
import { MAX_TERMINAL_CHUNK_BYTES } from '@cerebro/shared/protocol/terminal';
import { findTool } from './pty-host';
import { echoFromStty, parseCapSets, shellLaunch, type CapSets } from './pty-host-protocol';
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

test('all output printed just before the shell exits arrives before the exit frame (64 KiB, then exit, many times)', { timeout: 60_000 }, async (t) => {
  // Without the host holding the pty's slave open, the tail (the last bytes and the end marker) went
  // missing about every other time.
  const { m, output, exit } = manager(t);
  const started = Date.now();
  let rounds = 0;
  for (; rounds < 8 && Date.now() - started < 15_000; rounds++) {
    const sid = `unit-drain-${rounds}-session`;
    assert.equal((await m.open({ sid, cols: 80, rows: 24, by: 'unit' })).ok, true);
    m.onFrame({ type: 'term.in', sid, data: Buffer.from("s=$(printf '%065536d' 0 | tr 0 q); printf '%s[E''ND]' \"$s\"; exit 4\n") });
    const end = await exit(sid);
    assert.equal(end.code, 4, end.reason);
    const out = output(sid);
    assert.equal(runs(out, 'q'), 65_536, `round ${rounds}: every byte arrived`);
    assert.ok(out.includes('q[END]'), `round ${rounds}: the end marker arrived`);
  }
  assert.ok(rounds >= 4, `at least 4 rounds ran (${rounds})`);
});

test('shellLaunch drops inherited capabilities through setpriv, else capsh, and says so when it cannot', () => {
  const none: CapSets = { inh: 0n, prm: 0n, eff: 0n, bnd: 0x1ffffffffffn, amb: 0n };
  // The .deb's unit: a non-root collector with ambient CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE.
  const unit: CapSets = { inh: 0x80004n, prm: 0x80004n, eff: 0x80004n, bnd: 0x1ffffffffffn, amb: 0x80004n };
  const root: CapSets = { inh: 0n, prm: 0x1ffffffffffn, eff: 0x1ffffffffffn, bnd: 0x1ffffffffffn, amb: 0n };
  const base = { shell: '/bin/bash', args: ['-l'], setpriv: '/usr/bin/setpriv', capsh: '/usr/sbin/capsh', switchTo: null };
  const ambient = shellLaunch({ ...base, uid: 998, caps: unit });
  assert.deepEqual([ambient.file, ...ambient.args], ['/usr/bin/setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--', '/bin/bash', '-l']);
  assert.equal(ambient.uid, undefined);
  assert.equal(ambient.warning, null);
  // As root switching to the policy's account: setpriv switches (with that account's groups) and drops the bounding set too.
  const switched = shellLaunch({ ...base, switchTo: { uid: 1001, gid: 1002 }, uid: 0, caps: root });
  assert.deepEqual([switched.file, ...switched.args], ['/usr/bin/setpriv', '--reuid', '1001', '--regid', '1002', '--init-groups', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--', '/bin/bash', '-l']);
  assert.equal(switched.uid, undefined, 'node-pty does not switch: setpriv does');
  // A root shell stays root (what the policy allowed), without inheritable or ambient capabilities.
  const rootShell = shellLaunch({ ...base, uid: 0, caps: root });
  assert.deepEqual(rootShell.args, ['--inh-caps=-all', '--ambient-caps=-all', '--', '/bin/bash', '-l']);
  const capsh = shellLaunch({ ...base, setpriv: null, uid: 998, caps: unit });
  assert.deepEqual([capsh.file, ...capsh.args], ['/usr/sbin/capsh', '--inh=', '--noamb', '--shell=/bin/bash', '--', '-l']);
  const capshSwitch = shellLaunch({ ...base, setpriv: null, switchTo: { uid: 1001, gid: 1002 }, uid: 0, caps: root });
  assert.deepEqual([capshSwitch.uid, capshSwitch.gid], [1001, 1002], 'without setpriv node-pty switches the account');
  const bare = shellLaunch({ ...base, setpriv: null, capsh: null, uid: 998, caps: unit });
  assert.deepEqual([bare.file, ...bare.args], ['/bin/bash', '-l']);
  assert.match(bare.capabilities, /^NOT dropped: neither setpriv \(util-linux\) nor capsh \(libcap\) is installed on this host; .*0x80004/);
  assert.match(bare.warning ?? '', /neither setpriv .* nor capsh .* so this shell keeps the collector's capabilities \(0x80004\)/);
  const nothingToDrop = shellLaunch({ ...base, setpriv: null, capsh: null, uid: 998, caps: none });
  assert.equal(nothingToDrop.warning, null);
  assert.deepEqual(parseCapSets('Name:\tbash\nCapInh:\t0000000000000000\nCapPrm:\t0000000000080004\nCapEff:\t0000000000080004\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000080004\n'), { inh: 0n, prm: 0x80004n, eff: 0x80004n, bnd: 0x1ffffffffffn, amb: 0x80004n });
});

/** The Cap* lines of the shell's own /proc status, printed between markers. */
async function shellCaps(m: TerminalManager, output: (sid: string) => string, sid: string): Promise<CapSets> {
  m.onFrame({ type: 'term.in', sid, data: Buffer.from('echo "caps""-begin"; grep ^Cap /proc/$$/status; echo "caps""-end"\n') });
  await until('the capability lines', () => /caps-end/.test(output(sid)));
  return parseCapSets(/caps-begin([\s\S]*)caps-end/.exec(output(sid))?.[1] ?? '');
}

test('the shell keeps no inheritable or ambient capabilities (and none at all when it is not root)', { timeout: 30_000 }, async (t) => {
  const { m, output, exit } = manager(t);
  const sid = 'unit-caps-session';
  const opened = await m.open({ sid, cols: 80, rows: 24, by: 'unit' });
  assert.ok(opened.ok, JSON.stringify(opened));
  const caps = await shellCaps(m, output, sid);
  if (findTool('setpriv') || findTool('capsh')) {
    assert.match(opened.output.capabilities ?? '', /^dropped by /);
    assert.equal(caps.amb, 0n);
    assert.equal(caps.inh, 0n);
    if (process.getuid?.() !== 0) assert.equal(caps.eff, 0n);
  } else {
    assert.match(opened.output.capabilities ?? '', /not dropped|NOT dropped/);
  }
  m.onFrame({ type: 'term.in', sid, data: Buffer.from('exit\n') });
  await exit(sid);
});

const asRoot = process.getuid?.() === 0 && findTool('setpriv') !== null;
test('a collector given ambient CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (as its systemd unit does) starts shells without them', { skip: asRoot ? false : 'needs root and setpriv to give the pty host ambient capabilities', timeout: 30_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-caps-'));
  fs.chmodSync(dir, 0o755);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The pty host runs as nobody with the unit's two capabilities in its ambient set.
  const wrapper = path.join(dir, 'node-with-caps');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${findTool('setpriv')} --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_read_search,+sys_ptrace --ambient-caps=+dac_read_search,+sys_ptrace -- ${process.execPath} "$@"\n`, { mode: 0o755 });
  const frames: Array<TerminalOutput | TerminalExit> = [];
  const m = new TerminalManager({
    send: (f) => (frames.push(f), true),
    log: () => undefined,
    terminalUser: null,
    self: () => ({ name: 'nobody', uid: 65534, gid: 65534, home: dir, shell: '/bin/sh' }),
    ptyHost: { module: CHILD, args: [], execArgv: ['--import', 'tsx'], execPath: wrapper },
  });
  t.after(() => m.closeAll('test over'));
  const output = (sid: string): string => Buffer.concat(frames.filter((f): f is TerminalOutput => f.type === 'term.out' && f.sid === sid).map((f) => Buffer.from(f.data))).toString();
  const opened = await m.open({ sid: 'unit-ambient-caps', cols: 80, rows: 24, by: 'unit' });
  assert.ok(opened.ok, JSON.stringify(opened));
  assert.match(opened.output.capabilities ?? '', /setpriv --inh-caps=-all --ambient-caps=-all$/);
  const caps = await shellCaps(m, output, 'unit-ambient-caps');
  assert.deepEqual([caps.inh, caps.prm, caps.eff, caps.amb], [0n, 0n, 0n, 0n], output('unit-ambient-caps'));
});

test('an account whose shell refuses logins is refused up front, naming it and the policy field to set', async (t) => {
  const { m } = manager(t);
  const own = new TerminalManager({ send: () => true, log: () => undefined, terminalUser: null, self: () => ({ name: 'cerebro-collector', uid: 998, gid: 998, home: '/var/lib/cerebro-collector', shell: '/usr/sbin/nologin' }) });
  const refused = await own.open({ sid: 'unit-nologin-own', cols: 80, rows: 24, by: 'unit' });
  assert.ok(!refused.ok);
  assert.equal(refused.code, 'FORBIDDEN_BY_POLICY');
  assert.match(refused.message, /collector's own account "cerebro-collector", whose shell is \/usr\/sbin\/nologin, which refuses logins: set "terminalUser" in this host's policy/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-passwd-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'passwd'), 'svc:x:1005:1005:svc:/srv/svc:/bin/false\n');
  const policyUser = new TerminalManager({ send: () => true, log: () => undefined, terminalUser: 'svc', passwdFile: path.join(dir, 'passwd') });
  const svc = await policyUser.open({ sid: 'unit-nologin-svc', cols: 80, rows: 24, by: 'unit' });
  assert.ok(!svc.ok && svc.code === 'FORBIDDEN_BY_POLICY' && /the account "svc"'s shell is \/bin\/false/.test(svc.message), JSON.stringify(svc));
  assert.equal(m.count + own.count + policyUser.count, 0);
});

test('the host closes a session idle for longer than its limit, saying so', { timeout: 30_000 }, async (t) => {
  const frames: Array<TerminalOutput | TerminalExit> = [];
  const m = new TerminalManager({ send: (f) => (frames.push(f), true), log: () => undefined, terminalUser: null, idleMs: 1500, ptyHost: { module: CHILD, args: [], execArgv: ['--import', 'tsx'] } });
  t.after(() => m.closeAll('test over'));
  const sid = 'unit-idle-session';
  const started = Date.now();
  assert.equal((await m.open({ sid, cols: 80, rows: 24, by: 'unit' })).ok, true);
  // Activity keeps it open: input every 500 ms for 2.5 s.
  for (let i = 0; i < 5; i++) {
    m.onFrame({ type: 'term.in', sid, data: Buffer.from(':\n') });
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(m.count, 1, 'still open while used');
  await until('the idle close', () => frames.some((f) => f.type === 'term.exit'), 15_000);
  const exit = frames.find((f): f is TerminalExit => f.type === 'term.exit');
  assert.match(exit?.reason ?? '', /idle for 2 s \(no input or output\), closed by the host/);
  assert.ok(Date.now() - started >= 2500 + 1500);
  assert.equal(m.count, 0);
});
