/** Space and inode usage of mounted filesystems (df), from the mount table and statfs(2). */
import { existsSync, statfsSync } from 'node:fs';
import type { CollectOutput, Source, SourceContext } from './source';
import { KeptFile } from './read';

export interface Mount {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
}

/** The statfs fields we use (a subset of Node's StatsFs); counts are in blocks of `bsize` bytes. */
export interface FsStats {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  /** Blocks available to unprivileged users (bfree minus the root reserve). */
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

export type StatfsFn = (path: string) => FsStats;

/** Kernel-internal filesystems with no space to report. tmpfs and overlay stay: they can fill up. */
export const PSEUDO_FS_TYPES: ReadonlySet<string> = new Set([
  'proc', 'sysfs', 'cgroup', 'cgroup2', 'devpts', 'mqueue', 'debugfs', 'tracefs', 'securityfs', 'pstore',
  'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'autofs', 'binfmt_misc', 'nsfs', 'rpc_pipefs', 'devtmpfs',
  'ramfs', 'efivarfs', 'selinuxfs',
]);

/** The kernel escapes space, tab, newline and backslash in mount paths as octal (\040 ...). */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, fsType] = line.split(' ');
    if (device === undefined || mountPoint === undefined || fsType === undefined) continue;
    out.push({ device: unescapeMountField(device), mountPoint: unescapeMountField(mountPoint), fsType });
  }
  return out;
}

/**
 * Real filesystems, one per device: bind mounts of one block device report the same numbers, so only the
 * shortest mount path is kept. Devices that are not paths (tmpfs, overlay) name no device, so each of
 * those mounts is its own filesystem; a path mounted twice is kept once.
 */
export function selectMounts(mounts: readonly Mount[]): Mount[] {
  const byKey = new Map<string, Mount>();
  for (const m of mounts) {
    if (PSEUDO_FS_TYPES.has(m.fsType)) continue;
    const key = m.device.startsWith('/') ? `dev:${m.device}` : `path:${m.mountPoint}`;
    const kept = byKey.get(key);
    if (!kept || m.mountPoint.length < kept.mountPoint.length) byKey.set(key, m);
  }
  const seenPaths = new Set<string>();
  const out: Mount[] = [];
  for (const m of byKey.values()) {
    if (seenPaths.has(m.mountPoint)) continue;
    seenPaths.add(m.mountPoint);
    out.push(m);
  }
  return out;
}

export interface FilesystemsOptions {
  /** statfs(2); injectable so tests can give fixture mounts sizes. */
  readonly statfs?: StatfsFn;
}

export class FilesystemsSource implements Source {
  readonly name = 'filesystems';
  private readonly file: KeptFile;
  private readonly statfs: StatfsFn;

  constructor(ctx: SourceContext, opts: FilesystemsOptions = {}) {
    // /proc/self/mounts is this process's mount namespace; /proc/mounts is a link to it on modern kernels.
    const self = `${ctx.procRoot}/self/mounts`;
    this.file = new KeptFile(existsSync(self) ? self : `${ctx.procRoot}/mounts`);
    this.statfs = opts.statfs ?? statfsSync;
  }

  collect(out: CollectOutput): void {
    for (const m of selectMounts(parseMounts(this.file.read()))) {
      let s: FsStats;
      try {
        s = this.statfs(m.mountPoint);
      } catch {
        // EACCES, ENOENT (unmounted since we read the table), ESTALE: nothing to report this tick.
        continue;
      }
      if (s.blocks === 0) continue;
      const labels = { mount: m.mountPoint };
      const used = (s.blocks - s.bfree) * s.bsize;
      const avail = s.bavail * s.bsize;
      out.gauge('fs.size_bytes', s.blocks * s.bsize, labels);
      out.gauge('fs.used_bytes', used, labels);
      out.gauge('fs.avail_bytes', avail, labels);
      // Like df: the root reserve counts as neither used nor available.
      out.gauge('fs.used_pct', used + avail > 0 ? (used / (used + avail)) * 100 : 0, labels);
      // Some filesystems (btrfs, vfat) have no inode table and report 0 files.
      if (s.files > 0) out.gauge('fs.inodes_used_pct', ((s.files - s.ffree) / s.files) * 100, labels);
    }
  }

  close(): void {
    this.file.close();
  }
}
