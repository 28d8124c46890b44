/** The socket table (ss -tunap) from /proc/net/{tcp,tcp6,udp,udp6}, with owning processes. */
import type { SocketProto, SocketRow } from '@cerebro/shared/protocol/messages';
import type { CollectOutput, Source, SourceContext } from './source';
import { KeptFile } from './read';
import { parseSocketTable, type SocketEntry } from './socket-table';
import { SocketOwners, type FdDirOps } from './socket-owners';

export interface SocketsOptions {
  /** Scan every N ticks (a tick is normally 1 s). */
  readonly intervalTicks?: number;
  /** Test seam for the /proc/<pid>/fd scan. */
  readonly fdDirOps?: FdDirOps;
}

/** IPv6 tables are absent when IPv6 is disabled; the IPv4 ones always exist. */
const TABLES: ReadonlyArray<readonly [SocketProto, boolean]> = [
  ['tcp', true], ['tcp6', false], ['udp', true], ['udp6', false],
];

/**
 * Sockets in use per IPv6 protocol from /proc/net/sockstat6 ("TCP6: inuse 0"), or null when unknown.
 * Reading /proc/net/tcp6 walks the kernel's whole TCP hash table (262,144 buckets on a 24 GB host:
 * ~5 ms of kernel time per read, whatever the number of sockets), so an empty IPv6 table is worth
 * skipping; sockstat6 costs microseconds.
 */
export function parseSockstat6(text: string): { tcp6: number; udp6: number } | null {
  const tcp = /^TCP6: inuse (\d+)/m.exec(text);
  const udp = /^UDP6: inuse (\d+)/m.exec(text);
  return tcp && udp ? { tcp6: Number(tcp[1]), udp6: Number(udp[1]) } : null;
}

export function hiddenOwnersNotice(count: number): string {
  return (
    `owners of ${count} socket${count === 1 ? '' : 's'} are hidden: the collector may not read other ` +
    `processes' /proc/<pid>/fd; run as root or grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE`
  );
}

export class SocketsSource implements Source {
  readonly name = 'sockets';
  private readonly intervalTicks: number;
  private readonly files: Array<{ proto: SocketProto; required: boolean; file: KeptFile }>;
  private readonly sockstat6: KeptFile;
  readonly owners: SocketOwners;
  private tick = 0;
  private hidden = 0;

  constructor(ctx: SourceContext, opts: SocketsOptions = {}) {
    this.intervalTicks = Math.max(1, opts.intervalTicks ?? 10);
    this.files = TABLES.map(([proto, required]) => ({
      proto,
      required,
      file: new KeptFile(`${ctx.procRoot}/net/${proto}`, 16384),
    }));
    this.sockstat6 = new KeptFile(`${ctx.procRoot}/net/sockstat6`, 1024);
    this.owners = new SocketOwners(ctx.procRoot, opts.fdDirOps);
  }

  collect(out: CollectOutput): void {
    if (this.tick++ % this.intervalTicks !== 0) return;
    const entries: SocketEntry[] = [];
    const inUse6 = this.readSockstat6();
    for (const { proto, required, file } of this.files) {
      if (inUse6 && ((proto === 'tcp6' && inUse6.tcp6 === 0) || (proto === 'udp6' && inUse6.udp6 === 0))) continue;
      const text = required ? file.read() : file.readOptional();
      if (text !== null) entries.push(...parseSocketTable(text, proto));
    }

    const inodes = new Set<number>();
    for (const e of entries) if (e.inode !== 0) inodes.add(e.inode);
    this.owners.update(inodes);

    const rows: SocketRow[] = [];
    let listen = 0;
    let established = 0;
    let timeWait = 0;
    let udp = 0;
    let unowned = 0;
    for (const e of entries) {
      const tcp = e.proto === 'tcp' || e.proto === 'tcp6';
      if (!tcp) udp++;
      else if (e.state === 'LISTEN') listen++;
      else if (e.state === 'ESTABLISHED') established++;
      else if (e.state === 'TIME_WAIT') {
        // No owner and often thousands of them: counted, not listed.
        timeWait++;
        continue;
      }
      const owner = e.inode === 0 ? undefined : this.owners.get(e.inode);
      if (owner === undefined && e.inode !== 0) unowned++;
      rows.push({ ...e, pid: owner?.pid ?? null, process: owner?.process ?? null });
    }

    // Unowned sockets count as hidden only if the fd scan was refused somewhere; otherwise nobody holds them.
    const hidden = this.owners.lastScanDenied ? unowned : 0;
    if (hidden > 0 && this.hidden === 0) out.notice(hiddenOwnersNotice(hidden));
    this.hidden = hidden;

    out.sockets = rows;
    out.gauge('sock.tcp.listen', listen);
    out.gauge('sock.tcp.established', established);
    out.gauge('sock.tcp.time_wait', timeWait);
    out.gauge('sock.udp.count', udp);
  }

  private readSockstat6(): { tcp6: number; udp6: number } | null {
    const text = this.sockstat6.readOptional();
    return text === null ? null : parseSockstat6(text);
  }

  close(): void {
    for (const { file } of this.files) file.close();
    this.sockstat6.close();
  }
}
