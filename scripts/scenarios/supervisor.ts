/**
 * One supervisord for the whole fault-scenario run, as a real host runs its services: the scenarios'
 * services (payments, the inventory server, the leaking worker, the ledger writer) are its programs, so
 * that a runbook's "restart the service through the host's supervisor" acts on them the way it would on a
 * production host (systemd there; supervisord here, where no systemd runs). Its socket, pid file, logs and
 * program files live in the run's folder: no clash with any other supervisord on the machine. Programs are
 * added while it runs (`[include]` of conf.d, then `supervisorctl update`), like a package adding a unit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Cleanup } from '../bench/cleanup';
import { sleep, startProcess, waitFor, type Spawned } from '../bench/spawned';

export interface ProgramSpec {
  /** The command line (no shell). */
  readonly command: string;
  /** Start with supervisord (default true). */
  readonly autostart?: boolean;
  /** supervisord's autorestart: true, false or unexpected (default unexpected). */
  readonly autorestart?: 'true' | 'false' | 'unexpected';
  /** Seconds a start must last to count as started (default 1). */
  readonly startsecs?: number;
  readonly startretries?: number;
  /** Where its stdout and stderr go (default: the run's folder). */
  readonly logFile?: string;
}

export class Supervisor {
  private constructor(
    readonly conf: string,
    private readonly programsDir: string,
    readonly proc: Spawned,
  ) {}

  /** Start supervisord in `dir`; a string says why it cannot run here. */
  static async start(cleanup: Cleanup, dir: string, logDir: string): Promise<Supervisor | string> {
    if (spawnSync('supervisord', ['--version'], { encoding: 'utf8' }).status !== 0) return 'supervisord is not installed (apt-get install supervisor; .ci/run does it as root)';
    fs.mkdirSync(dir, { recursive: true });
    const programsDir = path.join(dir, 'conf.d');
    fs.mkdirSync(programsDir, { recursive: true });
    const conf = path.join(dir, 'supervisord.conf');
    const sock = path.join(dir, 'supervisor.sock');
    fs.writeFileSync(
      conf,
      [
        '[unix_http_server]',
        `file=${sock}`,
        '[supervisord]',
        `logfile=${path.join(logDir, 'supervisord.log')}`,
        `pidfile=${path.join(dir, 'supervisord.pid')}`,
        `childlogdir=${dir}`,
        'nodaemon=true',
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${sock}`,
        '[include]',
        `files=${programsDir}/*.conf`,
        '',
      ].join('\n'),
    );
    const proc = startProcess(cleanup, 'supervisord', 'supervisord', ['-n', '-c', conf]);
    const s = new Supervisor(conf, programsDir, proc);
    // Stops every program (and their process groups) before the cleanup's SIGTERM to supervisord itself.
    cleanup.add('supervisorctl shutdown', () => {
      try {
        s.ctl('shutdown');
      } catch {
        // already gone
      }
    });
    try {
      await waitFor('supervisord to answer', 20_000, () => {
        try {
          s.ctl('status');
          return true;
        } catch (e) {
          // `status` exits 3 when some program is not running: it answered.
          return (e as { status?: number }).status === 3 ? true : null;
        }
      }, 250);
    } catch (e) {
      return `supervisord did not start: ${(e as Error).message}\n${proc.tail()}`;
    }
    return s;
  }

  /** supervisorctl with this supervisord's config; throws on a non-zero exit (output in the message). */
  ctl(...args: string[]): string {
    return execFileSync('supervisorctl', ['-c', this.conf, ...args], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** `supervisorctl status NAME`'s state word (RUNNING, STOPPED, EXITED, BACKOFF, FATAL…). */
  state(name: string): string {
    let out: string;
    try {
      out = this.ctl('status', name);
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '');
    }
    return out.split(/\s+/)[1] ?? 'UNKNOWN';
  }

  /** The program's pid, or 0 when it does not run. */
  pid(name: string): number {
    try {
      return Number(this.ctl('pid', name)) || 0;
    } catch {
      return 0;
    }
  }

  /** Add a program and wait until it runs (autostart) or is known (no autostart). */
  async add(name: string, spec: ProgramSpec): Promise<void> {
    const lines = [
      `[program:${name}]`,
      `command=${spec.command}`,
      `autostart=${spec.autostart ?? true}`,
      `autorestart=${spec.autorestart ?? 'unexpected'}`,
      `startsecs=${spec.startsecs ?? 1}`,
      `startretries=${spec.startretries ?? 3}`,
      `stdout_logfile=${spec.logFile ?? path.join(path.dirname(this.conf), `${name}.out`)}`,
      'redirect_stderr=true',
      'stopasgroup=true',
      'killasgroup=true',
      '',
    ];
    fs.writeFileSync(path.join(this.programsDir, `${name}.conf`), lines.join('\n'));
    this.ctl('update');
    const want = spec.autostart === false ? /STOPPED/ : /RUNNING/;
    await waitFor(`supervisord's program ${name} to be ${want.source}`, 20_000, () => (want.test(this.state(name)) ? true : null), 250);
  }

  /** Start the program unless it runs; wait until it does. */
  async ensureRunning(name: string): Promise<void> {
    if (this.state(name) === 'RUNNING') return;
    try {
      this.ctl('start', name);
    } catch {
      // "already started" races; the wait decides.
    }
    for (let i = 0; i < 80 && this.state(name) !== 'RUNNING'; i++) await sleep(250);
  }
}
