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
 */
import { execFile } from 'node:child_process';
import { echoFromStty, type FromPtyHost, type ToPtyHost } from './pty-host-protocol';

interface Pty {
  readonly pid: number;
  readonly ptsName?: string;
  onData(cb: (d: string | Buffer) => void): void;
  onExit(cb: (e: { exitCode: number; signal?: number }) => void): void;
  write(d: string | Buffer): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
}

function send(msg: FromPtyHost): void {
  if (process.connected) process.send?.(msg);
}

function echoState(pts: string): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile('stty', ['-a', '-F', pts], { timeout: 2000 }, (error, stdout) => resolve(error ? null : echoFromStty(stdout)));
  });
}

/**
 * node-pty reports a shell's exit only once the pty is read to its end, and destroys it (dropping what is
 * unread) if that takes over 200 ms. While paused for flow control nothing is read, so: watch the shell,
 * and resume as soon as it is gone, to read its last output before node-pty gives up on it. (Output still
 * in the pty when the shell, its session leader, exits can be flushed by the kernel's hangup anyway: a
 * command chained with `; exit` may lose its last few KiB, as in any terminal that reads late.)
 */
function watchWhilePaused(p: Pty): NodeJS.Timeout {
  const timer = setInterval(() => {
    try {
      process.kill(p.pid, 0);
    } catch {
      clearInterval(timer);
      p.resume();
    }
  }, 20);
  return timer;
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
  let pauseWatch: NodeJS.Timeout | null = null;
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
          if (!pty || pauseWatch) return;
          pty.pause();
          pauseWatch = watchWhilePaused(pty);
          return;
        case 'resume':
          if (pauseWatch) clearInterval(pauseWatch);
          pauseWatch = null;
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
    const p = spawn(o.shell, [...o.args], {
      name: 'xterm-256color',
      cols: o.cols,
      rows: o.rows,
      cwd: o.cwd,
      env: o.env,
      encoding: null,
      ...(o.uid !== undefined ? { uid: o.uid, gid: o.gid } : {}),
    });
    p.onData((d) => {
      send({ t: 'out', stream: 'o', data: typeof d === 'string' ? Buffer.from(d) : d });
    });
    p.onExit((e) => {
      exited = true;
      finish(0, { t: 'exit', code: e.signal ? null : e.exitCode, signal: e.signal ?? null });
    });
    send({ t: 'ready', pid: p.pid, pts: p.ptsName ?? '' });
    return p;
  }
}
