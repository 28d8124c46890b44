/** Block device throughput, IOPS, utilisation and latency from /proc/diskstats. */
import { existsSync } from 'node:fs';
import type { CollectOutput, Source, SourceContext } from './source';
import { KeptFile, readSmallFile } from './read';
import { Rates } from './rates';

/** /proc/diskstats always counts 512-byte sectors, whatever the device's block size. */
const SECTOR_BYTES = 512;

/** One /proc/diskstats line; counters are cumulative since boot. */
export interface DiskStat {
  readonly name: string;
  readonly reads: number;
  readonly readSectors: number;
  /** Milliseconds spent on completed reads. */
  readonly readMs: number;
  readonly writes: number;
  readonly writeSectors: number;
  readonly writeMs: number;
  /** Milliseconds during which the device had I/O in flight. */
  readonly ioTicksMs: number;
}

export function parseDiskstats(text: string): DiskStat[] {
  const out: DiskStat[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const n = (i: number): number => Number(f[i]);
    out.push({
      name: f[2] as string,
      reads: n(3),
      readSectors: n(5),
      readMs: n(6),
      writes: n(7),
      writeSectors: n(9),
      writeMs: n(10),
      ioTicksMs: n(12),
    });
  }
  return out;
}

/** How long a device's "is it a disk we report" answer is kept, ms. */
const RECHECK_DEVICE_MS = 60_000;

export class DisksSource implements Source {
  readonly name = 'disks';
  private readonly file: KeptFile;
  private readonly rates = new Rates();
  private readonly reported = new Map<string, { reported: boolean; atMs: number }>();

  constructor(private readonly ctx: SourceContext) {
    this.file = new KeptFile(`${ctx.procRoot}/diskstats`);
  }

  /**
   * Whole disks appear in /sys/block, partitions do not. RAM disks and devices without media (unattached
   * loop devices, unconfigured zram, an empty CD drive) report size 0 and are skipped.
   */
  private isReportedDisk(name: string): boolean {
    // Devices rarely change (a loop device being attached does): re-check each at most once a minute
    // instead of an existsSync and a read of its size per device on every tick.
    const now = this.ctx.now();
    const cached = this.reported.get(name);
    if (cached && now - cached.atMs < RECHECK_DEVICE_MS) return cached.reported;
    const reported = this.checkDisk(name);
    this.reported.set(name, { reported, atMs: now });
    return reported;
  }

  private checkDisk(name: string): boolean {
    if (name.startsWith('ram')) return false;
    const dir = `${this.ctx.sysRoot}/block/${name.replaceAll('/', '!')}`;
    if (!existsSync(dir)) return false;
    const size = readSmallFile(`${dir}/size`);
    return size === null || Number(size.trim()) > 0;
  }

  collect(out: CollectOutput): void {
    const stats = parseDiskstats(this.file.read());
    const r = this.rates;
    r.begin(this.ctx.now());
    for (const d of stats) {
      if (!this.isReportedDisk(d.name)) continue;
      const labels = { dev: d.name };
      const k = d.name + '.';
      const readB = r.rate(k + 'rs', d.readSectors);
      const writeB = r.rate(k + 'ws', d.writeSectors);
      const readOps = r.rate(k + 'r', d.reads);
      const writeOps = r.rate(k + 'w', d.writes);
      const ticks = r.delta(k + 'io', d.ioTicksMs);
      const ops = r.delta(k + 'ops', d.reads + d.writes);
      const waitMs = r.delta(k + 'wait', d.readMs + d.writeMs);
      if (readB !== null) out.gauge('disk.read_bps', readB * SECTOR_BYTES, labels);
      if (writeB !== null) out.gauge('disk.write_bps', writeB * SECTOR_BYTES, labels);
      if (readOps !== null) out.gauge('disk.read_iops', readOps, labels);
      if (writeOps !== null) out.gauge('disk.write_iops', writeOps, labels);
      if (ticks !== null && r.elapsedSeconds > 0) {
        out.gauge('disk.util_pct', Math.min(100, (ticks / (r.elapsedSeconds * 1000)) * 100), labels);
      }
      // Like iostat's await: queue + service time per completed read or write, over this interval.
      if (ops !== null && waitMs !== null) out.gauge('disk.await_ms', ops > 0 ? waitMs / ops : 0, labels);
    }
    r.end();
  }

  close(): void {
    this.file.close();
  }
}
