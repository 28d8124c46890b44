/**
 * The six faults, each a real process (or mount, or service) on this machine. A scenario prepares what
 * must exist before the detectors' warm-up (a mount, supervised services, a two-tier pair: their series
 * and baselines must be learned while healthy), then injects the fault on demand and says, precisely,
 * which alerts it explains and which causes are right (see judge.ts for how those are applied).
 *
 * Services run under the run's supervisord (supervisor.ts), as on a real host, and each scenario names
 * the runbook that should resolve it (`remedy`): with the harness's autonomous policy the console runs it
 * alone, through the enrolled collector, and the harness times it from diagnosis to verification.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { IncidentCause } from '@cerebro/shared/api/contract';
import type { Cleanup } from '../bench/cleanup';
import { freePort, waitFor } from '../bench/spawned';
import { programLine, startProgram } from './programs';
import type { Supervisor } from './supervisor';

export interface ScenarioEnv {
  readonly cleanup: Cleanup;
  /** This scenario's own folder (scripts, mount point), removed by the cleanup. */
  readonly dir: string;
  /** The folder the collector follows (`--log-file DIR/*.log`). */
  readonly logDir: string;
  /** The run's supervisord, or why there is none. */
  readonly supervisor: Supervisor | string;
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
  /** Whether a run's params name this fault's own target (the hog's pid, the filling mount, the service): a run on another one resolves nothing. */
  rightTarget(params: Readonly<Record<string, unknown>>): boolean;
  /** Ends the fault and restores the healthy state (also after a remediation); safe to call twice. */
  stop(): Promise<void>;
}

/** The runbook that resolves a scenario, and the params an operator previews it with when turning autonomy on. */
export interface Remedy {
  readonly runbook: string;
  /** `sample`: a harmless running process (pid, start time) for runbooks that name one; a dry run sends nothing. */
  dryRunParams(sample: { pid: number; startMs: number }): Record<string, unknown>;
  /** Directories the host's policy must open to file actions for it (remediation.allowedDirs). */
  allowedDirs?(): readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  /** Longest the fault stays injected while the harness waits for detection and diagnosis, ms. */
  readonly observeMs: number;
  /** The runbook that should resolve it; set by prepare where it depends on what prepare made. */
  readonly remedy: Remedy;
  /** Before the warm-up; resolves with a reason to skip the scenario, or null. */
  prepare(env: ScenarioEnv): Promise<string | null>;
  inject(env: ScenarioEnv): Promise<Injected>;
}

const isProcessCause = (c: IncidentCause): boolean => c.kind === 'process' || c.kind === 'service';
/** A cause naming one of `names`, or exactly `pid`. */
const namesProcess = (c: IncidentCause, names: readonly string[], pid?: number): boolean => isProcessCause(c) && (names.includes(c.name) || (pid !== undefined && c.pid === pid));

/** The run's supervisord, or an error naming why there is none (prepare returns that as the skip reason). */
function needSupervisor(env: ScenarioEnv): Supervisor {
  if (typeof env.supervisor === 'string') throw new Error(env.supervisor);
  return env.supervisor;
}

/** A service's remedy by name: the params are the supervisor's program name and the process name. */
function serviceRemedy(runbook: string, service: string): Remedy {
  return { runbook, dryRunParams: () => ({ service, process: service }) };
}

const cpuHog: Scenario = {
  name: 'cpu-hog',
  summary: 'a process burning one core',
  observeMs: 90_000,
  remedy: { runbook: 'cpu-hog-stop', dryRunParams: (p) => ({ pid: p.pid, startMs: p.startMs }) },
  prepare: () => Promise.resolve(null),
  inject(env) {
    const hog = startProgram(env.cleanup, env.dir, 'hog', 'cerebro-hog', { 'max-sec': 150 });
    return Promise.resolve({
      series: ['cpu.*', 'load.*', 'proc.running'],
      logFiles: [],
      expected: `process cerebro-hog (pid ${hog.pid})`,
      rightCause: (c: IncidentCause) => namesProcess(c, ['cerebro-hog'], hog.pid),
      rightTarget: (p) => p['pid'] === hog.pid,
      stop: () => hog.stop().then(() => undefined),
    });
  },
};

const LEAK = 'cerebro-leak';

const memLeak: Scenario = {
  name: 'mem-leak',
  summary: 'a supervised worker keeping 40 MiB more every second (up to 2.5 GiB)',
  observeMs: 90_000,
  remedy: serviceRemedy('memory-leak-restart', LEAK),
  async prepare(env) {
    if (typeof env.supervisor === 'string') return env.supervisor;
    // Started at injection (autostart off): the worker's leak begins when it does.
    await env.supervisor.add(LEAK, { command: programLine(env.dir, 'leak', LEAK, { 'mb-per-sec': 40, 'max-mb': 2560, 'max-sec': 7200 }), autostart: false, autorestart: 'false' });
    return null;
  },
  async inject(env) {
    const sup = needSupervisor(env);
    sup.ctl('start', LEAK);
    const pid = sup.pid(LEAK);
    env.log(`mem-leak: ${LEAK} started (pid ${pid})`);
    return {
      // Touching 40 MiB a second costs the leaker CPU too (page faults, zeroing).
      series: ['mem.*', 'forecast.memory', 'cpu.*', 'load.*', `event.*{name=${LEAK}}`],
      // supervisord's own lines about the worker (its restart by the remedy: "stopped: cerebro-leak").
      logFiles: [path.join(env.logDir, 'supervisord.log')],
      expected: `process ${LEAK} (pid ${pid}, or its restarted successor)`,
      rightCause: (c: IncidentCause) => namesProcess(c, [LEAK], pid),
      rightTarget: (p) => p['service'] === LEAK,
      stop: () => {
        // A restarted worker leaks again (the remedy buys time): the fault ends when the service stops.
        sup.ctl('stop', LEAK);
        return Promise.resolve();
      },
    };
  },
};

function run(cmd: string, args: readonly string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? null : `${cmd} ${args.join(' ')}: ${(r.error?.message ?? r.stderr).trim() || `exit ${r.status}`}`;
}

/** The mount point fs-fill uses (set by prepare). */
let fillMount: string | null = null;
let fillDevice = 'loop';
/** Archives the retention job should have pruned: this many, of this size, three days old. */
const OLD_ARCHIVES = 6;
const ARCHIVE_MIB = 10;

const fsFill: Scenario = {
  name: 'fs-fill',
  summary: `a backup job writing a new archive at 2 MiB/s into a 128 MiB filesystem that still holds ${OLD_ARCHIVES * ARCHIVE_MIB} MiB of archives its retention never pruned`,
  observeMs: 120_000,
  remedy: {
    runbook: 'fs-delete-old-files',
    dryRunParams: () => ({ mount: fillMount, dir: path.join(fillMount ?? '/nonexistent', 'backups') }),
    allowedDirs: () => (fillMount === null ? [] : [path.join(fillMount, 'backups')]),
  },
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
    // The old archives, written and aged now: part of the healthy baseline the detectors learn.
    const backups = path.join(mnt, 'backups');
    fs.mkdirSync(backups);
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    const chunk = Buffer.alloc(1 << 20, 5);
    for (let i = 1; i <= OLD_ARCHIVES; i++) {
      const file = path.join(backups, `ledger-${i}.tar`);
      const fd = fs.openSync(file, 'w');
      for (let m = 0; m < ARCHIVE_MIB; m++) fs.writeSync(fd, chunk);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.utimesSync(file, threeDaysAgo, threeDaysAgo);
    }
    env.log(`fs-fill: ${fillDevice} filesystem mounted at ${mnt}, ${OLD_ARCHIVES} archives of ${ARCHIVE_MIB} MiB aged 3 days in ${backups}`);
    return Promise.resolve(null);
  },
  inject(env) {
    const mnt = fillMount;
    if (mnt === null) throw new Error('fs-fill was not prepared');
    const file = path.join(mnt, 'backups', 'ledger-new.tar');
    const filler = startProgram(env.cleanup, env.dir, 'fill', 'cerebro-fill', { file, 'kb-per-sec': 2048, 'max-sec': 200 });
    return Promise.resolve({
      // Written pages pass through the page cache (and tmpfs is memory); the loop device and its backing disk see the writes.
      // The loop image is a sparse file on the root filesystem: the blocks the filler takes are allocated
      // there too, so `/`'s use rises with it (and falls when the remedy deletes the archives).
      series: [`fs.*{mount=${mnt}}`, `forecast.fs{mount=${mnt}}`, ...(fillDevice === 'loop' ? ['fs.*{mount=/}'] : []), 'disk.*', 'cpu.iowait_pct', 'mem.*'],
      logFiles: [],
      expected: `resource filesystem ${mnt}, or process cerebro-fill (pid ${filler.pid})`,
      rightCause: (c: IncidentCause) => (c.kind === 'resource' && c.name === `filesystem ${mnt}`) || namesProcess(c, ['cerebro-fill'], filler.pid),
      rightTarget: (p) => p['mount'] === mnt,
      async stop() {
        await filler.stop();
        fs.rmSync(file, { force: true });
      },
    });
  },
};

const PAY = 'cerebro-pay';
/** The flag file that breaks payments' config (set by prepare). */
let payFlag: string | null = null;

const crashLoop: Scenario = {
  name: 'crash-loop',
  summary: 'a service under supervisord that fails at every start (bad config)',
  observeMs: 90_000,
  remedy: serviceRemedy('crash-loop-stop', PAY),
  async prepare(env) {
    if (typeof env.supervisor === 'string') return env.supervisor;
    const flag = path.join(env.dir, 'payments.broken');
    // startsecs=0: every start counts as started, so each crash is restarted at once, forever (a tight loop).
    await env.supervisor.add(PAY, { command: programLine(env.dir, 'crashy', PAY, { 'broken-flag': flag, 'max-sec': 7200 }), autorestart: 'true', startsecs: 0, startretries: 1000, logFile: path.join(env.logDir, 'payments.log') });
    payFlag = flag;
    env.log(`crash-loop: supervisord runs ${PAY} (pid ${env.supervisor.pid(PAY)})`);
    return null;
  },
  inject(env) {
    const sup = needSupervisor(env);
    const flag = payFlag;
    if (flag === null) throw new Error('crash-loop was not prepared');
    fs.writeFileSync(flag, 'broken\n');
    const pid = sup.pid(PAY);
    // The crash: the healthy process dies; every restart then fails on the broken config.
    if (pid > 0) process.kill(pid, 'SIGKILL');
    env.log(`crash-loop: killed ${PAY} (pid ${pid}); its config is now broken`);
    return Promise.resolve({
      // Node starting twice a second: forks, short-lived processes, their CPU and memory.
      series: ['proc.*', 'cpu.*', 'load.*', 'mem.*', `event.*{name=${PAY}}`],
      logFiles: [path.join(env.logDir, 'payments.log'), path.join(env.logDir, 'supervisord.log')],
      expected: `process or service ${PAY} (any pid: it restarts)`,
      rightCause: (c: IncidentCause) => namesProcess(c, [PAY]),
      rightTarget: (p) => p['service'] === PAY,
      async stop() {
        // The config repaired; the service runs again (the remedy stopped it, or supervisord restarts it).
        fs.rmSync(flag, { force: true });
        await sup.ensureRunning(PAY);
      },
    });
  },
};

const SRV = 'cerebro-srv';
let twoTierPort: number | null = null;

const twoTierKill: Scenario = {
  name: 'two-tier',
  summary: 'a client (orders) calling a supervised server (inventory) over loopback TCP; the server is killed and not restarted by its supervisor',
  observeMs: 90_000,
  remedy: serviceRemedy('two-tier-restart-server', SRV),
  async prepare(env) {
    if (typeof env.supervisor === 'string') return env.supervisor;
    const port = await freePort();
    // autorestart=false: a server that died stays dead until someone restarts it (the fault).
    await env.supervisor.add(SRV, { command: programLine(env.dir, 'server', SRV, { port, 'max-sec': 7200 }), autorestart: 'false' });
    await waitFor('the server to listen', 10_000, () => new Promise<true | null>((resolve) => {
      const s = new net.Socket();
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(null));
      s.connect(port, '127.0.0.1');
    }), 200);
    startProgram(env.cleanup, env.dir, 'client', 'cerebro-cli', { port, log: path.join(env.logDir, 'orders.log'), 'max-sec': 7200 });
    twoTierPort = port;
    env.log(`two-tier: ${SRV} (pid ${env.supervisor.pid(SRV)}) on 127.0.0.1:${port} under supervisord, cerebro-cli calling it`);
    return null;
  },
  inject(env) {
    const sup = needSupervisor(env);
    if (twoTierPort === null) throw new Error('two-tier was not prepared');
    const killed = sup.pid(SRV);
    if (killed > 0) process.kill(killed, 'SIGKILL');
    return Promise.resolve({
      series: ['net.*{if=lo}', 'net.tcp*', 'sock.*', `event.*{name=${SRV}}`],
      // The client's errors, and supervisord's "exited: cerebro-srv (terminated by SIGKILL)".
      logFiles: [path.join(env.logDir, 'orders.log'), path.join(env.logDir, 'supervisord.log')],
      expected: `process or service ${SRV} (pid ${killed})`,
      rightCause: (c: IncidentCause) => namesProcess(c, [SRV], killed),
      rightTarget: (p) => p['service'] === SRV,
      // The server back (if no remedy did it): the client recovers, so the next scenarios start from a healthy pair.
      stop: () => sup.ensureRunning(SRV),
    });
  },
};

const STORM = 'cerebro-storm';
/** The ledger's log (set by prepare). */
let stormLog: string | null = null;

const logStorm: Scenario = {
  name: 'log-storm',
  summary: 'a supervised service (ledger) that loses its quorum and writes 200 lines/s of a never-seen error to a followed file until restarted',
  observeMs: 90_000,
  remedy: {
    runbook: 'log-storm-rotate-restart',
    dryRunParams: () => ({ path: stormLog ?? '/nonexistent', service: STORM, process: STORM }),
  },
  async prepare(env) {
    if (typeof env.supervisor === 'string') return env.supervisor;
    const file = path.join(env.logDir, 'ledger.log');
    await env.supervisor.add(STORM, { command: programLine(env.dir, 'storm', STORM, { log: file, 'per-sec': 200, 'max-sec': 7200 }), autorestart: 'unexpected' });
    stormLog = file;
    return null;
  },
  inject(env) {
    const sup = needSupervisor(env);
    const file = stormLog;
    if (file === null) throw new Error('log-storm was not prepared');
    const pid = sup.pid(STORM);
    process.kill(pid, 'SIGUSR2');
    env.log(`log-storm: ${STORM} (pid ${pid}) lost its quorum`);
    return Promise.resolve({
      // Shipping, storing and mining the storm costs the collector and console CPU, disk and loopback traffic.
      series: ['cpu.*', 'load.*', 'disk.*', 'net.*{if=lo}', 'proc.running'],
      // The storm, and supervisord's lines about the ledger's restart by the remedy.
      logFiles: [file, path.join(env.logDir, 'supervisord.log')],
      expected: `process ${STORM} (pid ${pid})`,
      rightCause: (c: IncidentCause) => namesProcess(c, [STORM], pid),
      rightTarget: (p) => p['service'] === STORM && p['path'] === file,
      async stop() {
        // Still the storming process (no remedy restarted it): a restart brings it back healthy.
        if (sup.pid(STORM) === pid) sup.ctl('restart', STORM);
        await sup.ensureRunning(STORM);
      },
    });
  },
};

export const SCENARIOS: readonly Scenario[] = [cpuHog, memLeak, fsFill, crashLoop, twoTierKill, logStorm];
