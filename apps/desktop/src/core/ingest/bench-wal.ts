/**
 * Micro-benchmark (not a test): node --import tsx apps/desktop/src/core/ingest/bench-wal.ts
 * The cost of the WAL append's atomic child transaction (wal.ts) against lmdb-js's plain `transaction`
 * doing the same two puts: rounds of 2,000 appends of a 12 KB frame (about a 1,000-sample batch) with 32 in
 * flight, as the ingest path keeps them, the two kinds alternating round by round in one process so that
 * machine noise falls on both. Prints the median appends per second and CPU µs per append of each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { emptySeqState } from './seq-state';
import { WriteAheadLog } from './wal';

const ROUNDS = 20;
const APPENDS = 2_000;
const IN_FLIGHT = 32;
const frame = new Uint8Array(12_000).map((_, i) => (i * 31) & 0xff);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-bench-wal-'));
const env = open({ path: dir, maxDbs: 16 });
const wal = new WriteAheadLog(env);
const state = emptySeqState('bench');
const plain = (pos: number): Promise<unknown> =>
  env.transaction(() => {
    void wal['wal'].put(pos, { h: 'h1', f: frame });
    void wal['seqs'].put('h1', state);
  });
const atomic = (pos: number): Promise<unknown> => wal.append(pos, 'h1', frame, state);

async function round(append: (pos: number) => Promise<unknown>): Promise<{ perSec: number; cpuUs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < APPENDS; i++) {
    const p = append(wal.takePos()).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await wal.truncateBefore(wal.takePos());
  return { perSec: (APPENDS / ms) * 1000, cpuUs: (cpu.user + cpu.system) / APPENDS };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const out = { plain: [] as Array<{ perSec: number; cpuUs: number }>, atomic: [] as Array<{ perSec: number; cpuUs: number }> };
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of r % 2 === 0 ? (['plain', 'atomic'] as const) : (['atomic', 'plain'] as const)) {
      out[kind].push(await round(kind === 'plain' ? plain : atomic));
    }
    process.stderr.write(`bench-wal: round ${r + 1}/${ROUNDS}\n`);
  }
  for (const kind of ['plain', 'atomic'] as const) {
    const rs = out[kind];
    console.log(`bench-wal: ${kind.padEnd(6)} ${median(rs.map((x) => x.perSec)).toFixed(0)} appends/s, ${median(rs.map((x) => x.cpuUs)).toFixed(1)} CPU µs per append (median of ${rs.length} rounds of ${APPENDS})`);
  }
} finally {
  await env.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
