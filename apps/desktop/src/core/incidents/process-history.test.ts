import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { buildTopology } from '@cerebro/shared/topology/topology';
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
