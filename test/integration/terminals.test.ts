/**
 * Terminals end to end, with a real console (in-process core, TLS ingest) and real enrolled collector
 * processes: a granted session runs commands and returns their output; sessions without a valid grant
 * (unsigned, expired, or for a session id never opened) and on a host whose policy forbids terminals are
 * refused, logged on the host and written to the audit log; 100 MB of output does not stop the host's
 * metrics; recordings replay to the same screen, and page through the API; input typed with echo off (a
 * password) is not recorded; output printed just before `exit` all arrives; an account with a nologin
 * shell is refused up front; the host closes idle sessions itself.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import xtermHeadless from '@xterm/headless';
import type { AuditRecord } from '@cerebro/shared/api/contract';
import { ConsoleCore } from '../../apps/desktop/src/core/console';
import { TerminalError, type TerminalViewer } from '../../apps/desktop/src/core/terminals/broker';
import { castOutput, parseCast } from '../../apps/desktop/src/core/terminals/cast';
import { signCommand } from '../../apps/desktop/src/core/trust/command-signer';
import { loadConsoleTrust } from '../../apps/desktop/src/core/trust/console-trust';
import { Proc, ROOT, tempDir, waitFor } from '../helpers/cerebro';

const CONSOLE_BIN = path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs');
const COLLECTOR_BIN = path.join(ROOT, 'apps/collector/bin/cerebro-collector.mjs');

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Enrol `hostId` with a fresh one-time token and start its collector (250 ms ticks, no logs). */
async function enrolledCollector(t: TestContext, core: ConsoleCore, home: string, hostId: string, policy?: object): Promise<Proc> {
  const r = spawnSync(process.execPath, [CONSOLE_BIN, 'enroll-token', 'create'], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8' });
  const m = /^cerebro-collector enroll (wss:\/\/\S+) (cbe1\.\S+)$/.exec(r.stdout.trim());
  assert.ok(m, `an enrolment line, got ${r.stdout}${r.stderr}`);
  const stateDir = path.join(home, hostId);
  const enrolled = await run(COLLECTOR_BIN, ['enroll', m[1] as string, m[2] as string, '--state-dir', stateDir, '--host-id', hostId]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  const extra: string[] = [];
  if (policy) {
    const file = path.join(home, `${hostId}-policy.json`);
    fs.writeFileSync(file, JSON.stringify(policy));
    extra.push('--policy-file', file);
  }
  const child = spawn(process.execPath, [COLLECTOR_BIN, 'run', '--state-dir', stateDir, '--host-id', hostId, '--interval', '250', '--no-logs', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc(`collector ${hostId}`, child);
  t.after(() => proc.stop('SIGKILL'));
  await waitFor(`${hostId} connected`, () => {
    if (!proc.running) throw new Error(`collector exited:\n${proc.tail()}`);
    return core.ingest.connectedHosts().includes(hostId);
  }, 30_000);
  return proc;
}

/** A viewer that keeps everything it is sent. */
function collectingViewer(): TerminalViewer & { bytes: Buffer[]; text(): string; exited: Promise<{ code: number | null; reason: string }> } {
  const bytes: Buffer[] = [];
  let done: (v: { code: number | null; reason: string }) => void = () => undefined;
  const exited = new Promise<{ code: number | null; reason: string }>((r) => (done = r));
  return {
    bytes,
    exited,
    text: () => Buffer.concat(bytes).toString('utf8'),
    output: (d) => bytes.push(Buffer.from(d)),
    exit: (code, reason) => done({ code, reason }),
    backlog: () => 0,
  };
}

function auditRecords(core: ConsoleCore): AuditRecord[] {
  return core.remediation?.audit.tail(1000) ?? [];
}

/** The screen (visible lines, trimmed) after writing `text` into an 80×24 headless xterm. */
async function screen(text: string): Promise<string[]> {
  const term = new xtermHeadless.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  await new Promise<void>((r) => term.write(text, r));
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < term.rows; i++) lines.push(buf.getLine(buf.viewportY + i)?.translateToString(true) ?? '');
  term.dispose();
  return lines;
}

test('terminals: granted sessions run, ungranted and forbidden ones are refused and audited, floods do not stop metrics', { timeout: 240_000 }, async (t) => {
  const home = tempDir(t, 'cerebro-terminals-it-');
  const logLines: string[] = [];
  const core = await ConsoleCore.start({ home, log: (level, m) => logLines.push(`${level} ${m}`), ingest: { port: 0 }, api: { port: 0 }, maintenanceMs: 60_000 });
  t.after(() => core.stop());
  const broker = core.terminals;
  assert.ok(broker, 'the console has a terminal broker');
  assert.ok(core.remediation, 'the audit log is open');
  const hostId = `it-term-${process.pid}`;
  const collector = await enrolledCollector(t, core, home, hostId);
  let sid = '';
  const live = collectingViewer();

  await t.test('a valid grant opens a shell that runs a command and returns its output', async () => {
    const session = await broker.open({ hostId, cols: 80, rows: 24, by: 'it-operator' });
    sid = session.sid;
    assert.equal(session.state, 'open');
    assert.ok(session.user.length > 0 && session.shell.length > 0, JSON.stringify(session));
    broker.attach(sid, live);
    broker.input(sid, Buffer.from('echo cerebro-$((6*7))-marker\n'));
    await waitFor('the command output', () => live.text().includes('cerebro-42-marker'), 15_000);
    const opened = auditRecords(core).find((r) => r.kind === 'command' && (r.payload as { sid?: string }).sid === sid);
    assert.ok(opened, 'the open is in the audit log');
    assert.equal(opened.actor.name, 'it-operator');
    const listed = broker.list().find((s) => s.sid === sid);
    assert.equal(listed?.by, 'it-operator');
    assert.ok(listed && listed.openedMs > Date.now() - 60_000);
  });

  await t.test('input typed with echo off (a password) is not recorded; echoed input is', async () => {
    // The marker is printed once echo is off (split in the command so the echoed line does not match).
    broker.input(sid, Buffer.from('stty -echo; echo "echo""-is-off"; read -r secret; stty echo; echo "got ${#secret} chars"\n'));
    await waitFor('echo to be off', () => live.text().includes('echo-is-off'), 10_000);
    broker.input(sid, Buffer.from('hunter2-secret\n'));
    await waitFor('the shell to answer', () => live.text().includes('got 14 chars'), 10_000);
    broker.input(sid, Buffer.from('exit\n'));
    const end = await live.exited;
    assert.equal(end.code, 0, end.reason);
    const { cast } = broker.recording(sid);
    const events = parseCast(cast).events;
    const input = events.filter((e) => e[1] === 'i').map((e) => e[2]).join('');
    assert.match(input, /echo cerebro-\$\(\(6\*7\)\)-marker/, 'echoed input is recorded');
    assert.ok(!cast.includes('hunter2'), 'the password typed with echo off is nowhere in the recording');
    const closed = auditRecords(core).find((r) => r.kind === 'output' && (r.payload as { sid?: string }).sid === sid);
    assert.equal((closed?.payload as { exitCode?: number }).exitCode, 0);
    assert.equal(broker.list().find((s) => s.sid === sid)?.state, 'closed');
  });

  await t.test('the recording replays to the same screen as the live session', async () => {
    const { cast } = broker.recording(sid);
    const replayed = castOutput(cast);
    assert.equal(replayed, live.text(), 'the recorded output is byte for byte what the viewer got');
    const [a, b] = [await screen(live.text()), await screen(replayed)];
    assert.deepEqual(b, a);
    assert.ok(a.some((l) => l.includes('cerebro-42-marker')), `the screen shows the marker:\n${a.join('\n')}`);
  });

  await t.test('the recording API pages: every page is an asciicast of whole events, and the pages add up to the recording', async () => {
    const { apiUrl, apiToken } = core.info;
    const get = (q: string): Promise<Response> => fetch(`${apiUrl}/api/v1/terminals/${sid}/recording${q}`, { headers: { authorization: `Bearer ${apiToken}` } });
    const whole = broker.recording(sid).cast;
    const header = whole.slice(0, whole.indexOf('\n') + 1);
    let offset: number | null = 0;
    let events = '';
    let pages = 0;
    while (offset !== null) {
      const r = await get(`?offset=${offset}&limit=64`);
      assert.equal(r.status, 200);
      const page = (await r.json()) as { cast: string; page: { offset: number; nextOffset: number | null; totalBytes: number } };
      assert.ok(page.cast.startsWith(header), 'each page starts with the header');
      assert.equal(page.page.totalBytes, Buffer.byteLength(whole));
      parseCast(page.cast);
      events += page.cast.slice(header.length);
      offset = page.page.nextOffset;
      pages++;
      assert.ok(pages < 10_000);
    }
    assert.ok(pages > 1, `a 64-byte limit gives several pages (${pages})`);
    assert.equal(header + events, whole, 'the pages add up to the whole recording');
    const bad = await get('?offset=3');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /offset 3 is not where an event of the recording starts/);
    assert.equal((await get('?limit=lots')).status, 400);
  });

  await t.test('everything printed just before the shell exits reaches the viewer and the recording', async () => {
    for (let round = 0; round < 3; round++) {
      const session = await broker.open({ hostId, cols: 80, rows: 24, by: 'it-operator' });
      const viewer = collectingViewer();
      broker.attach(session.sid, viewer);
      broker.input(session.sid, Buffer.from("s=$(printf '%065536d' 0 | tr 0 q); printf '%s[E''ND]' \"$s\"; exit\n"));
      const end = await viewer.exited;
      assert.equal(end.code, 0, end.reason);
      const qs = (text: string): number => (text.match(/q{100,}/g) ?? []).reduce((n, r) => n + r.length, 0);
      assert.equal(qs(viewer.text()), 65_536, `round ${round}: all of it reached the viewer`);
      assert.ok(viewer.text().includes('q[END]'));
      assert.equal(qs(castOutput(broker.recording(session.sid).cast)), 65_536, `round ${round}: and the recording`);
      const opened = auditRecords(core).find((r) => r.kind === 'command' && (r.payload as { sid?: string }).sid === session.sid);
      assert.match(String((opened?.payload as { capabilities?: string }).capabilities), /dropped/, 'the audit says how capabilities were handled');
    }
  });

  await t.test('unsigned and expired grants are refused by the host, logged there and audited', async () => {
    const unsigned = broker.open({ hostId, cols: 80, rows: 24, by: 'mallory' }, (payload) => {
      const now = Date.now();
      return { type: 'command', id: randomBytes(8).toString('hex'), kind: 'terminal.open', issuedAtMs: now, expiresAtMs: now + 30_000, nonce: randomBytes(16).toString('base64url'), payload };
    });
    await assert.rejects(unsigned, (e: unknown) => e instanceof TerminalError && e.code === 'REFUSED' && /UNSIGNED/.test(e.message));
    const key = loadConsoleTrust(home).commandKey;
    const expired = broker.open({ hostId, cols: 80, rows: 24, by: 'late-operator' }, (payload) => signCommand(key, hostId, 'terminal.open', payload, 10_000, Date.now() - 5 * 60_000));
    await assert.rejects(expired, (e: unknown) => e instanceof TerminalError && e.code === 'REFUSED' && /EXPIRED/.test(e.message));
    const refusals = auditRecords(core).filter((r) => r.kind === 'refusal' && (r.payload as { terminal?: string }).terminal === 'open');
    assert.deepEqual(refusals.map((r) => [(r.payload as { code: string }).code, r.actor.name]), [['UNSIGNED', 'mallory'], ['EXPIRED', 'late-operator']]);
    await waitFor('the host to log both refusals', () => /refused command \w+ \('terminal.open'\): UNSIGNED/.test(collector.output) && /refused command \w+ \('terminal.open'\): EXPIRED/.test(collector.output), 5_000);
    assert.equal(core.remediation?.audit.verify().ok, true, 'the audit chain still verifies');
  });

  await t.test('input for a session no grant opened is refused by the host and audited', async () => {
    const ghost = 'never-opened-session';
    assert.equal(core.ingest.sendTerminal(hostId, { type: 'term.in', sid: ghost, data: Buffer.from('id\n') }), true);
    await waitFor('the refusal in the audit log', () => auditRecords(core).find((r) => r.kind === 'refusal' && (r.payload as { sid?: string }).sid === ghost), 5_000);
    await waitFor('the host to log it', () => collector.output.includes(`terminal ${ghost}: term.in refused: no such session`), 5_000);
  });

  await t.test('the API refuses bad terminal requests with clear errors', async () => {
    const { apiUrl, apiToken } = core.info;
    const post = (body: unknown): Promise<Response> => fetch(`${apiUrl}/api/v1/terminals`, { method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const noHost = await post({ cols: 80 });
    assert.equal(noHost.status, 400);
    assert.match(((await noHost.json()) as { error: { message: string } }).error.message, /body must be \{"hostId"/);
    const tooWide = await post({ hostId, cols: 100_000, rows: 24 });
    assert.equal(tooWide.status, 400);
    const away = await post({ hostId: 'no-such-host' });
    assert.equal(away.status, 403);
    assert.match(((await away.json()) as { error: { message: string } }).error.message, /NOT_CONNECTED/);
    const missing = await fetch(`${apiUrl}/api/v1/terminals/nosuchsession/recording`, { headers: { authorization: `Bearer ${apiToken}` } });
    assert.equal(missing.status, 404);
    const unauthorized = await fetch(`${apiUrl}/api/v1/terminals`);
    assert.equal(unauthorized.status, 401);
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/api/v1/terminal?sid=nosuchsession`, ['cerebro.terminal.v1', `cerebro.token.${apiToken}`]);
    const events: string[] = [];
    ws.on('message', (d: Buffer) => events.push(d.toString()));
    const code = await new Promise<number>((resolve) => ws.on('close', (c: number) => resolve(c)));
    assert.equal(code, 1000);
    assert.match(events.join(''), /"type":"error","message":"no terminal session \\"nosuchsession\\""/);
    const bad = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/api/v1/terminal?sid=${sid}`, ['cerebro.terminal.v1', 'cerebro.token.wrong']);
    const refused = await new Promise<string>((resolve) => bad.on('error', (e: Error) => resolve(e.message)));
    assert.match(refused, /401/);
  });

  await t.test('a host whose policy disables terminals refuses them', async () => {
    const lockedId = `${hostId}-locked`;
    const locked = await enrolledCollector(t, core, home, lockedId, { terminals: false });
    await assert.rejects(broker.open({ hostId: lockedId, cols: 80, rows: 24, by: 'it-operator' }), (e: unknown) => e instanceof TerminalError && /FORBIDDEN_BY_POLICY.*disables terminals/.test(e.message));
    const refusal = auditRecords(core).find((r) => r.kind === 'refusal' && (r.payload as { hostId?: string }).hostId === lockedId);
    assert.equal((refusal?.payload as { code?: string }).code, 'FORBIDDEN_BY_POLICY');
    await waitFor('the host to log it', () => /refused command \w+ \('terminal.open'\): FORBIDDEN_BY_POLICY/.test(locked.output), 5_000);
    await locked.stop();
  });

  await t.test('an account whose shell refuses logins is refused with what to do, and audited', async (st) => {
    const nobody = /^nobody:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:(.*)$/m.exec(fs.readFileSync('/etc/passwd', 'utf8'))?.[1] ?? '';
    if (!/\/(nologin|false)$/.test(nobody)) {
      st.skip(`this host's nobody account has the shell ${JSON.stringify(nobody)}, not nologin`);
      return;
    }
    const nologinId = `${hostId}-nologin`;
    const host = await enrolledCollector(t, core, home, nologinId, { terminalUser: 'nobody' });
    await assert.rejects(broker.open({ hostId: nologinId, cols: 80, rows: 24, by: 'it-operator' }), (e: unknown) => e instanceof TerminalError && e.code === 'REFUSED' && /FORBIDDEN_BY_POLICY: the account "nobody"'s shell is \S+, which refuses logins: set "terminalUser" in this host's policy/.test(e.message));
    const refusal = auditRecords(core).find((r) => r.kind === 'refusal' && (r.payload as { hostId?: string }).hostId === nologinId);
    assert.match(String((refusal?.payload as { reason?: string }).reason), /"nobody".*refuses logins/);
    await host.stop();
  });

  await t.test('the host closes a session that stays idle past its policy limit, even if the console does not', async () => {
    const idleId = `${hostId}-idle`;
    const host = await enrolledCollector(t, core, home, idleId, { terminalIdleMinutes: 0.05 });
    const session = await broker.open({ hostId: idleId, cols: 80, rows: 24, by: 'it-operator' });
    const viewer = collectingViewer();
    broker.attach(session.sid, viewer);
    const started = Date.now();
    const end = await viewer.exited;
    assert.match(end.reason, /idle for 3 s \(no input or output\), closed by the host/);
    assert.ok(Date.now() - started >= 2000, 'not before the limit');
    assert.equal(broker.get(session.sid)?.state, 'closed');
    await host.stop();
  });

  await t.test('while a terminal prints 100 MB, the host keeps sending metrics', async () => {
    const session = await broker.open({ hostId, cols: 120, rows: 40, by: 'it-operator' });
    const viewer = collectingViewer();
    let received = 0;
    let tail = '';
    broker.attach(session.sid, {
      ...viewer,
      output: (d) => {
        received += d.byteLength;
        tail = (tail + Buffer.from(d).toString('latin1')).slice(-200);
      },
    });
    const arrivals: number[] = [];
    let lastTs = core.store.latest(hostId, 'collector.rss_bytes')?.t ?? 0;
    const sampler = setInterval(() => {
      const ts = core.store.latest(hostId, 'collector.rss_bytes')?.t ?? 0;
      if (ts > lastTs) {
        lastTs = ts;
        arrivals.push(Date.now());
      }
    }, 50);
    t.after(() => clearInterval(sampler));
    const started = Date.now();
    broker.input(session.sid, Buffer.from("head -c 100000000 /dev/zero | tr '\\0' x; echo; echo 'flood''-done'\n"));
    await waitFor(`the end of the flood (${received} bytes so far)`, () => tail.includes('flood-done'), 150_000, 50);
    const floodMs = Date.now() - started;
    broker.input(session.sid, Buffer.from('exit\n'));
    const end = await viewer.exited;
    clearInterval(sampler);
    assert.equal(end.code, 0, end.reason);
    assert.ok(received >= 100_000_000, `all 100 MB arrived (${received} bytes)`);
    const during = arrivals.filter((a) => a >= started);
    // Ticks are every 250 ms; on a loaded machine some are late, but the stream must not stop.
    const gaps = during.map((a, i) => a - (i === 0 ? started : (during[i - 1] as number)));
    const maxGap = Math.max(0, ...gaps, Date.now() - (during.at(-1) ?? started));
    process.stderr.write(`100 MB in ${floodMs} ms; ${during.length} batches arrived meanwhile; largest gap ${maxGap} ms\n`);
    assert.ok(during.length >= Math.max(2, Math.floor(floodMs / 2000)), `metrics kept arriving during the flood (${during.length} in ${floodMs} ms)`);
    assert.ok(maxGap < 10_000, `no gap of 10 s or more between metric batches (largest ${maxGap} ms)`);
    assert.ok(collector.running);
  });
  assert.ok(!logLines.some((l) => l.startsWith('error')), logLines.filter((l) => l.startsWith('error')).join('\n'));
});
