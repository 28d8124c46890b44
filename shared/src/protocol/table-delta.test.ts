import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessRow, TelemetryBatch } from './messages';
import { FULL_TABLE_EVERY, ProcessTableDecoder, ProcessTableEncoder, withWholeTable, type EncodedTable, type TableDeltaMiss } from './table-delta';
import { decodeCollectorFrame, encodeMessage } from './codec';

/** A host's scans: 60 idle daemons, 5 busy ones, a job that comes and goes, and a pid reused by another program. */
function scans(n: number): ProcessRow[][] {
  const out: ProcessRow[][] = [];
  for (let i = 0; i < n; i++) {
    const rows: ProcessRow[] = [];
    for (let p = 0; p < 65; p++) {
      const busy = p >= 60;
      rows.push({ pid: 100 + p, ppid: 1, name: `d${p}`, cmd: `/usr/bin/d${p} --flag`, user: 'root', state: busy ? 'R' : 'S', cpuPct: busy ? (i * 7 + p) % 50 : 0, rssBytes: busy ? 1e6 + i * 4096 : 2e6 + p, threads: 2, fds: 10, startMs: 1_000, readBps: busy ? i : 0, writeBps: 0 });
    }
    if (i % 10 < 4) rows.push({ pid: 5_000 + Math.floor(i / 10), ppid: 1, name: 'job', cmd: '/bin/job', user: 'app', state: 'R', cpuPct: 40, rssBytes: 5e6, threads: 1, fds: null, startMs: 2_000 + i, readBps: null, writeBps: null });
    // pid 700: one program until scan 20, then another one with the same pid.
    rows.push(i < 20 ? { pid: 700, ppid: 1, name: 'old', cmd: '/bin/old', user: 'root', state: 'S', cpuPct: 0, rssBytes: 1e6, threads: 1, fds: 3, startMs: 500 } : { pid: 700, ppid: 1, name: 'new', cmd: '/bin/new', user: 'root', state: 'S', cpuPct: 0, rssBytes: 1e6, threads: 1, fds: 3, startMs: 9_000 });
    out.push(rows);
  }
  return out;
}

const byPid = (rows: readonly ProcessRow[] | undefined): ProcessRow[] => [...(rows ?? [])].sort((a, b) => a.pid - b.pid);

/** The batch as the console decodes it from the wire. */
function wire(seq: number, table: EncodedTable): TelemetryBatch {
  const decoded = decodeCollectorFrame(encodeMessage({ type: 'batch', seq, ts: 1_700_000_000_000 + seq * 2000, metrics: { k: [], v: [] }, ...table }), { maxFrameBytes: 1 << 24, maxSamplesPerBatch: 1000 });
  assert.ok(decoded.ok && decoded.value.type === 'batch', decoded.ok ? decoded.value.type : decoded.error.message);
  return decoded.value;
}

test('tables sent as changes are rebuilt whole, row for row, and are a fraction of the bytes', () => {
  const enc = new ProcessTableEncoder();
  const dec = new ProcessTableDecoder();
  let whole = 0;
  let wholeBytes = 0;
  let deltaBytes = 0;
  let deltas = 0;
  for (const [i, rows] of scans(60).entries()) {
    const seq = i + 1;
    const table = enc.encode(seq, rows, true);
    const batch = wire(seq, table);
    if ('procs' in table) {
      whole++;
      wholeBytes += encodeMessage(batch).length;
    } else {
      deltas++;
      deltaBytes += encodeMessage(batch).length;
      assert.ok(table.procsDelta.rows.length < rows.length, `scan ${i}: ${table.procsDelta.rows.length} of ${rows.length} rows sent`);
    }
    const rebuilt = withWholeTable(dec, 'h', batch);
    assert.equal(rebuilt.procsDelta, undefined, 'the delta is consumed');
    assert.deepEqual(byPid(rebuilt.procs), byPid(rows), `scan ${i} rebuilt exactly`);
  }
  // The first table, then every FULL_TABLE_EVERY-th, is whole.
  assert.equal(whole, Math.ceil(60 / FULL_TABLE_EVERY));
  assert.equal(dec.deltas, deltas);
  assert.equal(dec.missed, 0);
  const ratio = deltaBytes / deltas / (wholeBytes / whole);
  assert.ok(ratio < 0.3, `a delta is ${(ratio * 100).toFixed(0)} % of a whole table's bytes`);
});

test('a delta whose base the console does not hold gives no table, reported once, until the next whole table', () => {
  const enc = new ProcessTableEncoder(5);
  const misses: TableDeltaMiss[] = [];
  const dec = new ProcessTableDecoder((m) => misses.push(m));
  const all = scans(12);
  const got: Array<readonly ProcessRow[] | undefined> = [];
  for (const [i, rows] of all.entries()) {
    const batch = wire(i + 1, enc.encode(i + 1, rows, true));
    // Batch 2 never reaches the console (a full spool dropped it).
    if (i === 1) continue;
    got.push(withWholeTable(dec, 'h', batch).procs);
  }
  // Batch 1 whole; 3, 4, 5 change tables the console lacks; 6 whole again (every 5th), then deltas apply.
  assert.deepEqual(byPid(got[0]), byPid(all[0]));
  assert.deepEqual(got.slice(1, 4), [undefined, undefined, undefined]);
  for (let i = 5; i < 12; i++) assert.deepEqual(byPid(got[i - 1]), byPid(all[i]), `batch ${i + 1}`);
  assert.equal(dec.missed, 3);
  assert.deepEqual(misses, [{ hostId: 'h', seq: 3, base: 2, held: 1 }]);
});

test('without the console offering deltas every table is whole; a reset sends the next one whole', () => {
  const enc = new ProcessTableEncoder();
  const rows = scans(4);
  assert.ok('procs' in enc.encode(1, rows[0]!, false));
  assert.ok('procs' in enc.encode(2, rows[1]!, false));
  assert.ok('procsDelta' in enc.encode(3, rows[2]!, true));
  enc.reset();
  assert.ok('procs' in enc.encode(4, rows[3]!, true));
  assert.throws(() => new ProcessTableEncoder(0), /every 1 or more tables/);
});

test('procsDelta is validated at the trust boundary', () => {
  const limits = { maxFrameBytes: 1 << 20, maxSamplesPerBatch: 10 };
  const row = scans(1)[0]![0]!;
  const frame = (extra: Record<string, unknown>): ReturnType<typeof decodeCollectorFrame> => decodeCollectorFrame(encodeMessage({ type: 'batch', seq: 2, ts: 1_700_000_000_000, metrics: { k: [], v: [] }, ...extra } as unknown as TelemetryBatch), limits);
  const good = frame({ procsDelta: { base: 1, rows: [row], gone: [7] } });
  assert.ok(good.ok && good.value.type === 'batch');
  assert.deepEqual(good.value.procsDelta, { base: 1, rows: [row], gone: [7] });
  const both = frame({ procs: [row], procsDelta: { base: 1, rows: [], gone: [] } });
  assert.ok(!both.ok && /procs and procsDelta are both present/.test(both.error.message), JSON.stringify(both));
  const badPid = frame({ procsDelta: { base: 1, rows: [], gone: ['x'] } });
  assert.ok(!badPid.ok && /procsDelta\.gone\[0\]/.test(badPid.error.message));
  const badBase = frame({ procsDelta: { base: 0, rows: [], gone: [] } });
  assert.ok(!badBase.ok && /procsDelta\.base/.test(badBase.error.message));
  const badRow = frame({ procsDelta: { base: 1, rows: [{ ...row, rssBytes: -1 }], gone: [] } });
  assert.ok(!badRow.ok && /procsDelta\.rows\[0\]\.rssBytes/.test(badRow.error.message));
});
