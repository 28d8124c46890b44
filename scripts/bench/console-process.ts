/** The real console (`cerebro-console serve`) and collector bundles, as separate processes. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { routePath, type RouteName, type RouteResponses } from '@cerebro/shared/api/contract';
import type { Cleanup } from './cleanup';
import { startProcess, waitFor, type Spawned } from './spawned';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CONSOLE_BIN = path.join(REPO_ROOT, 'apps/desktop/bin/cerebro-console.mjs');
export const COLLECTOR_BIN = path.join(REPO_ROOT, 'apps/collector/bin/cerebro-collector.mjs');
const BUNDLES = ['apps/collector/dist/cerebro-collector.mjs', 'apps/desktop/dist/cerebro-console.mjs'].map((p) => path.join(REPO_ROOT, p));
const SOURCES = ['shared/src', 'apps/collector/src', 'apps/desktop/src/core'].map((p) => path.join(REPO_ROOT, p));

/** What a running console publishes in $CEREBRO_HOME/console.json (the fields used here). */
export interface ConsoleInfo {
  readonly pid: number;
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly ingestUrl: string;
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Build the collector and console bundles (`node scripts/build.mjs`) when one is missing or older than a
 * source file, so the benchmark never measures stale code. Returns why it built, or null.
 */
export function ensureBundles(log: (m: string) => void, force = false): string | null {
  const missing = BUNDLES.filter((b) => !fs.existsSync(b));
  const oldest = missing.length > 0 ? 0 : Math.min(...BUNDLES.map((b) => fs.statSync(b).mtimeMs));
  const newestSource = Math.max(...SOURCES.map(newestMtimeMs));
  const reason = force ? '--build given' : missing.length > 0 ? `missing ${missing.map((m) => path.relative(REPO_ROOT, m)).join(', ')}` : newestSource > oldest ? 'sources are newer than the bundles' : null;
  if (!reason) return null;
  log(`building the bundles (${reason}): node scripts/build.mjs`);
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build.mjs')], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  return reason;
}

function consoleEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, CEREBRO_HOME: home };
}

/** `cerebro-console token create` in `home`; returns the token it prints (bound to no host). */
export function createToken(home: string): string {
  const out = execFileSync(process.execPath, [CONSOLE_BIN, 'token', 'create', '--label', 'bench'], { cwd: REPO_ROOT, env: consoleEnv(home), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  const token = out.trim().split('\n').at(-1)?.trim() ?? '';
  if (!token) throw new Error(`cerebro-console token create printed no token (stdout: ${JSON.stringify(out)})`);
  return token;
}

export interface RunningConsole {
  readonly proc: Spawned;
  readonly info: ConsoleInfo;
  readonly home: string;
}

/**
 * Start `cerebro-console serve --ingest-port 0 --api-port 0` with CEREBRO_HOME=home and wait (≤ 30 s) for
 * its console.json. `nodeArgs` go before the script (e.g. --cpu-prof). The ingest link is plain ws:// on
 * loopback (`--insecure-plaintext`) unless `tls` is true or CEREBRO_BENCH_TLS=1 (to measure TLS's cost;
 * simulated collectors then skip certificate checks, which the collector's own pinning covers). `serveArgs`
 * go after `serve` (e.g. --detector-warmup, for the fault scenarios).
 */
export async function startConsole(cleanup: Cleanup, home: string, nodeArgs: readonly string[] = [], tls = process.env['CEREBRO_BENCH_TLS'] === '1', serveArgs: readonly string[] = []): Promise<RunningConsole> {
  const proc = startProcess(cleanup, 'console', process.execPath, [...nodeArgs, CONSOLE_BIN, 'serve', '--ingest-port', '0', '--api-port', '0', ...(tls ? [] : ['--insecure-plaintext']), ...serveArgs], { env: consoleEnv(home), cwd: REPO_ROOT });
  let exited = false;
  void proc.exited.then(() => (exited = true));
  const info = await waitFor('the console to write console.json', 30_000, () => {
    if (exited) throw new Error(`the console exited before it was ready:\n${proc.tail()}`);
    try {
      const parsed = JSON.parse(fs.readFileSync(path.join(home, 'console.json'), 'utf8')) as ConsoleInfo;
      return parsed.pid === proc.pid ? parsed : null;
    } catch {
      return null;
    }
  });
  return { proc, info, home };
}

/** GET one route of the console's local API (`hostId` fills a route's `:host`, `query` is appended as given). */
export async function consoleApi<N extends RouteName>(info: ConsoleInfo, name: N, o: { hostId?: string; query?: string; timeoutMs?: number } = {}): Promise<RouteResponses[N]> {
  const res = await fetch(new URL(`${routePath(name, o.hostId)}${o.query ?? ''}`, info.apiUrl), { headers: { authorization: `Bearer ${info.apiToken}` }, signal: AbortSignal.timeout(o.timeoutMs ?? 5000) });
  if (!res.ok) throw new Error(`console API ${name}${o.hostId !== undefined ? ` of ${o.hostId}` : ''}${o.query ?? ''}: HTTP ${res.status}`);
  return (await res.json()) as RouteResponses[N];
}
