/**
 * Trust on the collector ↔ console link, with the real processes: enrolment over TLS with one-time tokens
 * (valid, reused, expired, forged), pinning (a wrong certificate gets nothing), plaintext refused, a
 * replayed handshake refused, revocation cutting a live host off, and signed commands end to end.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, sign, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket, { WebSocketServer } from 'ws';
import { CHALLENGE_HEADER, helloSigningInput } from '@cerebro/shared/protocol/canonical';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type ConsoleMessage, type Hello } from '@cerebro/shared/protocol/messages';
import { ConsoleCore } from '../../apps/desktop/src/core/console';
import { createCertificateAuthority, issueServerCertificate } from '../../apps/desktop/src/core/trust/certificates';
import { EnrolTokenStore, formatEnrolToken } from '../../apps/desktop/src/core/trust/enrol-tokens';
import { createTokenFile, Proc, ROOT, startConsole, tempDir, waitFor } from '../helpers/cerebro';
import { spawn } from 'node:child_process';

const CONSOLE_BIN = path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs');
const COLLECTOR_BIN = path.join(ROOT, 'apps/collector/bin/cerebro-collector.mjs');

function consoleCli(home: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CONSOLE_BIN, ...args], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function collectorCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [COLLECTOR_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The collector CLI without blocking this process (whose own servers it may be talking to). */
function collectorCliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [COLLECTOR_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** `enroll-token create` → the "cerebro-collector enroll URL TOKEN" line, split. */
function enrolLine(home: string, extra: string[] = []): { url: string; token: string } {
  const r = consoleCli(home, ['enroll-token', 'create', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const m = /^cerebro-collector enroll (wss:\/\/\S+) (cbe1\.\S+)$/.exec(r.stdout.trim());
  assert.ok(m, `one pasteable line, got ${JSON.stringify(r.stdout)}`);
  return { url: m[1] as string, token: m[2] as string };
}

function runCollector(t: TestContext, stateDir: string, hostId: string, args: string[] = []): Proc {
  const child = spawn(process.execPath, [COLLECTOR_BIN, 'run', '--state-dir', stateDir, '--host-id', hostId, '--interval', '250', '--no-logs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc(`collector ${hostId}`, child);
  t.after(() => proc.stop('SIGKILL'));
  return proc;
}

function status(stateDir: string): { link: { state: string; lastError: string | null; connects: number } } | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, 'status.json'), 'utf8')) as never;
  } catch {
    return null;
  }
}

/** Open a raw wss connection; resolves with the challenge once open. */
function rawConnect(url: string): Promise<{ ws: WebSocket; challenge: string; messages: ConsoleMessage[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false });
    const messages: ConsoleMessage[] = [];
    let challenge = '';
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('upgrade', (res: IncomingMessage) => (challenge = String(res.headers[CHALLENGE_HEADER] ?? '')));
    ws.on('message', (d: Buffer) => {
      const m = decodeConsoleFrame(d);
      if (m.ok) messages.push(m.value);
    });
    ws.on('open', () => resolve({ ws, challenge, messages, closed }));
    ws.on('error', reject);
  });
}

test('enrolment, pinning, plaintext refusal, replay and revocation against a real TLS console', async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home, { tls: true });
  assert.match(con.info.ingestUrl, /^wss:\/\//, 'TLS is the default');
  const stateA = path.join(home, 'collector-a');
  const hostA = `it-enrolled-${process.pid}`;

  await t.test('a valid token enrols once; reused, expired and forged tokens are refused', () => {
    const { url, token } = enrolLine(home);
    const ok = collectorCli(['enroll', url, token, '--state-dir', stateA, '--host-id', hostA]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`enrolled host ${hostA}`));
    assert.equal((fs.statSync(path.join(stateA, 'credential.json')).mode & 0o777).toString(8), '600');

    const reused = collectorCli(['enroll', url, token, '--state-dir', path.join(home, 'b'), '--host-id', 'it-b']);
    assert.equal(reused.code, 2);
    assert.match(reused.stderr, /refused the enrolment: this enrolment token was already used/);

    const fingerprint = con.info.ingestFingerprint as string;
    const expired = EnrolTokenStore.inTrustDir(path.join(home, 'trust')).create(fingerprint, { ttlMs: 60_000, now: Date.now() - 120_000 });
    const late = collectorCli(['enroll', url, expired.token, '--state-dir', path.join(home, 'c'), '--host-id', 'it-c']);
    assert.match(late.stderr, /refused the enrolment: enrolment token \w+ expired at/);

    const forged = formatEnrolToken(randomBytes(24).toString('base64url'), fingerprint);
    const bad = collectorCli(['enroll', url, forged, '--state-dir', path.join(home, 'd'), '--host-id', 'it-d']);
    assert.match(bad.stderr, /refused the enrolment: unknown enrolment token/);
    assert.ok(!fs.existsSync(path.join(home, 'd', 'credential.json')), 'a refused enrolment saves nothing');
  });

  const collector = runCollector(t, stateA, hostA);
  await waitFor('the enrolled collector streaming over TLS', async () => (await con.api('hosts')).find((h) => h.id === hostA && h.lastSeq >= 2), 20_000);

  await t.test('plaintext is refused on both sides unless asked for', async () => {
    const tokenFile = createTokenFile(home, home);
    const plainUrl = con.info.ingestUrl.replace('wss://', 'ws://');
    const noFlag = collectorCli(['run', '--console', plainUrl, '--token-file', tokenFile, '--state-dir', path.join(home, 'p1')]);
    assert.equal(noFlag.code, 2);
    assert.match(noFlag.stderr, /is plaintext: .* needs wss:\/\/.*--plaintext/);
    const stateP = path.join(home, 'p2');
    runCollector(t, stateP, 'it-plain', ['--console', plainUrl, '--token-file', tokenFile, '--plaintext']);
    const s = await waitFor('the plaintext collector to report the refusal', () => status(stateP)?.link.lastError?.includes('refused a plaintext connection') && status(stateP), 15_000);
    assert.match(s.link.lastError ?? '', /serves its ingest endpoint over TLS only: use a wss:\/\/ URL/);
    assert.notEqual(s.link.state, 'connected');
    await waitFor('the console to log the refusal', () => /refused a plaintext connection from/.test(con.proc.output), 5_000);
  });

  await t.test('a replayed handshake is refused', async () => {
    const cred = JSON.parse(fs.readFileSync(path.join(stateA, 'credential.json'), 'utf8')) as { credentialId: string; privateKey: string };
    // This hello speaks for host A and replaces the real collector A's connection (the newest wins). A
    // running A reconnects within its backoff (~0.5 s) and replaces this one in turn: when the console's
    // welcome took longer than that (a busy machine: the CI run of 2026-11-26 waited 5 s for it), the welcome
    // never came. A is paused meanwhile, and resumed after.
    const connectsBefore = status(stateA)?.link.connects ?? 0;
    collector.child.kill('SIGSTOP');
    try {
      const first = await rawConnect(con.info.ingestUrl);
      const hello: Hello = { type: 'hello', v: PROTOCOL_VERSION, hostId: `${hostA}`, hostname: 'x', token: '', agent: { name: 'it', version: '0' }, epoch: 'replay-epoch-1', oldestSeq: 1, nextSeq: 1 };
      const sig = sign(null, Buffer.from(helloSigningInput(first.challenge, hello, cred.credentialId)), createPrivateKey(cred.privateKey));
      const frame = encodeMessage({ ...hello, auth: { cred: cred.credentialId, sig } });
      first.ws.send(frame);
      await waitFor('the signed hello to be welcomed', () => first.messages.find((m) => m.type === 'welcome'), 10_000);
      first.ws.close();
      const second = await rawConnect(con.info.ingestUrl);
      second.ws.send(frame);
      assert.equal(await second.closed, 4001);
      const error = second.messages.find((m) => m.type === 'error');
      assert.ok(error?.type === 'error');
      assert.match(error.message, /does not match credential .* and this connection's challenge \(a replayed or forged handshake\)/);
    } finally {
      collector.child.kill('SIGCONT');
    }
    // A finds its connection replaced and connects again.
    await waitFor('collector A connected again', () => { const st = status(stateA); return st !== null && st.link.connects > connectsBefore && st.link.state === 'connected'; }, 15_000);
  });

  await t.test('a revoked host is disconnected at once and cannot reconnect', async () => {
    await waitFor('the collector connected again', () => status(stateA)?.link.state === 'connected', 15_000);
    const r = consoleCli(home, ['hosts', 'revoke', hostA]);
    assert.equal(r.code, 0, r.stderr);
    const revokedAt = Date.now();
    await waitFor('the live connection to be closed', () => /console closed the connection \(4001 UNAUTHORIZED\)/.test(collector.output), 5_000);
    t.diagnostic(`connection closed ${Date.now() - revokedAt} ms after the revocation`);
    await waitFor('a reconnect attempt refused', () => /refused collector .* was revoked/.test(con.proc.output), 10_000);
    const list = await con.api('hosts');
    assert.notEqual(list.find((h) => h.id === hostA)?.connected, true);
  });
});

test('a collector that finds the wrong certificate sends nothing, neither token nor hello', async (t) => {
  const dir = tempDir(t);
  const ca = createCertificateAuthority('impostor CA');
  const server = issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const httpsServer = https.createServer({ key: server.keyPem, cert: server.certPem + ca.certPem });
  const wss = new WebSocketServer({ server: httpsServer, path: '/ingest' });
  let frames = 0;
  wss.on('connection', (ws) => ws.on('message', () => frames++));
  await new Promise<void>((r) => httpsServer.listen(0, '127.0.0.1', r));
  t.after(() => httpsServer.close());
  const url = `wss://127.0.0.1:${(httpsServer.address() as { port: number }).port}/ingest`;
  const pinnedElsewhere = formatEnrolToken(randomBytes(24).toString('base64url'), randomBytes(32).toString('hex'));
  const r = await collectorCliAsync(['enroll', url, pinnedElsewhere, '--state-dir', path.join(dir, 's'), '--host-id', 'it-pin']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /refusing to enrol .*does not contain the pinned certificate.*Nothing was sent/);
  const mismatch = await collectorCliAsync(['enroll', url, pinnedElsewhere, '--fingerprint', 'ab'.repeat(32), '--state-dir', path.join(dir, 's'), '--host-id', 'it-pin']);
  assert.match(mismatch.stderr, /--fingerprint does not match the fingerprint inside the token/);
  const stateDir = path.join(dir, 'run');
  runCollector(t, stateDir, 'it-pin-run', ['--console', url, '--token-file', createTokenFileLocal(dir), '--fingerprint', 'cd'.repeat(32)]);
  await waitFor('the collector to report the wrong certificate', () => status(stateDir)?.link.lastError?.includes('pinned certificate'), 15_000);
  await new Promise((res) => setTimeout(res, 500));
  assert.equal(frames, 0, 'the impostor received no frame at all');
});

function createTokenFileLocal(dir: string): string {
  const file = path.join(dir, 'token');
  fs.writeFileSync(file, 'cbt_static-token-for-pin-test\n', { mode: 0o600 });
  return file;
}

test('signed commands reach an enrolled collector; its local policy refuses what it forbids', async (t) => {
  const home = tempDir(t);
  const core = await ConsoleCore.start({ home, log: () => undefined, ingest: { port: 0 }, api: { port: 0 }, maintenanceMs: 60_000 });
  t.after(() => core.stop());
  const hostId = `it-cmd-${process.pid}`;
  const stateDir = path.join(home, 'collector');
  const { url, token } = enrolLine(home);
  assert.equal((await collectorCliAsync(['enroll', url, token, '--state-dir', stateDir, '--host-id', hostId])).code, 0);

  const unknown = await core.ingest.sendCommand('no-such-host', 'ping', {});
  assert.equal(unknown.error?.code, 'NOT_CONNECTED');

  const open = runCollector(t, stateDir, hostId);
  await waitFor('the collector connected', () => core.ingest.connectedHosts().includes(hostId), 20_000);
  const pong = await core.ingest.sendCommand(hostId, 'ping', { hello: 'there' }, { timeoutMs: 5000 });
  assert.equal(pong.ok, true, JSON.stringify(pong));
  assert.equal((pong.output as { pong: boolean }).pong, true);
  const unsupported = await core.ingest.sendCommand(hostId, 'no.such.kind', {}, { timeoutMs: 5000 });
  assert.equal(unsupported.error?.code, 'UNSUPPORTED_COMMAND');
  const badTerminal = await core.ingest.sendCommand(hostId, 'terminal.open', {}, { timeoutMs: 5000 });
  assert.equal(badTerminal.error?.code, 'INVALID_PAYLOAD');
  assert.match(badTerminal.error?.message ?? '', /payload\.sid must be/);
  const unsignable = await core.ingest.sendCommand(hostId, 'ping', { data: new Uint8Array(2) });
  assert.match(unsignable.error?.message ?? '', /binary data cannot be signed/);
  await open.stop();

  const policyFile = path.join(home, 'policy.json');
  fs.writeFileSync(policyFile, JSON.stringify({ commands: { deny: ['ping'] }, terminals: false }));
  const locked = runCollector(t, stateDir, hostId, ['--policy-file', policyFile]);
  await waitFor('the collector connected with its policy', () => core.ingest.connectedHosts().includes(hostId), 20_000);
  const refused = await core.ingest.sendCommand(hostId, 'ping', {}, { timeoutMs: 5000 });
  assert.equal(refused.ok, false);
  assert.equal(refused.error?.code, 'FORBIDDEN_BY_POLICY');
  assert.match(refused.error?.message ?? '', /denies 'ping'/);
  await waitFor('the refusal logged on the host', () => /refused command \w+ \('ping'\): FORBIDDEN_BY_POLICY/.test(locked.output), 5_000);
});
