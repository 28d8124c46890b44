/**
 * The pty host: a child process of the collector (`cerebro-collector pty-host`) that owns ONE terminal
 * session. The native pty (node-pty) lives only here, never in the collector's tick loop: a shell that
 * floods output, a pty that blocks or a native crash costs this child, not the telemetry.
 *
 * Input recording and passwords: node-pty does not expose the pty's termios, so before each input chunk
 * is written the host reads the slave's flags with `stty -a -F /dev/pts/N` (which opens the slave as
 * its own, non-session-leader process, so it never becomes its controlling terminal). The chunk is
 * reported back as recordable input (`i`) only when ECHO is on; with echo off (a password prompt) or
 * unknown it is written to the pty but never leaves the host. Chunks are handled strictly in order.
 *
 * Capabilities: the shell is started through setpriv or capsh (shellLaunch), so that it does not keep
 * the capabilities the collector's unit grants it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { echoFromStty, parseCapSets, shellLaunch, type CapSets, type FromPtyHost, type ToPtyHost } from './pty-host-protocol';

interface Pty {
  readonly pid: number;
  /** The master's file descriptor. */
  readonly fd?: number;
  readonly ptsName?: string;
  onData(cb: (d: string | Buffer) => void): void;
  onExit(cb: (e: { exitCode: number; signal?: number }) => void): void;
  write(d: string | Buffer): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
}

/** node-pty's private read stream of the master (unixTerminal.js `_socket`). */
interface PtySocket {
  read(): Buffer | string | null;
  destroy(...args: unknown[]): unknown;
}

/** Most output read from the pty after the shell's exit (a background job may go on printing), bytes. */
const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
/** Longest time spent reading it, ms. */
const DRAIN_MAX_MS = 2000;

function send(msg: FromPtyHost): void {
  if (process.connected) process.send?.(msg);
}

function echoState(pts: string): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile('stty', ['-a', '-F', pts], { timeout: 2000 }, (error, stdout) => resolve(error ? null : echoFromStty(stdout)));
  });
}

/** The first executable `name` in PATH and the system directories, or null. */
export function findTool(name: string, pathVar = process.env['PATH'] ?? ''): string | null {
  for (const dir of [...pathVar.split(':'), '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dir.startsWith('/')) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

function ownCaps(): CapSets {
  try {
    return parseCapSets(fs.readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return { inh: 0n, prm: 0n, eff: 0n, bnd: 0n, amb: 0n };
  }
}

/**
 * Makes sure everything the shell printed reaches `emit` before node-pty reports its exit.
 *
 * Why: when the shell (the only holder of the pty's slave side) exits, reads of the master fail with
 * EIO, and Node's stream over the master can end on that error with the last KiB read by the kernel
 * but never delivered (a `printf` of 64 KiB followed by `exit` lost its tail about every other time).
 * So the host keeps the slave open itself: the master then never fails while output is unread. node-pty
 * destroys its stream 200 ms after the exit when it did not end by itself (which now it never does);
 * just before that, this reads what the stream buffered (also while paused for flow control) and then
 * the master directly until it is empty, bounded by DRAIN_MAX_MS and DRAIN_MAX_BYTES for a background
 * job that keeps printing, and only then lets go of the slave.
 */
function deliverAllOutput(p: Pty, emit: (data: Buffer) => void): void {
  const socket = (p as unknown as { _socket?: PtySocket })._socket;
  if (!p.ptsName || p.fd === undefined || !socket || typeof socket.destroy !== 'function' || typeof socket.read !== 'function') return;
  let slave: number | null;
  try {
    slave = fs.openSync(p.ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  } catch {
    return;
  }
  const fd = p.fd;
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (...args: unknown[]): unknown => {
    if (slave !== null) {
      // What the stream already holds comes first: read() hands it to the 'data' listeners.
      while (socket.read() !== null);
      const buf = Buffer.alloc(64 * 1024);
      const end = Date.now() + DRAIN_MAX_MS;
      for (let total = 0; total < DRAIN_MAX_BYTES && Date.now() < end; ) {
        let n = 0;
        try {
          n = fs.readSync(fd, buf, 0, buf.byteLength, null);
        } catch {
          break; // EAGAIN: empty (the slave is ours, so not EIO)
        }
        if (n <= 0) break;
        total += n;
        emit(Buffer.from(buf.subarray(0, n)));
      }
      try {
        fs.closeSync(slave);
      } catch {
        // already closed
      }
      slave = null;
    }
    return destroy(...args);
  };
}

/** Runs until the shell exits or the collector goes away; never returns normally. */
export async function runPtyHost(): Promise<void> {
  if (!process.send) {
    process.stderr.write('cerebro-collector pty-host: started without an IPC channel; the collector forks it, it is not run by hand\n');
    process.exit(2);
  }
  let pty: Pty | null = null;
  let inputQueue: Promise<void> = Promise.resolve();
  let exited = false;
  const finish = (code: number, last?: FromPtyHost): void => {
    // The IPC channel writes asynchronously: exit once the last message (and so every earlier one) is out.
    if (last && process.connected) process.send?.(last, () => process.exit(code));
    else setTimeout(() => process.exit(code), 50).unref();
  };
  process.on('disconnect', () => {
    pty?.kill('SIGHUP');
    finish(0);
  });
  process.on('message', (raw: unknown) => {
    const msg = raw as ToPtyHost;
    try {
      switch (msg.t) {
        case 'open':
          if (pty) return;
          void open(msg).then(
            (p) => {
              pty = p;
            },
            (e: unknown) => {
              send({ t: 'error', message: `cannot start ${msg.shell}: ${(e as Error).message}` });
              finish(1);
            },
          );
          return;
        case 'in': {
          const p = pty;
          if (!p) return;
          const data = Buffer.from(msg.data);
          inputQueue = inputQueue.then(async () => {
            const echo = p.ptsName ? await echoState(p.ptsName) : null;
            if (exited) return;
            if (echo === true) send({ t: 'out', stream: 'i', data });
            p.write(data);
          });
          return;
        }
        case 'resize':
          pty?.resize(msg.cols, msg.rows);
          return;
        case 'pause':
          pty?.pause();
          return;
        case 'resume':
          pty?.resume();
          return;
        case 'close':
          if (!pty) finish(0);
          pty?.kill('SIGHUP');
          // A shell that ignores SIGHUP is killed.
          setTimeout(() => pty?.kill('SIGKILL'), 2000).unref();
          return;
      }
    } catch (e) {
      send({ t: 'error', message: `pty host: ${(e as Error).message}` });
    }
  });

  async function open(o: Extract<ToPtyHost, { t: 'open' }>): Promise<Pty> {
    type Spawn = (file: string, args: string[], options: Record<string, unknown>) => Pty;
    // A CommonJS module: its exports are `default` (and maybe named) in an ES import.
    const mod = (await import('@lydell/node-pty')) as unknown as { spawn?: Spawn; default?: { spawn: Spawn } };
    const spawn = mod.spawn ?? mod.default?.spawn;
    if (!spawn) throw new Error('@lydell/node-pty has no spawn()');
    const launch = shellLaunch({
      shell: o.shell,
      args: o.args,
      setpriv: findTool('setpriv'),
      capsh: findTool('capsh'),
      switchTo: o.uid !== undefined && o.gid !== undefined ? { uid: o.uid, gid: o.gid } : null,
      uid: process.getuid?.() ?? -1,
      caps: ownCaps(),
    });
    const p = spawn(launch.file, [...launch.args], {
      name: 'xterm-256color',
      cols: o.cols,
      rows: o.rows,
      cwd: o.cwd,
      env: o.env,
      encoding: null,
      ...(launch.uid !== undefined ? { uid: launch.uid, gid: launch.gid } : {}),
    });
    const emit = (data: Buffer): void => send({ t: 'out', stream: 'o', data });
    p.onData((d) => emit(typeof d === 'string' ? Buffer.from(d) : d));
    deliverAllOutput(p, emit);
    p.onExit((e) => {
      exited = true;
      finish(0, { t: 'exit', code: e.signal ? null : e.exitCode, signal: e.signal ?? null });
    });
    send({ t: 'ready', pid: p.pid, pts: p.ptsName ?? '', capabilities: launch.capabilities, ...(launch.warning ? { warning: launch.warning } : {}) });
    return p;
  }
}
