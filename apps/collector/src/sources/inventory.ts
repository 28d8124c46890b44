/**
 * Static host facts, gathered once per connection. systeminformation spawns shell commands on Linux
 * (MACHINE-FACTS), so it is used here only, never on the per-tick path.
 */
import { hostname as osHostname } from 'node:os';
import { basename } from 'node:path';
import type { Inventory } from '@cerebro/shared/protocol/messages';
// Types only: erased from the bundle, so the module is not loaded at start (see systemInformation()).
import type * as SI from 'systeminformation';
import { readSmallFile } from './read';
import { parseStat } from './cpu';

/** The systeminformation calls we use, narrowed to the fields we read (tests pass fakes). */
export interface InventoryProbe {
  cpu(): Promise<{ manufacturer: string; brand: string; cores: number; physicalCores: number; speed: number }>;
  osInfo(): Promise<{ platform: string; distro: string; release: string; kernel: string; arch: string; hostname: string }>;
  system(): Promise<{ manufacturer: string; model: string; virtual: boolean }>;
  diskLayout(): Promise<ReadonlyArray<{ device: string; name: string; type: string; size: number }>>;
  mem(): Promise<{ total: number; swaptotal: number }>;
  networkInterfaces(): Promise<ReadonlyArray<{ ip4: string; ip6: string; internal: boolean }>>;
}

type SystemInformation = typeof SI;
let loaded: Promise<SystemInformation> | null = null;

/**
 * Loaded on first use, not at start: the daemon takes its inventory in a one-off child process
 * (`cerebro-collector inventory`), so the long-running process never runs systeminformation (its
 * module state and the output of the commands it spawns stay out of the daemon's memory).
 */
function systemInformation(): Promise<SystemInformation> {
  loaded ??= import('systeminformation').then((m) => ((m as unknown as { default?: SystemInformation }).default ?? m) as SystemInformation);
  return loaded;
}

export const systemInformationProbe: InventoryProbe = {
  cpu: async () => (await systemInformation()).cpu(),
  osInfo: async () => (await systemInformation()).osInfo(),
  system: async () => (await systemInformation()).system(),
  diskLayout: async () => (await systemInformation()).diskLayout(),
  mem: async () => (await systemInformation()).mem(),
  networkInterfaces: async () => (await systemInformation()).networkInterfaces(),
};

export interface InventoryOptions {
  /** Give up on calls still running after this many ms and fill their fields with '' / 0. Default 10 000. */
  readonly timeoutMs?: number;
  /** For bootTimeMs (btime in <procRoot>/stat). Default '/proc'. */
  readonly procRoot?: string;
  readonly probe?: InventoryProbe;
}

/** Boot time from /proc/stat, ms since the epoch; 0 when unreadable. */
export function readBootTimeMs(procRoot: string): number {
  try {
    const text = readSmallFile(`${procRoot}/stat`);
    return text === null ? 0 : parseStat(text).btime * 1000;
  } catch {
    return 0;
  }
}

/** Never rejects: a failing, throwing or late call gives undefined and the rest of the inventory still goes. */
export async function collectInventory(opts: InventoryOptions = {}): Promise<Inventory> {
  const probe = opts.probe ?? systemInformationProbe;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, opts.timeoutMs ?? 10_000, undefined);
  });
  const settle = <T>(call: () => Promise<T>): Promise<T | undefined> => {
    let p: Promise<T | undefined>;
    try {
      p = call().catch(() => undefined);
    } catch {
      p = Promise.resolve(undefined);
    }
    return Promise.race([p, deadline]);
  };

  const [cpu, os, system, disks, mem, nics] = await Promise.all([
    settle(() => probe.cpu()),
    settle(() => probe.osInfo()),
    settle(() => probe.system()),
    settle(() => probe.diskLayout()),
    settle(() => probe.mem()),
    settle(() => probe.networkInterfaces()),
  ]);
  clearTimeout(timer);

  const addresses = new Set<string>();
  for (const n of Array.isArray(nics) ? nics : []) {
    if (n.internal) continue;
    // Link-local IPv6 may carry a zone ("fe80::1%eth0"); the zone means nothing on another host.
    for (const a of [n.ip4, n.ip6]) if (a) addresses.add(a.split('%')[0] as string);
  }
  addresses.add('127.0.0.1');

  return {
    hostname: os?.hostname || osHostname(),
    os: {
      platform: os?.platform ?? '',
      distro: os?.distro ?? '',
      release: os?.release ?? '',
      kernel: os?.kernel ?? '',
      arch: os?.arch ?? '',
    },
    cpu: {
      model: [cpu?.manufacturer, cpu?.brand].filter(Boolean).join(' '),
      cores: cpu?.cores ?? 0,
      physicalCores: cpu?.physicalCores ?? 0,
      // systeminformation reports GHz.
      mhz: Math.round((cpu?.speed ?? 0) * 1000),
    },
    memory: { totalBytes: mem?.total ?? 0, swapTotalBytes: mem?.swaptotal ?? 0 },
    system: { manufacturer: system?.manufacturer ?? '', model: system?.model ?? '', virtual: system?.virtual ?? false },
    // The kernel name (vda, nvme0n1) matches the {dev} label of disk metrics.
    disks: (Array.isArray(disks) ? disks : []).map((d) => ({
      name: d.device ? basename(d.device) : d.name,
      type: d.type ?? '',
      sizeBytes: d.size ?? 0,
    })),
    bootTimeMs: readBootTimeMs(opts.procRoot ?? '/proc'),
    addresses: [...addresses],
  };
}
