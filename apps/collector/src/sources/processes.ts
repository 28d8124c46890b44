/** The process table (top/ps, with iotop's disk columns) from /proc/<pid>/{stat,status,cmdline,fd,io}. */
import { readdirSync } from 'node:fs';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import type { CollectOutput, Source, SourceContext } from './source';
import { readSmallFile, SourceReadError } from './read';
import { countFds, isProcfs, PidFiles } from './pid-files';
import { parseStat } from './cpu';
import { MAX_CMD_CHARS, parseCmdline, parsePidIo, parsePidStat, parseStatusUid, type PidIo } from './procfs-pid';
import { UserNames } from './users';

export interface ProcessesOptions {
  /** Scan every N ticks (a tick is normally 1 s). */
  readonly intervalTicks?: number;
  /** Bytes per page for rss (4096 on x86-64 and most arm64 kernels). */
  readonly pageSize?: number;
  /** Clock ticks per second of /proc times (USER_HZ, 100 on every mainstream kernel). */
  readonly clkTck?: number;
  /** Counting /proc/<pid>/fd is the costliest read, so it is refreshed every N scans. */
  readonly fdEveryScans?: number;
  readonly passwdPath?: string;
  /** Read /proc/<pid>/io for per-process disk rates (default true; the collector config's `sources.processes.diskIo`). */
  readonly diskIo?: boolean;
}

/** What we read once per process lifetime (pid + starttime), plus the previous scan's CPU ticks. */
interface Known {
  starttime: number;
  comm: string;
  cmd: string;
  uid: number;
  startMs: number;
  fds: number | null;
  prevTicks: number;
  /** The previous scan's /proc/<pid>/io counters; null while they could not be read. */
  prevIo: PidIo | null;
  scan: number;
}

const NO_IO: PidIo = { readBytes: 0, writeBytes: 0 };

/** UTF-8 characters take at most 4 bytes; read enough for MAX_CMD_CHARS and no more. */
const CMDLINE_READ_BYTES = MAX_CMD_CHARS * 4;

export class ProcessesSource implements Source {
  readonly name = 'processes';
  private readonly intervalTicks: number;
  private readonly pageSize: number;
  private readonly clkTck: number;
  private readonly fdEvery: number;
  private readonly users: UserNames;
  private readonly known = new Map<number, Known>();
  private tick = 0;
  private scan = 0;
  private prevScanMs: number | null = null;
  private bootMs: number | null = null;
  /** Kept-open /proc/<pid>/stat descriptors (real procfs only; see pid-files.ts). */
  readonly statFiles: PidFiles;
  /** Kept-open /proc/<pid>/io descriptors: one pread per process and scan, as for stat. */
  readonly ioFiles: PidFiles;
  private readonly procfs: boolean;
  private readonly diskIo: boolean;

  constructor(private readonly ctx: SourceContext, opts: ProcessesOptions = {}) {
    this.intervalTicks = Math.max(1, opts.intervalTicks ?? 2);
    this.pageSize = opts.pageSize ?? 4096;
    this.clkTck = opts.clkTck ?? 100;
    this.fdEvery = Math.max(1, opts.fdEveryScans ?? 5);
    this.diskIo = opts.diskIo ?? true;
    this.users = new UserNames(opts.passwdPath);
    this.procfs = isProcfs(ctx.procRoot);
    this.statFiles = new PidFiles(ctx.procRoot, this.procfs);
    this.ioFiles = new PidFiles(ctx.procRoot, this.procfs, 1024, 'io');
  }

  close(): void {
    this.statFiles.close();
    this.ioFiles.close();
  }

  private bootTimeMs(): number {
    if (this.bootMs === null) {
      const path = `${this.ctx.procRoot}/stat`;
      const text = readSmallFile(path);
      if (text === null) throw new SourceReadError(path, new Error('not readable'));
      this.bootMs = parseStat(text).btime * 1000;
    }
    return this.bootMs;
  }

  private countFds(pid: number): number | null {
    return countFds(this.ctx.procRoot, pid, this.procfs);
  }

  collect(out: CollectOutput): void {
    if (this.tick++ % this.intervalTicks !== 0) return;
    const root = this.ctx.procRoot;
    const nowMs = this.ctx.now();
    const elapsedS = this.prevScanMs === null ? 0 : (nowMs - this.prevScanMs) / 1000;
    const firstScan = this.prevScanMs === null;
    const scan = ++this.scan;
    const countAllFds = scan % this.fdEvery === 1 || this.fdEvery === 1;
    const bootMs = this.bootTimeMs();
    this.users.refresh();

    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch (err) {
      throw new SourceReadError(root, err);
    }

    const rows: ProcessRow[] = [];
    let threads = 0;
    let zombies = 0;
    for (const entry of entries) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(entry);
      const statText = this.statFiles.read(pid);
      const st = statText === null ? null : parsePidStat(statText);
      if (st === null) continue;

      let k = this.known.get(pid);
      const sameProcess = k !== undefined && k.starttime === st.starttime;
      // A pid now held by another process: what the io reader learnt of the old one (its refusal) is void.
      if (k !== undefined && !sameProcess) this.ioFiles.forget(pid);
      // An exec keeps pid and starttime but changes comm: read cmdline and owner again then.
      if (k === undefined || !sameProcess || k.comm !== st.comm) {
        const startMs = Math.round(bootMs + (st.starttime * 1000) / this.clkTck);
        const cmdline = readSmallFile(`${root}/${pid}/cmdline`, CMDLINE_READ_BYTES);
        const status = readSmallFile(`${root}/${pid}/status`);
        if (cmdline === null || status === null) continue;
        k = {
          starttime: st.starttime,
          comm: st.comm,
          cmd: parseCmdline(cmdline),
          uid: parseStatusUid(status) ?? -1,
          startMs,
          fds: sameProcess && k ? k.fds : this.countFds(pid),
          // A process born since the last scan used all its CPU time within the interval.
          prevTicks: sameProcess && k ? k.prevTicks : firstScan ? st.cpuTicks : 0,
          // Likewise its I/O: a process that started since the last scan did all of its reads within it (a
          // start on a cold page cache reads its binary and libraries from disk: that burst is its own). One
          // that started earlier but was not listed then (its files unreadable for a moment) may have read
          // for days: no rate until the next scan. The start time is known to a second (btime's resolution).
          prevIo: sameProcess && k ? k.prevIo : firstScan || this.prevScanMs === null || startMs < this.prevScanMs - 1000 ? null : NO_IO,
          scan,
        };
        this.known.set(pid, k);
      } else if (countAllFds) {
        k.fds = this.countFds(pid);
      }

      const dTicks = st.cpuTicks - k.prevTicks;
      const cpuPct = elapsedS > 0 && dTicks > 0 ? (dTicks / this.clkTck / elapsedS) * 100 : 0;
      k.prevTicks = st.cpuTicks;
      k.scan = scan;
      const ioText = this.diskIo ? this.ioFiles.read(pid) : null;
      const io = ioText === null ? null : parsePidIo(ioText);
      const prevIo = k.prevIo;
      k.prevIo = io;
      const ioRates = io !== null && prevIo !== null && elapsedS > 0;

      threads += st.threads;
      if (st.state === 'Z') zombies++;
      rows.push({
        pid,
        ppid: st.ppid,
        name: st.comm,
        cmd: k.cmd,
        user: k.uid < 0 ? '' : this.users.name(k.uid),
        state: st.state,
        cpuPct,
        rssBytes: st.rssPages * this.pageSize,
        threads: st.threads,
        fds: k.fds,
        startMs: k.startMs,
        readBps: ioRates ? Math.max(0, io.readBytes - prevIo.readBytes) / elapsedS : null,
        writeBps: ioRates ? Math.max(0, io.writeBytes - prevIo.writeBytes) / elapsedS : null,
      });
    }

    for (const [pid, k] of this.known) if (k.scan !== scan) this.known.delete(pid);
    this.statFiles.retain((pid) => this.known.has(pid));
    this.ioFiles.retain((pid) => this.known.has(pid));
    this.prevScanMs = nowMs;
    out.procs = rows;
    out.gauge('proc.count', rows.length);
    out.gauge('proc.threads', threads);
    out.gauge('proc.zombies', zombies);
  }
}
