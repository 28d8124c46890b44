/**
 * Runs the console core (core/host.ts, bundled to dist/cerebro-core-host.mjs) in an Electron utility
 * process. Why a utility process and not a worker thread: ingest, the WAL, LMDB (native code) and
 * analytics then have their own event loop, V8 heap and OS process, so a burst of collector traffic never
 * delays a window event in main, and a native crash in the core cannot take the window down with it.
 * A worker_thread would share main's process (and its crashes); a plain child_process would need a Node
 * binary beside the app, which a packaged app does not have: utilityProcess runs Electron's own Node.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { CoreHostMessage } from '../core/host';
import type { ConsoleInfo } from '../core/paths';

export interface CoreOptions {
  readonly entry: string;
  /** Arguments for core/host.ts: --ingest-host, --ingest-port, --api-port. */
  readonly args: readonly string[];
  readonly log: (message: string) => void;
}

export class CoreProcess {
  private child: UtilityProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Resolves with the core's endpoint once it listens; rejects if it fails to start. */
  readonly ready: Promise<ConsoleInfo>;

  constructor(options: CoreOptions) {
    this.ready = new Promise((resolve, reject) => {
      const child = utilityProcess.fork(options.entry, [...options.args], { serviceName: 'CEREBRO console core', stdio: 'inherit' });
      this.child = child;
      this.exited = new Promise((done) => child.once('exit', () => done()));
      child.on('message', (message: CoreHostMessage) => {
        if (message.type === 'ready') resolve(message.info);
        else if (message.type === 'failed') reject(new Error(message.message));
      });
      child.once('exit', (code) => {
        this.child = null;
        reject(new Error(`the console core exited (code ${code}) before it was ready`));
        options.log(`console core exited (code ${code})`);
      });
    });
    // A failed start is reported where `ready` is awaited; this only keeps it from being "unhandled".
    this.ready.catch(() => undefined);
  }

  /** Ask the core to stop (it flushes its store), then wait; kill it if it takes longer than `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.postMessage({ type: 'stop' });
    const timer = setTimeout(() => child.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
