/** Fixtures shared by the state tests: a temporary LMDB environment per test and sample host documents. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { open, type RootDatabase } from 'lmdb';
import type { HostDoc } from './schemas';

/** Room for the state sub-dbs (hosts + RxDB's internal store) and the raw sub-dbs some tests open. */
const TEST_MAX_DBS = 32;

/** A fresh directory for one test, deleted once the test (and its `finally` blocks) are done. */
export function makeTempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-state-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function openEnv(dir: string): RootDatabase {
  return open({ path: path.join(dir, 'state.lmdb'), maxDbs: TEST_MAX_DBS });
}

/** A complete host document; `i` varies id, status, timestamps and nested fields. */
export function makeHost(i: number, overrides: Partial<HostDoc> = {}): HostDoc {
  const statuses = ['live', 'stale', 'lost'] as const;
  const base = 1_700_000_000_000;
  return {
    id: `host-${String(i).padStart(5, '0')}`,
    hostname: `node${i}.example`,
    status: statuses[i % 3] ?? 'live',
    firstSeenMs: base + i,
    // Reverse order of ids, so a sort by lastSeenMs differs from the primary-key order.
    lastSeenMs: base + 1_000_000 - i * 10,
    lastSeq: i * 7,
    connected: i % 2 === 0,
    agent: { name: 'cerebro-collector', version: '0.1.0' },
    inventory: {
      hostname: `node${i}.example`,
      os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1.0', arch: 'x64' },
      cpu: { model: 'Xeon', cores: 8, physicalCores: 4, mhz: 2400.5 },
      memory: { totalBytes: 16 * 2 ** 30, swapTotalBytes: 0 },
      system: { manufacturer: 'QEMU', model: 'Standard PC', virtual: true },
      disks: [{ name: 'vda', type: 'HD', sizeBytes: 100 * 2 ** 30 }],
      bootTimeMs: base - 86_400_000,
      addresses: ['10.0.0.' + (i % 250), 'fe80::1'],
    },
    spool: { pendingBatches: i, pendingBytes: i * 1000, droppedBatches: 0, droppedSamples: 0, droppedBytes: 0 },
    notices: i % 2 === 0 ? [] : ['cannot see owners of sockets of other users: run with CAP_SYS_PTRACE'],
    sourceErrors: i % 4 === 0 ? [{ source: 'diskstats', error: "couldn't read /proc/diskstats: EACCES", atMs: base }] : [],
    seriesCount: 100 + i,
    address: `10.0.0.${i % 250}:5${String(i % 10000).padStart(4, '0')}`,
    ...overrides,
  };
}
