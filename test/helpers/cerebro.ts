/**
 * Cross-process test helpers: start the real console (`cerebro-console serve`) and the real collector
 * (`cerebro-collector run`) as separate processes from their built bundles, talk to the console's API,
 * and wait for conditions with a deadline. Every process started here is killed when the test ends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { routePath, type RouteName, type RouteResponses } from '@cerebro/shared/api/contract';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONSOLE_BIN = path.join(ROOT, 'apps/desktop/bin/cerebro-console.mjs');
const COLLECTOR_BIN = path.join(ROOT, 'apps/collector/bin/cerebro-collector.mjs');

export interface ConsoleInfo {
  readonly pid: number;
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly ingestUrl: string;
  /** SHA-256 of the console CA that collectors pin (TLS consoles only). */
  readonly ingestFingerprint?: string;
  /** The console UI with the session token in the fragment. */
  readonly uiUrl: string;
}

/** A child process with its output kept for failure messages. */
export class Proc {
  output = '';
  readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.append(d));
    child.stderr?.on('data', (d: Buffer) => this.append(d));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  private append(d: Buffer): void {
    this.output += d.toString();
    if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Send a signal and wait for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  tail(lines = 30): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }
}

/**
 * Fresh temp dir, removed after the test. Its hook runs before those of processes started later (after
 * hooks run in the order they were added), so a console or collector may still write in it meanwhile:
 * the removal retries a folder that a new file refilled (ENOTEMPTY) instead of failing the hook, which
 * would skip the hooks that stop those processes and leave the test process running.
 */
export function tempDir(t: TestContext, prefix = 'cerebro-it-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));
  return dir;
}

/** Poll `check` until it returns a truthy value or the deadline passes (then fail saying what was awaited). */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Builds the collector and console bundles once, when they are missing (npm test builds them first). */
export function ensureBuilt(): void {
  if (fs.existsSync(path.join(ROOT, 'apps/collector/dist/cerebro-collector.mjs')) && fs.existsSync(path.join(ROOT, 'apps/desktop/dist/cerebro-console.mjs'))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export interface RunningConsole {
  readonly proc: Proc;
  readonly home: string;
  readonly info: ConsoleInfo;
  api<N extends RouteName>(name: N, hostId?: string, query?: Record<string, string | number>): Promise<RouteResponses[N]>;
}

/**
 * Start `cerebro-console serve` on `home` and wait until it publishes console.json. The ingest link is
 * plain ws:// on loopback (`--insecure-plaintext`) unless `tls: true`: most tests exercise the pipeline,
 * not the transport, and drive it with raw WebSocket clients; the trust tests ask for TLS.
 */
export async function startConsole(t: TestContext, home: string, options: { ingestPort?: number; apiPort?: number; tls?: boolean } = {}, extraArgs: string[] = []): Promise<RunningConsole> {
  ensureBuilt();
  const infoFile = path.join(home, 'console.json');
  fs.rmSync(infoFile, { force: true });
  const child = spawn(process.execPath, [CONSOLE_BIN, 'serve', '--ingest-port', String(options.ingestPort ?? 0), '--api-port', String(options.apiPort ?? 0), '--log-level', 'debug', ...(options.tls ? [] : ['--insecure-plaintext']), ...extraArgs], {
    env: { ...process.env, CEREBRO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc('console', child);
  t.after(() => proc.stop('SIGKILL'));
  const info = await waitFor(
    'the console to write console.json',
    () => {
      if (!proc.running) throw new Error(`console exited early:\n${proc.tail()}`);
      try {
        const i = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as ConsoleInfo;
        return i.pid === child.pid ? i : null;
      } catch {
        return null;
      }
    },
    20_000,
  );
  return {
    proc,
    home,
    info,
    async api(name, hostId, query) {
      const url = new URL(routePath(name, hostId), info.apiUrl);
      for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v));
      const res = await fetch(url, { headers: { authorization: `Bearer ${info.apiToken}` } });
      const body = (await res.json()) as never;
      if (!res.ok) throw new Error(`API ${url.pathname} → ${res.status}: ${JSON.stringify(body)}`);
      return body;
    },
  };
}

/** `cerebro-console token create` into a file; returns the file path. */
export function createTokenFile(home: string, dir: string, hostId?: string): string {
  const args = [CONSOLE_BIN, 'token', 'create', ...(hostId ? ['--host', hostId] : [])];
  const r = spawnSync(process.execPath, args, { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`token create failed: ${r.stderr}`);
  const file = path.join(dir, `token-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, r.stdout.trim() + '\n', { mode: 0o600 });
  return file;
}

export interface RunningCollector {
  readonly proc: Proc;
  readonly stateDir: string;
  /** The collector's status.json (written every few ticks and at stop). */
  status(): CollectorStatus | null;
}

export interface CollectorStatus {
  readonly pid: number;
  readonly hostId: string;
  readonly link: { readonly state: string; readonly connects: number; readonly acks: number; readonly lastError: string | null };
  readonly spool: { readonly pendingBatches: number; readonly droppedBatches: number; readonly nextSeq: number; readonly rejectedBatches: number };
  readonly ticks: number;
}

export async function startCollector(
  t: TestContext,
  options: { ingestUrl: string; tokenFile: string; stateDir: string; intervalMs?: number; hostId?: string; args?: string[] },
): Promise<RunningCollector> {
  ensureBuilt();
  const args = [
    COLLECTOR_BIN,
    'run',
    '--console',
    options.ingestUrl,
    '--token-file',
    options.tokenFile,
    '--state-dir',
    options.stateDir,
    '--interval',
    String(options.intervalMs ?? 1000),
    // The explicit opt-in the collector needs for a ws:// console (startConsole's default).
    ...(options.ingestUrl.startsWith('ws://') ? ['--plaintext'] : []),
    ...(options.hostId ? ['--host-id', options.hostId] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc('collector', child);
  t.after(() => proc.stop('SIGKILL'));
  const statusFile = path.join(options.stateDir, 'status.json');
  return {
    proc,
    stateDir: options.stateDir,
    status() {
      try {
        return JSON.parse(fs.readFileSync(statusFile, 'utf8')) as CollectorStatus;
      } catch {
        return null;
      }
    },
  };
}

/** This machine's host id as the collector computes it by default. */
export function localHostId(): string {
  try {
    const id = fs.readFileSync('/etc/machine-id', 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch {
    // fall through
  }
  return os.hostname().replace(/[^A-Za-z0-9._:-]/g, '-');
}

/**
 * Wait until `key` of `hostId` has finished the detector's warm-up (its alerts can open from now on).
 * The store and the scorer take the same batch synchronously, so a stored series is a scored one.
 */
export async function waitForWarmSeries(con: RunningConsole, collector: RunningCollector, hostId: string, key = 'cpu.util_pct', timeoutMs = 45_000): Promise<void> {
  await waitFor(
    `${key} to finish its warm-up`,
    async () => {
      if (!collector.proc.running) throw new Error(`collector exited:\n${collector.proc.tail()}`);
      if (!(await con.api('hosts')).some((h) => h.id === hostId)) return null;
      if (!(await con.api('series', hostId)).some((x) => x.key === key)) return null;
      return !(await con.api('hostAlerts', hostId)).learning.includes(key);
    },
    timeoutMs,
    250,
  );
}
