/**
 * Process lifecycle events, read from consecutive process tables of a host (the collector sends the whole
 * table every scan; it has no exit notifications), raised as alerts the correlator and the ranker use like
 * any other:
 *
 *  - `event.proc_exit{name=N,pid=P}`: a service went away — a process that had listened on a TCP port and
 *    run for at least `minAgeMs` is gone and no process of the same identity runs. Resolves when one runs
 *    again for `stableMs`, or after `exitClearMs`.
 *  - `event.restart_loop{name=N}`: a supervised process that once ran for `minAgeMs` now keeps starting
 *    again: at least `restartCount` new instances of its identity within `restartWindowMs`, started by a
 *    supervisor (`supervisors`: systemd, supervisord, runit, s6, container shims, ...). Resolves after a
 *    window without a new start. Only supervised ones: a shell or a build tool starting the same command
 *    over and over (`bash -c …`, `grep`, a test runner's `node`) is how such tools work, not a crash.
 *    Starts are the new instances the tables show and, from the host's log records, the starts its
 *    supervisor states (`spawned: 'X' with pid N`, `X.service: Scheduled restart job`;
 *    supervisor-lines.ts): a loop whose instances live milliseconds is seen in a few seconds instead of
 *    by the rare scan that catches one (47 s in the scenarios' crash loop, whose every instance is a Node
 *    process failing at once).
 *
 * An identity is the process name plus its command line: a restarted service keeps both, an unrelated
 * process of the same name (another `node`) does not. The age rule keeps out what is short-lived by design
 * (a `sleep 1` loop, a cron job, a test run's console): only something that used to stay up is a service
 * whose exit or restarts mean trouble. Processes seen only between two scans are invisible, so a crash
 * loop is seen by the instances a scan happens to catch (a loop of 0.5 s runs scanned every 2 s shows a new
 * pid nearly every scan).
 *
 * Alert evidence is the event as a step: an exit is "instances running" falling from 1 to 0, a restart
 * loop "starts in the window" rising from 0. Onsets are when the trouble began as far as the tables show:
 * an exit at the last table that still had the process (it died after that), a loop at the start time of
 * its first new instance.
 */
import type { Alert } from '@cerebro/shared/api/contract';
import type { LogRecord, ProcessRow, SocketRow } from '@cerebro/shared/protocol/messages';
import { parseSeriesKey, seriesKey } from '@cerebro/shared/protocol/series';
import type { AlertEvent } from '../alerts/scorer';
import { detachString } from '../detach';
import { isStart, supervisorLine } from './supervisor-lines';

export interface ProcessEventOptions {
  /** A process must have run this long before its exit, or its identity's restarts, are trouble, ms. */
  readonly minAgeMs: number;
  /** An exit is raised when no instance of the identity has run for this long after the last sighting, ms. */
  readonly confirmMs: number;
  /** A service is back (its exit alert resolves) once an instance has run this long, ms. */
  readonly stableMs: number;
  readonly restartWindowMs: number;
  readonly restartCount: number;
  /** An exit alert of a service that never came back resolves after this long, ms. */
  readonly exitClearMs: number;
  /** Tables further apart than this are a gap (the host was down): tracking starts over, ms. */
  readonly gapMs: number;
  /** Identities tracked per host at most (the least recently seen are dropped). */
  readonly maxIdentities: number;
  readonly maxHosts: number;
  /** Parent process names (comm, 15 characters at most) that are supervisors: their children's restarts can loop. */
  readonly supervisors: readonly string[];
}

export const DEFAULT_PROCESS_EVENTS: ProcessEventOptions = {
  minAgeMs: 60_000,
  confirmMs: 1_500,
  stableMs: 10_000,
  restartWindowMs: 60_000,
  restartCount: 3,
  exitClearMs: 30 * 60_000,
  gapMs: 60_000,
  maxIdentities: 4_096,
  maxHosts: 2_000,
  supervisors: ['systemd', 'init', 'supervisord', 'runsv', 's6-supervise', 'containerd-shim', 'conmon', 'tini', 'dumb-init', 'monit', 'openrc-run', 'daemontools', 'supervise'],
};

export const PROC_EXIT_NAME = 'event.proc_exit';
export const RESTART_LOOP_NAME = 'event.restart_loop';

interface Instance {
  readonly pid: number;
  readonly startMs: number;
  /** Its parent is a supervisor. */
  readonly supervised: boolean;
}

interface Identity {
  readonly name: string;
  alive: Instance[];
  /** Some instance ran for minAgeMs. */
  established: boolean;
  /** Some instance listened on a TCP port (ports kept for the alert's log line). */
  ports: number[];
  /** New instances (seen after the host's first table, or stated by the supervisor), within the restart window: start time and pid (null: not stated). */
  starts: Array<{ t: number; pid: number | null }>;
  lastSeenMs: number;
  /** The last established listening instance that went away, until confirmed or back. */
  gone: { pid: number; lastSeenMs: number; missingSinceMs: number } | null;
  exitAlert: { id: string; startMs: number; pid: number } | null;
  loopAlert: { id: string; startMs: number; peak: number } | null;
}

interface HostState {
  readonly ids: Map<string, Identity>;
  lastTs: number;
  /** child process name → the names of the parents it was seen under (a supervisor and its programs). */
  readonly parents: Map<string, Set<string>>;
  /** pid → program, from the supervisor's `spawned` lines, until a table shows the pid (or evicted). */
  readonly spawned: Map<number, string>;
  /** A supervisor's program name → the process name its instances run under (learnt from spawned pids). */
  readonly programs: Map<string, string>;
  /** pid → its identity key, while the pid keeps its name and command line (see identityKey). */
  readonly keys: Map<number, KeyEntry>;
}

interface KeyEntry {
  readonly name: string;
  readonly cmd: string;
  readonly key: string;
  /** The table (its time) that last showed the pid. */
  seen: number;
}

/** Parent names remembered per host at most (child names; a few parents each). */
const MAX_PARENT_NAMES = 4_096;
/** Spawned pids awaiting a table, and program names, remembered per host at most. */
const MAX_SPAWNED = 256;
const MAX_PROGRAMS = 1_024;

let seq = 0;
function alertId(prefix: string, ts: number): string {
  seq = (seq + 1) % 1e6;
  return `${prefix}-${ts.toString(36)}-${seq.toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

export function exitKey(name: string, pid: number): string {
  return seriesKey(PROC_EXIT_NAME, { name, pid: String(pid) });
}

export function loopKey(name: string): string {
  return seriesKey(RESTART_LOOP_NAME, { name });
}

export class ProcessEvents {
  readonly options: ProcessEventOptions;
  private readonly hosts = new Map<string, HostState>();
  /** Open event alerts from before a console restart: host \0 name → alert; resolved by the same rules. */
  private readonly adopted = new Map<string, { id: string; seriesKey: string; startMs: number }>();

  private readonly supervisors: ReadonlySet<string>;

  constructor(options: Partial<ProcessEventOptions> = {}) {
    this.options = { ...DEFAULT_PROCESS_EVENTS, ...options };
    this.supervisors = new Set(this.options.supervisors);
  }

  /** Open event alerts found at start: kept so that they resolve when their process runs again. */
  adopt(alerts: readonly Alert[]): void {
    for (const a of alerts) {
      if (a.state !== 'open' || !a.seriesKey.startsWith('event.')) continue;
      const name = parseSeriesKey(a.seriesKey)?.labels['name'];
      if (name !== undefined) this.adopted.set(`${a.hostId}\0${name}`, { id: a.id, seriesKey: a.seriesKey, startMs: a.startMs });
    }
  }

  /**
   * One process table of a host (collector time `ts`), with its socket table when the batch has one.
   * Returns the alert transitions it causes.
   */
  observe(hostId: string, ts: number, procs: readonly ProcessRow[], sockets?: readonly SocketRow[]): AlertEvent[] {
    const o = this.options;
    let host = this.hosts.get(hostId);
    // After a gap in the tables (the host was down or unreachable, a reboot) what changed is not known one
    // process at a time: start over from this table, as at the first one (a host that was down does not
    // also raise an exit per service it runs).
    if (host !== undefined && ts - host.lastTs > o.gapMs && host.ids.size > 0 && ![...host.ids.values()].some((id) => id.exitAlert !== null || id.loopAlert !== null)) {
      this.hosts.delete(hostId);
      host = undefined;
    }
    const first = host === undefined;
    if (host === undefined) {
      if (this.hosts.size >= o.maxHosts) this.hosts.delete(this.hosts.keys().next().value as string);
      host = { ids: new Map(), lastTs: ts, parents: new Map(), spawned: new Map(), programs: new Map(), keys: new Map() };
      this.hosts.set(hostId, host);
    } else if (ts <= host.lastTs) {
      return []; // a replayed or reordered table (spool replay): the tables after it were already read
    }
    const prevTs = host.lastTs;
    host.lastTs = ts;
    const listening = new Set<number>();
    const portsOf = new Map<number, number[]>();
    for (const s of sockets ?? []) {
      if (s.state !== 'LISTEN' || s.pid === null || (s.proto !== 'tcp' && s.proto !== 'tcp6')) continue;
      listening.add(s.pid);
      const ports = portsOf.get(s.pid) ?? [];
      if (!ports.includes(s.localPort)) ports.push(s.localPort);
      portsOf.set(s.pid, ports);
    }
    const now = new Map<string, Instance[]>();
    const names = new Map<string, string>();
    const nameOf = new Map<number, string>();
    for (const p of procs) {
      nameOf.set(p.pid, p.name);
      const program = host.spawned.get(p.pid);
      if (program === undefined) continue;
      host.spawned.delete(p.pid);
      if (program !== p.name && (host.programs.size < MAX_PROGRAMS || host.programs.has(program))) host.programs.set(program, detachString(p.name));
    }
    for (const p of procs) {
      const parent = nameOf.get(p.ppid);
      if (parent === undefined || parent === p.name || p.cmd === '') continue;
      let set = host.parents.get(p.name);
      if (set === undefined) {
        if (host.parents.size >= MAX_PARENT_NAMES) continue;
        host.parents.set(detachString(p.name), (set = new Set()));
      }
      // Names copied out of the frame (detach.ts) when first remembered.
      if (set.size < 8 && !set.has(parent)) set.add(detachString(parent));
    }
    for (const p of procs) {
      if (p.cmd === '') continue; // kernel threads
      const { key, name } = identityKey(host, p, ts);
      const list = now.get(key) ?? [];
      list.push({ pid: p.pid, startMs: p.startMs, supervised: this.supervisors.has(nameOf.get(p.ppid) ?? '') });
      now.set(key, list);
      names.set(key, name);
    }
    if (host.keys.size > 2 * procs.length + 64) for (const [pid, k] of host.keys) if (k.seen !== ts) host.keys.delete(pid);
    const out: AlertEvent[] = [];
    for (const [key, instances] of now) {
      let id = host.ids.get(key);
      if (id === undefined) {
        if (host.ids.size >= o.maxIdentities) this.evictOldest(host);
        id = { name: names.get(key)!, alive: [], established: false, ports: [], starts: [], lastSeenMs: ts, gone: null, exitAlert: null, loopAlert: null };
      } else {
        host.ids.delete(key); // re-inserted: least recently seen first
      }
      host.ids.set(key, id);
      for (const inst of instances) {
        // Processes already running at the host's first table are not starts; nor is anything that began
        // before the previous table (it was missed, not new).
        if (!first && inst.supervised && inst.startMs > prevTs - 5_000 && !id.alive.some((i) => i.pid === inst.pid)) this.tableStart(id, inst);
        if (listening.has(inst.pid)) for (const port of portsOf.get(inst.pid) ?? []) if (!id.ports.includes(port) && id.ports.length < 8) id.ports.push(port);
        if (ts - inst.startMs >= o.minAgeMs) id.established = true;
      }
      id.alive = instances;
      id.lastSeenMs = ts;
    }
    for (const [key, id] of host.ids) {
      const alive = now.has(key);
      if (!alive && id.alive.length > 0) {
        const last = id.alive.reduce((a, b) => (a.startMs <= b.startMs ? a : b));
        if (id.ports.length > 0 && id.lastSeenMs - last.startMs >= o.minAgeMs) id.gone = { pid: last.pid, lastSeenMs: id.lastSeenMs, missingSinceMs: ts };
        id.alive = [];
      }
      this.exitTransitions(out, hostId, id, ts, alive);
      this.loopTransitions(out, hostId, id, ts);
      if (!alive && id.exitAlert === null && id.loopAlert === null && id.gone === null && ts - id.lastSeenMs > o.restartWindowMs + o.minAgeMs && !id.established) host.ids.delete(key);
    }
    out.push(...this.resolveAdopted(hostId, host, ts));
    return out;
  }

  /**
   * A host's log records: the starts its supervisors state (supervisor-lines.ts) count as new instances of
   * the program's process (found by the spawned pid once a table showed one, else by the program's name),
   * evaluated at the host's next table. Lines of a program no table ever showed count for nothing: whether
   * it once stayed up is not known.
   */
  observeLogs(hostId: string, records: readonly LogRecord[]): void {
    const host = this.hosts.get(hostId);
    if (host === undefined) return; // before the first table nothing is a start
    for (const r of records) {
      if (r.unit === undefined || !this.supervisors.has(r.unit)) continue;
      const line = supervisorLine(r.msg);
      if (line === null || !isStart(line)) continue;
      const pid = line.pid ?? null;
      if (pid !== null) {
        if (host.spawned.size >= MAX_SPAWNED) host.spawned.delete(host.spawned.keys().next().value as number);
        host.spawned.set(pid, detachString(line.program));
      }
      const id = this.identityOf(host, host.programs.get(line.program) ?? line.program);
      if (id === null || (pid !== null && id.starts.some((s) => s.pid === pid))) continue;
      id.starts.push({ t: r.ts, pid });
    }
  }

  /**
   * A new instance a table shows, unless the supervisor already stated it: by its pid (supervisord), or
   * by a start without a pid (systemd's scheduled restart) up to 3 s before it, which it then is.
   */
  private tableStart(id: Identity, inst: Instance): void {
    if (id.starts.some((s) => s.pid === inst.pid)) return;
    const stated = id.starts.find((s) => s.pid === null && s.t <= inst.startMs + 1_000 && inst.startMs - s.t <= 3_000);
    if (stated !== undefined) stated.pid = inst.pid;
    else id.starts.push({ t: inst.startMs, pid: inst.pid });
  }

  /** The process name a supervisor's program runs under on the host (the program's name when not learnt). */
  processOfProgram(hostId: string, program: string): string {
    return this.hosts.get(hostId)?.programs.get(program) ?? program;
  }

  /** The identity of that name that once stayed up (else the one seen last), or null. */
  private identityOf(host: HostState, name: string): Identity | null {
    let best: Identity | null = null;
    for (const id of host.ids.values()) {
      if (id.name !== name) continue;
      if (best === null || (id.established && !best.established) || (id.established === best.established && id.lastSeenMs >= best.lastSeenMs)) best = id;
    }
    return best;
  }

  /** The supervisor (systemd, supervisord, …) a process of this name was seen running under on the host, or null. */
  supervisorOf(hostId: string, name: string): string | null {
    for (const parent of this.hosts.get(hostId)?.parents.get(name) ?? []) if (this.supervisors.has(parent)) return parent;
    return null;
  }

  /** Whether one of the two processes (by name, on one host) was seen as the other's parent: a supervisor and its program. */
  parentOf(hostId: string, a: string, b: string): boolean {
    const parents = this.hosts.get(hostId)?.parents;
    return parents?.get(a)?.has(b) === true || parents?.get(b)?.has(a) === true;
  }

  /** Appends to `out` the exit alert transitions of an identity at this table. */
  private exitTransitions(out: AlertEvent[], hostId: string, id: Identity, ts: number, alive: boolean): void {
    const o = this.options;
    if (id.gone !== null && alive) id.gone = null; // back (a restart), or a loop: the loop rule speaks for it
    if (id.gone !== null && id.exitAlert === null && ts - id.gone.lastSeenMs >= o.confirmMs) {
      const { pid, lastSeenMs } = id.gone;
      id.exitAlert = { id: alertId('exit', ts), startMs: lastSeenMs + 1, pid };
      id.gone = null;
      out.push(event('open', hostId, exitKey(id.name, pid), id.exitAlert.id, ts, id.exitAlert.startMs, 0.9, 1, [[id.exitAlert.startMs, 0]]));
    }
    const a = id.exitAlert;
    if (a !== null) {
      const stable = id.alive.some((i) => ts - i.startMs >= o.stableMs);
      if (stable || ts - a.startMs >= o.exitClearMs) {
        out.push(event('resolve', hostId, exitKey(id.name, a.pid), a.id, ts, a.startMs, 0.9, 0, [[a.startMs, 0]]));
        id.exitAlert = null;
      }
    }
  }

  /** Appends to `out` the restart-loop alert transitions of an identity at this table. */
  private loopTransitions(out: AlertEvent[], hostId: string, id: Identity, ts: number): void {
    const o = this.options;
    // Almost always empty (no restarts): only a list of two or more can be out of order.
    if (id.starts.length > 1) id.starts.sort((a, b) => a.t - b.t);
    while (id.starts.length > 0 && id.starts[0]!.t < ts - o.restartWindowMs) id.starts.shift();
    if (id.starts.length > 64) id.starts.splice(0, id.starts.length - 64);
    const n = id.starts.length;
    if (id.loopAlert === null) {
      if (!id.established || n < o.restartCount) return;
      const startMs = id.starts[0]!.t;
      id.loopAlert = { id: alertId('loop', ts), startMs, peak: n };
      out.push(event('open', hostId, loopKey(id.name), id.loopAlert.id, ts, startMs, 0.9, 1, id.starts.map((s, i) => [s.t, i + 1] as const)));
      return;
    }
    id.loopAlert.peak = Math.max(id.loopAlert.peak, n);
    if (n > 0) return;
    const a = id.loopAlert;
    id.loopAlert = null;
    out.push(event('resolve', hostId, loopKey(id.name), a.id, ts, a.startMs, 0.9, 0, []));
  }

  private resolveAdopted(hostId: string, host: HostState, ts: number): AlertEvent[] {
    if (this.adopted.size === 0) return [];
    const out: AlertEvent[] = [];
    for (const [k, a] of this.adopted) {
      if (!k.startsWith(`${hostId}\0`)) continue;
      const name = k.slice(hostId.length + 1);
      const back = [...host.ids.values()].some((id) => parseSeriesKey(loopKey(id.name))?.labels['name'] === name && id.alive.some((i) => ts - i.startMs >= this.options.stableMs));
      if (back || ts - a.startMs >= this.options.exitClearMs) {
        out.push(event('resolve', hostId, a.seriesKey, a.id, ts, a.startMs, 0.9, 0, []));
        this.adopted.delete(k);
      }
    }
    return out;
  }

  private evictOldest(host: HostState): void {
    for (const [key, id] of host.ids) {
      if (id.exitAlert !== null || id.loopAlert !== null) continue;
      host.ids.delete(key);
      return;
    }
  }
}

/**
 * A process's identity key (name \0 command line), the same string object table after table while its pid
 * keeps both: a new key string per process per table cost more than the rest of a table's work together
 * (building, flattening and hashing ~170 keys of ~60 characters every 2 s per host; `npm run bench --
 * process-history`). Name and command line are copied out of the frame (detach.ts).
 */
function identityKey(host: HostState, p: ProcessRow, ts: number): KeyEntry {
  const known = host.keys.get(p.pid);
  if (known !== undefined && known.name === p.name && known.cmd === p.cmd) {
    known.seen = ts;
    return known;
  }
  const name = detachString(p.name);
  const cmd = detachString(p.cmd);
  const entry: KeyEntry = { name, cmd, key: `${name}\0${cmd}`, seen: ts };
  host.keys.set(p.pid, entry);
  return entry;
}

function event(type: 'open' | 'resolve', hostId: string, seriesKey: string, alertId: string, tsMs: number, startMs: number, peakScore: number, lastScore: number, points: ReadonlyArray<readonly [number, number]>): AlertEvent {
  const baseline = seriesKey.startsWith(PROC_EXIT_NAME) ? 1 : 0;
  return { type, hostId, seriesKey, alertId, tsMs, startMs, peakScore, lastScore, baseline, points };
}
