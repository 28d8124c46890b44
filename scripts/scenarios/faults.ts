/**
 * The six faults, each a real process (or mount, or service) on this machine. A scenario prepares what
 * must exist before the detectors' warm-up (a mount, a supervised service, a two-tier pair: their series
 * and baselines must be learned while healthy), then injects the fault on demand and says, precisely,
 * which alerts it explains and which causes are right (see judge.ts for how those are applied).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { IncidentCause } from '@cerebro/shared/api/contract';
import type { Cleanup } from '../bench/cleanup';
import { freePort, startProcess, waitFor, type Spawned } from '../bench/spawned';
import { programCommand, startProgram } from './programs';

export interface ScenarioEnv {
  readonly cleanup: Cleanup;
  /** This scenario's own folder (scripts, mount point, supervisord config), removed by the cleanup. */
  readonly dir: string;
  /** The folder the collector follows (`--log-file DIR/*.log`). */
  readonly logDir: string;
  readonly log: (message: string) => void;
}

/** What an injected fault explains, and how it ends. */
export interface Injected {
  /** Series patterns (judge.ts seriesMatches) the fault moves. */
  readonly series: readonly string[];
  /** Log files the fault writes, or makes others write. */
  readonly logFiles: readonly string[];
  /** Words for the table: what the right top cause is. */
  readonly expected: string;
  rightCause(c: IncidentCause): boolean;
  /** Ends the fault and restores the healthy state; safe to call twice. */
  stop(): Promise<void>;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  /** Longest the fault stays injected while the harness waits for detection and diagnosis, ms. */
  readonly observeMs: number;
  /** Before the warm-up; resolves with a reason to skip the scenario, or null. */
  prepare(env: ScenarioEnv): Promise<string | null>;
  inject(env: ScenarioEnv): Promise<Injected>;
}

const isProcessCause = (c: IncidentCause): boolean => c.kind === 'process' || c.kind === 'service';
/** A cause naming one of `names`, or exactly `pid`. */
const namesProcess = (c: IncidentCause, names: readonly string[], pid?: number): boolean => isProcessCause(c) && (names.includes(c.name) || (pid !== undefined && c.pid === pid));

const cpuHog: Scenario = {
  name: 'cpu-hog',
  summary: 'a process burning one core',
  observeMs: 90_000,
  prepare: () => Promise.resolve(null),
  inject(env) {
    const hog = startProgram(env.cleanup, env.dir, 'hog', 'cerebro-hog', { 'max-sec': 150 });
    return Promise.resolve({
      series: ['cpu.*', 'load.*', 'proc.running'],
      logFiles: [],
      expected: `process cerebro-hog (pid ${hog.pid})`,
      rightCause: (c: IncidentCause) => namesProcess(c, ['cerebro-hog'], hog.pid),
      stop: () => hog.stop().then(() => undefined),
    });
  },
};

const memLeak: Scenario = {
  name: 'mem-leak',
  summary: 'a process keeping 40 MiB more every second (up to 2.5 GiB)',
  observeMs: 90_000,
  prepare: () => Promise.resolve(null),
  inject(env) {
    const leak = startProgram(env.cleanup, env.dir, 'leak', 'cerebro-leak', { 'mb-per-sec': 40, 'max-mb': 2560, 'max-sec': 150 });
    return Promise.resolve({
      // Touching 40 MiB a second costs the leaker CPU too (page faults, zeroing).
      series: ['mem.*', 'forecast.memory', 'cpu.*', 'load.*'],
      logFiles: [],
      expected: `process cerebro-leak (pid ${leak.pid})`,
      rightCause: (c: IncidentCause) => namesProcess(c, ['cerebro-leak'], leak.pid),
      stop: () => leak.stop().then(() => undefined),
    });
  },
};

function run(cmd: string, args: readonly string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? null : `${cmd} ${args.join(' ')}: ${(r.error?.message ?? r.stderr).trim() || `exit ${r.status}`}`;
}

/** The mount point fs-fill uses (set by prepare). */
let fillMount: string | null = null;
let fillDevice = 'loop';

const fsFill: Scenario = {
  name: 'fs-fill',
  summary: 'a writer filling a 128 MiB filesystem at 2 MiB/s',
  observeMs: 120_000,
  prepare(env) {
    const mnt = path.join(env.dir, 'mnt');
    fs.mkdirSync(mnt);
    const img = path.join(env.dir, 'fs.img');
    // A loop-mounted ext4 image is a real block device; tmpfs is the fallback where loop devices are missing.
    // Inode tables and journal initialised now, not lazily after the mount: that background writing would
    // show on the loop device during the other scenarios.
    const why = run('truncate', ['-s', '128M', img]) ?? run('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', img]) ?? run('mount', ['-o', 'loop', img, mnt]);
    if (why !== null) {
      env.log(`fs-fill: no loop-mounted ext4 (${why}); trying tmpfs`);
      fillDevice = 'tmpfs';
      const tmpfsWhy = run('mount', ['-t', 'tmpfs', '-o', 'size=128m', 'tmpfs', mnt]);
      if (tmpfsWhy !== null) return Promise.resolve(`mounting is forbidden here (${why}; ${tmpfsWhy})`);
    }
    // Lazy unmount: a writer still holding a file open must not keep the mount (or the scenario) alive.
    env.cleanup.add(`unmount ${mnt}`, () => void run('umount', ['-l', mnt]));
    fillMount = mnt;
    env.log(`fs-fill: ${fillDevice} filesystem mounted at ${mnt}`);
    return Promise.resolve(null);
  },
  inject(env) {
    const mnt = fillMount;
    if (mnt === null) throw new Error('fs-fill was not prepared');
    const file = path.join(mnt, 'fill.bin');
    const filler = startProgram(env.cleanup, env.dir, 'fill', 'cerebro-fill', { file, 'kb-per-sec': 2048, 'max-sec': 200 });
    return Promise.resolve({
      // Written pages pass through the page cache (and tmpfs is memory); the loop device and its backing disk see the writes.
      series: [`fs.*{mount=${mnt}}`, `forecast.fs{mount=${mnt}}`, 'disk.*', 'cpu.iowait_pct', 'mem.*'],
      logFiles: [],
      expected: `resource filesystem ${mnt}, or process cerebro-fill (pid ${filler.pid})`,
      rightCause: (c: IncidentCause) => (c.kind === 'resource' && c.name === `filesystem ${mnt}`) || namesProcess(c, ['cerebro-fill'], filler.pid),
      async stop() {
        await filler.stop();
        fs.rmSync(file, { force: true });
      },
    });
  },
};

/** supervisord for crash-loop (set by prepare). */
let supervisor: { conf: string; flag: string; proc: Spawned } | null = null;

function supervisorctl(conf: string, ...args: string[]): string {
  return execFileSync('supervisorctl', ['-c', conf, ...args], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const crashLoop: Scenario = {
  name: 'crash-loop',
  summary: 'a service under supervisord that fails at every start (bad config)',
  observeMs: 90_000,
  async prepare(env) {
    if (spawnSync('supervisord', ['--version'], { encoding: 'utf8' }).status !== 0) return 'supervisord is not installed (apt-get install supervisor; .ci/run does it as root)';
    const conf = path.join(env.dir, 'supervisord.conf');
    const flag = path.join(env.dir, 'payments.broken');
    const sock = path.join(env.dir, 'supervisor.sock');
    const { command, script } = programCommand(env.dir, 'crashy', 'cerebro-pay');
    // Its own socket, pid file and logs in this scenario's folder: no clash with any other supervisord here.
    fs.writeFileSync(
      conf,
      [
        '[unix_http_server]',
        `file=${sock}`,
        '[supervisord]',
        `logfile=${path.join(env.logDir, 'supervisord.log')}`,
        `pidfile=${path.join(env.dir, 'supervisord.pid')}`,
        `childlogdir=${env.dir}`,
        'nodaemon=true',
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${sock}`,
        '[program:payments]',
        `command=${command} ${script} --broken-flag ${flag} --max-sec 7200`,
        'autorestart=true',
        // startsecs=0: every start counts as started, so each crash is restarted at once, forever (a tight loop).
        'startsecs=0',
        'startretries=1000',
        `stdout_logfile=${path.join(env.logDir, 'payments.log')}`,
        'redirect_stderr=true',
        'stopasgroup=true',
        'killasgroup=true',
        '',
      ].join('\n'),
    );
    const proc = startProcess(env.cleanup, 'supervisord', 'supervisord', ['-n', '-c', conf]);
    try {
      await waitFor('supervisord to run payments', 20_000, () => {
        try {
          return /RUNNING/.test(supervisorctl(conf, 'status', 'payments')) ? true : null;
        } catch {
          return null;
        }
      }, 250);
    } catch (e) {
      return `supervisord did not start the service: ${(e as Error).message}\n${proc.tail()}`;
    }
    supervisor = { conf, flag, proc };
    env.log(`crash-loop: supervisord pid ${proc.pid} runs payments (cerebro-pay)`);
    return null;
  },
  inject(env) {
    const s = supervisor;
    if (s === null) throw new Error('crash-loop was not prepared');
    fs.writeFileSync(s.flag, 'broken\n');
    const pid = Number(supervisorctl(s.conf, 'pid', 'payments'));
    // The crash: the healthy process dies; every restart then fails on the broken config.
    if (pid > 0) process.kill(pid, 'SIGKILL');
    env.log(`crash-loop: killed payments (pid ${pid}); its config is now broken`);
    return Promise.resolve({
      // Node starting twice a second: forks, short-lived processes, their CPU and memory.
      series: ['proc.*', 'cpu.*', 'load.*', 'mem.*', 'event.*{name=cerebro-pay}'],
      logFiles: [path.join(env.logDir, 'payments.log'), path.join(env.logDir, 'supervisord.log')],
      expected: 'process or service cerebro-pay (any pid: it restarts)',
      rightCause: (c: IncidentCause) => namesProcess(c, ['cerebro-pay']),
      stop() {
        // The config repaired: the next restart succeeds and the loop ends.
        fs.rmSync(s.flag, { force: true });
        return Promise.resolve();
      },
    });
  },
};

let twoTier: { port: number; server: Spawned } | null = null;

const twoTierKill: Scenario = {
  name: 'two-tier',
  summary: 'a client (orders) calling a server (inventory) over loopback TCP; the server is killed',
  observeMs: 90_000,
  async prepare(env) {
    const port = await freePort();
    const server = startProgram(env.cleanup, env.dir, 'server', 'cerebro-srv', { port, 'max-sec': 7200 });
    await waitFor('the server to listen', 10_000, () => new Promise<true | null>((resolve) => {
      const s = new net.Socket();
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(null));
      s.connect(port, '127.0.0.1');
    }), 200);
    startProgram(env.cleanup, env.dir, 'client', 'cerebro-cli', { port, log: path.join(env.logDir, 'orders.log'), 'max-sec': 7200 });
    twoTier = { port, server };
    env.log(`two-tier: cerebro-srv (pid ${server.pid}) on 127.0.0.1:${port}, cerebro-cli calling it`);
    return null;
  },
  inject(env) {
    const t = twoTier;
    if (t === null) throw new Error('two-tier was not prepared');
    const killed = t.server.pid;
    t.server.child.kill('SIGKILL');
    return Promise.resolve({
      series: ['net.*{if=lo}', 'net.tcp*', 'sock.*', 'event.*{name=cerebro-srv}'],
      logFiles: [path.join(env.logDir, 'orders.log')],
      expected: `process or service cerebro-srv (pid ${killed})`,
      rightCause: (c: IncidentCause) => namesProcess(c, ['cerebro-srv'], killed),
      async stop() {
        // The server back: the client recovers, so the next scenarios start from a healthy pair.
        await t.server.exited;
        twoTier = { port: t.port, server: startProgram(env.cleanup, env.dir, 'server', 'cerebro-srv', { port: t.port, 'max-sec': 7200 }) };
      },
    });
  },
};

const logStorm: Scenario = {
  name: 'log-storm',
  summary: 'a process writing 200 lines/s of a never-seen error template to a followed file',
  observeMs: 90_000,
  prepare: () => Promise.resolve(null),
  inject(env) {
    const file = path.join(env.logDir, 'ledger.log');
    const storm = startProgram(env.cleanup, env.dir, 'storm', 'cerebro-storm', { log: file, 'per-sec': 200, 'max-sec': 150 });
    return Promise.resolve({
      // Shipping, storing and mining the storm costs the collector and console CPU, disk and loopback traffic.
      series: ['cpu.*', 'load.*', 'disk.*', 'net.*{if=lo}', 'proc.running'],
      logFiles: [file],
      expected: `process cerebro-storm (pid ${storm.pid})`,
      rightCause: (c: IncidentCause) => namesProcess(c, ['cerebro-storm'], storm.pid),
      stop: () => storm.stop().then(() => undefined),
    });
  },
};

export const SCENARIOS: readonly Scenario[] = [cpuHog, memLeak, fsFill, crashLoop, twoTierKill, logStorm];
