/**
 * Micro-benchmark (not a test): node --import tsx apps/desktop/src/core/tsdb/bench-tsdb.ts
 * Prints Gorilla encode/decode rates, appendBatch rate, bytes/sample, query latency, and the cost
 * of a head checkpoint of 200 k heads (ms, CPU, bytes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { pack, unpack } from 'msgpackr';
import { GorillaDecoder, GorillaEncoder } from './gorilla';
import { TelemetryStore } from './store';

const T0 = 1_700_000_000_000;

function rate(n: number, ms: number): string {
  return `${((n / ms) * 1000 / 1e6).toFixed(2)} M/s`;
}

function benchGorilla(): void {
  const n = 240;
  const ts = Array.from({ length: n }, (_, i) => T0 + i * 1000 + ((i * 7919) % 5));
  let x = 20;
  const vs = ts.map(() => (x = Math.min(100, Math.max(0, x + Math.sin(x * 1e3) * 2))));
  const rounds = 20_000;
  const bufs: Uint8Array[] = [];
  let t = performance.now();
  for (let r = 0; r < rounds; r++) {
    const e = new GorillaEncoder();
    for (let i = 0; i < n; i++) e.append(ts[i]!, vs[i]!);
    if (r < 10) bufs.push(e.finish());
  }
  const enc = performance.now() - t;
  const d = new GorillaDecoder();
  let sum = 0;
  t = performance.now();
  for (let r = 0; r < rounds; r++) {
    d.reset(bufs[r % 10]!, n);
    while (d.next()) sum += d.v;
  }
  const dec = performance.now() - t;
  console.log(`gorilla: encode ${rate(n * rounds, enc)}, decode ${rate(n * rounds, dec)} samples (${bufs[0]!.length / n} bytes/sample, checksum ${sum.toFixed(0)})`);
}

async function benchStore(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-tsdb-bench-'));
  const env = open({ path: dir, maxDbs: 16 });
  try {
    const store = await TelemetryStore.open(env);
    const hosts = 10;
    const keys = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `cpu.util_pct{cpu=${i}}` : i % 3 === 1 ? `disk.read_bps{dev=sd${i}}` : `mem.used_bytes{n=${i}}`));
    const state = keys.map(() => 50);
    const values = new Array<number>(keys.length).fill(0);
    const ticks = 3600;
    let pos = 0;
    let appended = 0;
    let appendMs = 0;
    let flushMs = 0;
    // Keys as ingest sees them: freshly decoded strings per frame (msgpackr), not interned literals.
    const packedKeys = pack(keys);
    const fresh: string[][] = Array.from({ length: hosts }, () => []);
    for (let tick = 0; tick < ticks; tick++) {
      const ts = T0 + tick * 1000 + (tick % 4);
      for (let h = 0; h < hosts; h++) fresh[h] = unpack(packedKeys) as string[];
      for (let k = 0; k < keys.length; k++) {
        const kind = k % 3;
        const s = state[k]!;
        // CPU-like unrounded gauge, integer-valued byte rate, slowly changing integer memory.
        const next = kind === 0 ? Math.min(100, Math.max(0, s + Math.sin(tick * 31 + k) * 2)) : kind === 1 ? Math.round(Math.abs(Math.sin(tick + k)) * 1e6) : s + (tick % 10 === 0 ? 4096 : 0);
        state[k] = next;
        values[k] = next;
      }
      const t = performance.now();
      for (let h = 0; h < hosts; h++) appended += store.appendBatch(`host${h}`, ts, fresh[h]!, values, ++pos).appended;
      appendMs += performance.now() - t;
      if (tick % 60 === 59) {
        const f = performance.now();
        await store.flush(T0);
        flushMs += performance.now() - f;
      }
    }
    const f = performance.now();
    await store.flushAll();
    flushMs += performance.now() - f;
    let blockBytes = 0;
    let blockSamples = 0;
    for (const { value } of store['db'].blocks.getRange()) {
      blockBytes += value.data.length;
      blockSamples += value.count;
    }
    console.log(`appendBatch: ${appended} samples at ${rate(appended, appendMs)} (series ${store.stats().series}); flush total ${flushMs.toFixed(0)} ms`);
    console.log(`blocks: ${store.stats().blocks}, ${(blockBytes / blockSamples).toFixed(2)} bytes/sample of Gorilla data (mix of 1/3 unrounded %, 1/3 integer rates, 1/3 step integers)`);
    const dbBytes = fs.statSync(path.join(dir, 'data.mdb')).size;
    const st = store['db'].blocks.getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    const used = st.pageSize * (st.treeBranchPageCount + st.treeLeafPageCount + st.overflowPages);
    console.log(`LMDB: blocks sub-db pages ${(used / blockSamples).toFixed(2)} bytes/sample; file ${(dbBytes / blockSamples).toFixed(2)} bytes/sample (incl. free pages and growth)`);
    for (const key of keys.slice(0, 3)) {
      const t = performance.now();
      const reps = 50;
      let n = 0;
      for (let r = 0; r < reps; r++) n = store.query('host3', key, { from: T0, to: T0 + 3_600_000 }).t.length;
      const q1 = (performance.now() - t) / reps;
      const t2 = performance.now();
      for (let r = 0; r < reps; r++) store.query('host3', key, { from: T0, to: T0 + 3_600_000, maxPoints: 300 });
      const q2 = (performance.now() - t2) / reps;
      console.log(`query 1 h of ${key}: ${n} raw points in ${q1.toFixed(2)} ms; 300 buckets in ${q2.toFixed(2)} ms`);
    }
    await store.close();
  } finally {
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** /proc/self/io write_bytes: bytes this process caused to be written to storage (Linux only). */
function ioWriteBytes(): number {
  try {
    const m = /^write_bytes: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * 1,000 hosts × 200 series = 200 k open heads at 1 Hz (a 200 k samples/s fleet). Checkpoints after
 * 30 s (heads 30 samples old) and then every 30 s, as the console would, until heads are 120 s old.
 */
async function benchCheckpoint(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-tsdb-bench-'));
  const env = open({ path: dir, maxDbs: 16, mapSize: 8 * 1024 ** 3 });
  try {
    const store = await TelemetryStore.open(env, { checkpointIntervalMs: 0 });
    const hosts = 1000;
    const keys = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? `cpu.util_pct{cpu=${i}}` : `net.rx_bps{if=eth${i}}`));
    const values = new Array<number>(keys.length).fill(0);
    let pos = 0;
    let appendMs = 0;
    for (let tick = 0; tick < 120; tick++) {
      const ts = T0 + tick * 1000 + (tick % 4);
      for (let k = 0; k < keys.length; k++) values[k] = k % 2 === 0 ? Math.round((50 + Math.sin(tick * 31 + k) * 20) * 10) / 10 : Math.round(Math.abs(Math.sin(tick + k)) * 1e6);
      const t = performance.now();
      for (let h = 0; h < hosts; h++) store.appendBatch(`host${h}`, ts, keys, values, ++pos);
      appendMs += performance.now() - t;
      if (tick % 30 === 29) {
        const io = ioWriteBytes();
        const cpu = process.cpuUsage();
        const cp = await store.checkpoint();
        const used = process.cpuUsage(cpu);
        const written = ioWriteBytes() - io;
        const dbBytes = fs.statSync(path.join(dir, 'data.mdb')).size;
        console.log(
          `checkpoint at ${tick + 1} s: ${cp.heads} heads, ${(cp.headBytes / 1e6).toFixed(1)} MB of records (${(cp.headBytes / cp.heads).toFixed(0)} B/head); ` +
            `callbacks ${cp.callbackMs.toFixed(0)} ms in ${cp.transactions} transactions (longest ${cp.maxCallbackMs.toFixed(0)} ms), commit total ${cp.totalMs.toFixed(0)} ms, process CPU ${((used.user + used.system) / 1000).toFixed(0)} ms; ` +
            `disk writes ${Number.isNaN(written) ? 'n/a' : `${(written / 1e6).toFixed(1)} MB`}; data.mdb ${(dbBytes / 1e6).toFixed(0)} MB; minUnflushedWalPos ${store.minUnflushedWalPos()}`,
        );
      }
    }
    const n = 120 * hosts * keys.length;
    console.log(`checkpoint bench: appendBatch ${rate(n, appendMs)} over ${store.stats().series} series (interned keys)`);
  } finally {
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

benchGorilla();
await benchStore();
await benchCheckpoint();
