/**
 * Entry of the console core when another process owns it: Electron's main starts it with
 * `utilityProcess.fork` (main/core-process.ts); Node's `child_process.fork` works the same (tests). It
 * starts ConsoleCore, tells the parent where the API listens (with its session token, which the parent
 * keeps to itself), and stops cleanly when asked or signalled. Plain Node: it never imports Electron.
 */
import { parseArgs } from 'node:util';
import { ConsoleCore } from './console';
import { cerebroHome, type ConsoleInfo } from './paths';

/** Core → parent. */
export type CoreHostMessage =
  | { readonly type: 'ready'; readonly info: ConsoleInfo }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stopped' };

/** Parent → core. */
export type CoreHostCommand = { readonly type: 'stop' };

/** Electron's utility-process port (`process.parentPort`); Node's typings do not know it. */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function post(message: CoreHostMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

function onCommand(handler: (command: CoreHostCommand) => void): void {
  const accept = (data: unknown): void => {
    if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'stop') handler({ type: 'stop' });
  };
  if (parentPort) parentPort.on('message', (e) => accept(e.data));
  else process.on('message', accept);
}

const log = (level: string, message: string): void => {
  if (level !== 'debug' || process.env['CEREBRO_LOG_LEVEL'] === 'debug') process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} [core] ${message}\n`);
};

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: { 'ingest-host': { type: 'string' }, 'ingest-port': { type: 'string' }, 'api-port': { type: 'string' } },
});

const port = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

try {
  const core = await ConsoleCore.start({
    home: cerebroHome(),
    log,
    ingest: { ...(values['ingest-host'] ? { host: values['ingest-host'] } : {}), ...(port(values['ingest-port']) !== undefined ? { port: port(values['ingest-port']) } : {}) },
    api: { port: port(values['api-port']) ?? 0 },
  });
  let stopping: Promise<void> | null = null;
  const stop = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      log('info', `${why}: stopping`);
      await core.stop().catch((e: unknown) => log('error', `stop failed: ${(e as Error).stack ?? String(e)}`));
      post({ type: 'stopped' });
      process.exit(0);
    })());
  onCommand(() => void stop('asked by the desktop shell'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  post({ type: 'ready', info: core.info });
} catch (e) {
  post({ type: 'failed', message: (e as Error).message });
  log('error', `the console core did not start: ${(e as Error).message}`);
  process.exitCode = 1;
}
