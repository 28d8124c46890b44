/** The source registry: which sources run (config), and one tick over all of them with per-source status. */
import type { SourceStatus } from '@cerebro/shared/protocol/messages';
import type { CollectOutput, Source, SourceContext } from './source';
import { SourceReadError } from './read';
import { CpuSource } from './cpu';
import { LoadSource } from './load';
import { MemorySource } from './memory';
import { DisksSource } from './disks';
import { FilesystemsSource, type StatfsFn } from './filesystems';
import { NetworkSource } from './network';
import { ProcessesSource } from './processes';
import { SocketsSource } from './sockets';

export interface SourceSwitch {
  readonly enabled: boolean;
}

export interface ScanningSourceConfig extends SourceSwitch {
  /** Scan every N ticks (a tick is normally 1 s). */
  readonly intervalTicks: number;
}

/** One entry per source, keyed by Source.name. */
export interface SourcesConfig {
  readonly cpu: SourceSwitch;
  readonly load: SourceSwitch;
  readonly memory: SourceSwitch;
  readonly disks: SourceSwitch;
  readonly filesystems: SourceSwitch;
  readonly network: SourceSwitch;
  readonly processes: ScanningSourceConfig & { readonly diskIo?: boolean };
  readonly sockets: ScanningSourceConfig;
}

export const DEFAULT_SOURCES_CONFIG: SourcesConfig = {
  cpu: { enabled: true },
  load: { enabled: true },
  memory: { enabled: true },
  disks: { enabled: true },
  filesystems: { enabled: true },
  network: { enabled: true },
  processes: { enabled: true, intervalTicks: 2, diskIo: true },
  sockets: { enabled: true, intervalTicks: 10 },
};

/** Test seams that are not configuration. */
export interface SourceDeps {
  readonly statfs?: StatfsFn;
  readonly passwdPath?: string;
  /** Bytes per memory page (rss). */
  readonly pageSize?: number;
}

export function createSources(config: SourcesConfig, ctx: SourceContext, deps: SourceDeps = {}): Source[] {
  const out: Source[] = [];
  if (config.cpu.enabled) out.push(new CpuSource(ctx));
  if (config.load.enabled) out.push(new LoadSource(ctx));
  if (config.memory.enabled) out.push(new MemorySource(ctx));
  if (config.disks.enabled) out.push(new DisksSource(ctx));
  if (config.filesystems.enabled) out.push(new FilesystemsSource(ctx, { statfs: deps.statfs }));
  if (config.network.enabled) out.push(new NetworkSource(ctx));
  if (config.processes.enabled) {
    out.push(new ProcessesSource(ctx, {
      intervalTicks: config.processes.intervalTicks,
      diskIo: config.processes.diskIo,
      passwdPath: deps.passwdPath,
      pageSize: deps.pageSize,
    }));
  }
  if (config.sockets.enabled) out.push(new SocketsSource(ctx, { intervalTicks: config.sockets.intervalTicks }));
  return out;
}

function describe(source: string, err: unknown): string {
  // Read errors already say which file ("couldn't read /proc/diskstats: ENOENT ..."); anything else is a bug
  // or an unexpected format, named by source.
  if (err instanceof SourceReadError) return err.message;
  return `couldn't collect ${source}: ${err instanceof Error ? err.message : String(err)}`;
}

/** Runs every source once into `out`. Never throws: a failing source becomes `{ ok: false, error }`. */
export function collectTick(sources: readonly Source[], out: CollectOutput): SourceStatus[] {
  const statuses: SourceStatus[] = [];
  for (const s of sources) {
    const t0 = performance.now();
    try {
      s.collect(out);
      statuses.push({ source: s.name, ok: true, durationMs: performance.now() - t0 });
    } catch (err) {
      statuses.push({ source: s.name, ok: false, durationMs: performance.now() - t0, error: describe(s.name, err) });
    }
  }
  return statuses;
}

export function closeSources(sources: readonly Source[]): void {
  for (const s of sources) {
    try {
      s.close?.();
    } catch {
      // Closing is best effort; a source that cannot release a file has nothing left to do.
    }
  }
}

export type { CollectOutput, Source, SourceContext } from './source';
