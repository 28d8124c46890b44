/**
 * Where the console keeps its data: `$CEREBRO_HOME`, by default `$XDG_DATA_HOME/cerebro`
 * (`~/.local/share/cerebro`). `console.json` there tells local tools (the CLI, the UI launcher) how to
 * reach the running console; it holds the API session token, so it is written with mode 0600.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function cerebroHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env['CEREBRO_HOME']) return path.resolve(env['CEREBRO_HOME']);
  const base = env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'cerebro');
}

/** What a running console publishes about itself in `$CEREBRO_HOME/console.json`. */
export interface ConsoleInfo {
  readonly pid: number;
  readonly startedMs: number;
  readonly version: string;
  /** http://host:port of the local API. */
  readonly apiUrl: string;
  /** Bearer token for the local API. */
  readonly apiToken: string;
  /** wss://host:port/ingest for collectors (ws:// when started with --insecure-plaintext). */
  readonly ingestUrl: string;
  /** SHA-256 of the console CA certificate (lower-case hex) that collectors pin; absent in plaintext mode. */
  readonly ingestFingerprint?: string;
  /**
   * The console UI in a browser: `${apiUrl}/#token=${apiToken}`. The token rides in the fragment, which
   * browsers never send to the server; the page moves it to sessionStorage and clears the address bar.
   */
  readonly uiUrl: string;
}

export function consoleInfoPath(home: string): string {
  return path.join(home, 'console.json');
}

export function writeConsoleInfo(home: string, info: ConsoleInfo): void {
  const file = consoleInfoPath(home);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeConsoleInfo(home: string, pid: number): void {
  const info = readConsoleInfo(home);
  if (info?.pid === pid) fs.rmSync(consoleInfoPath(home), { force: true });
}

export function readConsoleInfo(home: string): ConsoleInfo | null {
  try {
    return JSON.parse(fs.readFileSync(consoleInfoPath(home), 'utf8')) as ConsoleInfo;
  } catch {
    return null;
  }
}
