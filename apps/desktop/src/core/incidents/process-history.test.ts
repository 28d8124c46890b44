import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pack, unpack } from 'msgpackr';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { buildTopology } from '@cerebro/shared/topology/topology';
import { settledHeapBytes } from '../heap';
import { HostGraph } from './host-graph';
import { ProcessHistory, topK } from './process-history';

function proc(pid: number, cpuPct: number, rssBytes: number): ProcessRow {
  return { pid, ppid: 1, name: `p${pid}`, cmd: '', user: 'u', state: 'S', cpuPct, rssBytes, threads: 1, fds: null, startMs: 0 };
}

test('process history keeps the top processes per snapshot, spaced and bounded in time and hosts', () => {
  const h = new ProcessHistory({ topK: 2, spacingMs: 2000, keepMs: 10_000, maxHosts: 2 });
  for (let ts = 0; ts <= 20_000; ts += 1000) {
    // pid 3 is mid-pack on both measures until it starts burning at 12 s.
    h.add('a', ts, [proc(1, 50, 10), proc(2, 1, 900), proc(3, ts >= 12_000 ? 99 : 0.5, 8), proc(4, 0, 5)]);
  }
  assert.equal(h.since('a'), 10_000, 'snapshots older than keepMs are dropped');
  const tracks = h.tracks('a', 0, 20_000);
  const t3 = tracks.find((p) => p.pid === 3)!;
  assert.deepEqual(t3.t, [10_000, 12_000, 14_000, 16_000, 18_000, 20_000], 'one snapshot per spacingMs');
  // At 10 s pid 3 was third by CPU and RSS (kept top 2): read as the cut-off, an upper bound.
  assert.deepEqual(t3.cpuPct, [1, 99, 99, 99, 99, 99]);
  assert.deepEqual(t3.rssBytes, [10, 8, 8, 8, 8, 8]);
  assert.equal(tracks.some((p) => p.pid === 4), false, 'never in a top-K: never tracked');
  h.add('b', 0, [proc(1, 1, 1)]);
  h.add('c', 0, [proc(1, 1, 1)]);
  assert.equal(h.since('a'), null, 'the least recently updated host is dropped beyond maxHosts');
  assert.equal(h.since('c'), 0);
});

test('a process that started within the history reads 0 before its start, and the cut-off after it when below it', () => {
  const h = new ProcessHistory({ topK: 2, spacingMs: 1000, keepMs: 60_000, maxHosts: 2 });
  // pid 3 starts at 2.5 s (the table's start time) and is second by CPU at 3 s; at 4 s it is below both
  // cut-offs (pid 2's 10 % and 900 B). pid 4 is never kept: with it the cut-offs are not 0.
  const p3 = { ...proc(3, 20, 300), startMs: 2500 };
  const rowsAt = (ts: number, p: ProcessRow): ProcessRow[] => [proc(1, 50, 1000), proc(2, 10, 900), proc(4, 1, 5), ...(ts >= 3000 ? [ts === 4000 ? { ...p, cpuPct: 1, rssBytes: 100 } : p] : [])];
  for (let ts = 0; ts <= 4000; ts += 1000) h.add('a', ts, rowsAt(ts, p3));
  const t3 = h.tracks('a', 0, 4000).find((p) => p.pid === 3)!;
  assert.equal(t3.startMs, 2500);
  assert.deepEqual(t3.cpuPct, [0, 0, 0, 20, 10], 'before 2.5 s it did not exist: 0, not the cut-off (10 %)');
  assert.deepEqual(t3.rssBytes, [0, 0, 0, 300, 900], 'after its start, missing from a snapshot: the cut-off, an upper bound');
  // A table without a usable start time keeps the old reading: the cut-off everywhere.
  const old = new ProcessHistory({ topK: 2, spacingMs: 1000, keepMs: 60_000, maxHosts: 2 });
  for (let ts = 0; ts <= 4000; ts += 1000) old.add('a', ts, rowsAt(ts, { ...p3, startMs: NaN }));
  assert.deepEqual(old.tracks('a', 0, 4000).find((p) => p.pid === 3)!.cpuPct, [10, 10, 10, 20, 10]);
});

test('process history keeps the top processes by disk reads and writes too; a rate the collector could not read is 0', () => {
  const h = new ProcessHistory({ topK: 1, spacingMs: 1000, keepMs: 60_000, maxHosts: 2 });
  const io = (p: ProcessRow, readBps: number | null, writeBps: number | null): ProcessRow => ({ ...p, readBps, writeBps });
  // pid 3 is never first by CPU or RSS; it reads 30 MB/s at 2 s and writes 5 MB/s at 3 s. pid 4 is unreadable.
  for (let ts = 0; ts <= 4000; ts += 1000) {
    h.add('a', ts, [io(proc(1, 50, 10), 0, 0), io(proc(2, 1, 900), 1000, 2000), io(proc(3, 0.5, 8), ts === 2000 ? 3e7 : 0, ts === 3000 ? 5e6 : 0), io(proc(4, 0, 5), null, null)]);
  }
  const t3 = h.tracks('a', 0, 4000).find((p) => p.pid === 3)!;
  // Outside its two seconds pid 3 is below the cut-off: pid 2's 1,000 / 2,000 B/s, an upper bound; kept
  // for its reads or its writes, both of its rates are its own.
  assert.deepEqual(t3.readBps, [1000, 1000, 3e7, 0, 1000]);
  assert.deepEqual(t3.writeBps, [2000, 2000, 0, 5e6, 2000]);
  const small = new ProcessHistory({ topK: 16 });
  small.add('b', 0, [io(proc(4, 0, 5), null, null), proc(5, 0, 5)]);
  assert.deepEqual(small.tracks('b', 0, 0).map((p) => [p.readBps, p.writeBps]), [[[0], [0]], [[0], [0]]], 'null (not readable) and absent (an older collector) read as 0');
});

/**
 * The history as its header states it, kept the plain way (one map of rows per snapshot, full sorts): the
 * oracle for the packed store.
 */
class PlainHistory {
  private snaps: Array<{ ts: number; rows: Map<number, ProcessRow>; cuts: number[] }> = [];
  constructor(private readonly k: number, private readonly spacingMs: number, private readonly keepMs: number) {}

  add(ts: number, procs: readonly ProcessRow[]): void {
    const last = this.snaps[this.snaps.length - 1];
    if (last !== undefined && ts - last.ts < this.spacingMs) return;
    const measures = [(p: ProcessRow) => fin(p.cpuPct), (p: ProcessRow) => fin(p.rssBytes), (p: ProcessRow) => fin(p.readBps ?? 0), (p: ProcessRow) => fin(p.writeBps ?? 0)];
    const rows = new Map<number, ProcessRow>();
    const cuts = measures.map((m, i) => {
      const top = procs.filter((p) => i < 2 || m(p) > 0).sort((a, b) => m(b) - m(a)).slice(0, this.k);
      for (const p of top) if (!rows.has(p.pid)) rows.set(p.pid, p);
      return procs.length <= this.k || top.length < this.k ? 0 : m(top[this.k - 1]!);
    });
    // Insertion order of the kept rows: by CPU, then RSS, reads, writes (as the store keeps them).
    const ordered = new Map<number, ProcessRow>();
    for (const [i, m] of measures.entries()) for (const p of procs.filter((q) => i < 2 || m(q) > 0).sort((a, b) => m(b) - m(a)).slice(0, this.k)) if (!ordered.has(p.pid)) ordered.set(p.pid, rows.get(p.pid)!);
    this.snaps.push({ ts, rows: ordered, cuts });
    this.snaps = this.snaps.filter((s) => s.ts >= ts - this.keepMs);
  }

  tracks(from: number, to: number): unknown[] {
    const snaps = this.snaps.filter((s) => s.ts >= from && s.ts <= to);
    const latest = new Map<number, ProcessRow>();
    for (const s of snaps) for (const p of s.rows.values()) latest.set(p.pid, p);
    return [...latest.values()].map((p) => {
      const startMs = Number.isFinite(p.startMs) ? p.startMs : NaN;
      const series = (i: number, m: (q: ProcessRow) => number): number[] => snaps.map((s) => (s.rows.has(p.pid) ? m(s.rows.get(p.pid)!) : s.ts < startMs ? 0 : s.cuts[i]!));
      // Rates are kept as float32 (7 significant digits), memory in bytes as it came; cut-offs as they came.
      return { pid: p.pid, name: p.name, startMs, kernel: p.cmd === '' && (p.pid === 2 || p.ppid === 2), t: snaps.map((s) => s.ts), cpuPct: series(0, (q) => Math.fround(fin(q.cpuPct))), rssBytes: series(1, (q) => fin(q.rssBytes)), readBps: series(2, (q) => Math.fround(fin(q.readBps ?? 0))), writeBps: series(3, (q) => Math.fround(fin(q.writeBps ?? 0))) };
    });
  }
}

function fin(x: number | null): number {
  return x !== null && Number.isFinite(x) ? x : 0;
}

test('the packed history reads exactly as the plain one: ties, pid reuse, new and kernel processes, unreadable rates, wrap-around', () => {
  let seed = 11;
  const rnd = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  for (let round = 0; round < 30; round++) {
    const k = 1 + Math.floor(rnd() * 6);
    const spacingMs = pick([1000, 2000]);
    const keepMs = pick([5_000, 20_000, 60_000]);
    const packed = new ProcessHistory({ topK: k, spacingMs, keepMs, maxHosts: 4 });
    const plain = new PlainHistory(k, spacingMs, keepMs);
    // A small pid space: pids come back with another name or start (reuse); tables grow and shrink, so the
    // rings grow while their heads are mid-way.
    const life = new Map<number, { name: string; startMs: number; kernel: boolean }>();
    let ts = 1_000_000;
    for (let step = 0; step < 300; step++) {
      ts += pick([0, 500, 1000, 1500, 2000, 3000]);
      const size = Math.floor(rnd() * (step % 100 < 50 ? 8 : 40));
      const pids = [...new Set(Array.from({ length: size }, () => 1 + Math.floor(rnd() * 30)))];
      const table = pids.map((pid): ProcessRow => {
        if (!life.has(pid) || rnd() < 0.05) life.set(pid, { name: pick(['a', 'b', 'kworker/0:1']), startMs: pick([NaN, ts - 5000, ts - 100, 0]), kernel: rnd() < 0.2 });
        const id = life.get(pid)!;
        return { pid, ppid: id.kernel ? 2 : 1, name: id.name, cmd: id.kernel ? '' : `/bin/${id.name}`, user: 'u', state: 'S', cpuPct: pick([0, 0, 1, 2, 5, 50, 0.1, NaN]), rssBytes: pick([0, 10, 20, 2 ** 30]), threads: 1, fds: null, startMs: id.startMs, ...(rnd() < 0.8 ? { readBps: pick([null, 0, 0, 3e6, 1e3, 1234.567]), writeBps: pick([null, 0, 2e6]) } : {}) };
      });
      packed.add('h', ts, table);
      plain.add(ts, table);
      if (step % 7 === 0) {
        const from = ts - Math.floor(rnd() * keepMs * 1.2);
        const to = pick([ts, ts - 1000, from + 3000]);
        assert.deepEqual(packed.tracks('h', from, to), plain.tracks(from, to), `round ${round}, step ${step}, k ${k}, window ${from}–${to}`);
      }
    }
  }
});

test("the history keeps no frame's strings alive: a snapshot of decoded tables holds under 4 KB", async () => {
  // 120 processes with server-like names, decoded from msgpack as ingest decodes them. Kept as row objects
  // with the decoded names, a snapshot held ~10 KB here: each name a slice of its frame's text.
  const rows = Array.from({ length: 120 }, (_, i): ProcessRow => ({ ...proc(100 + i, (i * 37) % 11, ((i * 7919) % 97) * 2 ** 20), name: `postgres-wkr-${i}`, cmd: `/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main --worker=${i}`, readBps: i % 9 === 0 ? 1e5 : 0 }));
  const frame = pack(rows);
  const h = new ProcessHistory({ spacingMs: 1000, keepMs: 3_600_000 });
  const snapshots = 300;
  unpack(frame); // msgpackr holds its last frame's buffer and string chunk: in place before the baseline
  const before = await settledHeapBytes();
  for (let i = 0; i < snapshots; i++) h.add('h', i * 1000, unpack(frame) as ProcessRow[]);
  const perSnapshot = ((await settledHeapBytes()) - before) / snapshots;
  assert.equal(h.tracks('h', 0, snapshots * 1000)[0]!.t.length, snapshots, 'every snapshot is held');
  assert.ok(perSnapshot < 4096, `a snapshot of ~40 kept processes holds ${Math.round(perSnapshot)} B`);
});

test('topK picks what a stable sort would: largest first, ties in table order, zeros left out on request', () => {
  let seed = 7;
  const rnd = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let round = 0; round < 200; round++) {
    const n = Math.floor(rnd() * 40);
    // Few distinct values, many zeros: ties and the positive-only filter are exercised.
    const rows = Array.from({ length: n }, (_, i) => proc(i + 1, Math.floor(rnd() * 5) * (rnd() < 0.5 ? 0 : 1), 0));
    const k = 1 + Math.floor(rnd() * 20);
    for (const positiveOnly of [false, true]) {
      const want = [...rows].filter((p) => !positiveOnly || p.cpuPct > 0).sort((a, b) => b.cpuPct - a.cpuPct).slice(0, k);
      assert.deepEqual(topK(rows, k, (p) => p.cpuPct, positiveOnly).map((p) => p.pid), want.map((p) => p.pid), `n ${n}, k ${k}, positiveOnly ${positiveOnly}`);
    }
  }
});

test('host graph: hops between hosts through process connections, bounded search', () => {
  const host = (id: string, address: string, sockets: Parameters<typeof buildTopology>[0][number]['sockets']): Parameters<typeof buildTopology>[0][number] => ({ id, hostname: id, status: 'live', addresses: [address], sockets, processes: [] });
  const listen = (port: number, pid: number) => ({ proto: 'tcp' as const, state: 'LISTEN', localAddr: '0.0.0.0', localPort: port, remoteAddr: '0.0.0.0', remotePort: 0, inode: pid, pid, process: null });
  const conn = (to: string, port: number, pid: number) => ({ proto: 'tcp' as const, state: 'ESTABLISHED', localAddr: '10.0.0.9', localPort: 40000 + pid, remoteAddr: to, remotePort: port, inode: pid + 1000, pid, process: null });
  const graph = new HostGraph(
    buildTopology([
      host('web', '10.0.0.1', [conn('10.0.0.2', 8080, 5)]),
      host('api', '10.0.0.2', [listen(8080, 6), conn('10.0.0.3', 5432, 7)]),
      host('db', '10.0.0.3', [listen(5432, 8)]),
      host('lone', '10.0.0.4', []),
    ]),
  );
  assert.equal(graph.distance('web', 'web', 0), 0);
  assert.equal(graph.distance('web', 'api', 2), 1);
  assert.equal(graph.distance('api', 'web', 2), 1, 'either direction');
  assert.equal(graph.distance('web', 'db', 2), 2);
  assert.equal(graph.distance('web', 'db', 1), Infinity, 'farther than asked');
  assert.equal(graph.distance('web', 'lone', 5), Infinity);
});
