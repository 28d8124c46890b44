import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool, type SpoolOptions } from './spool';

/** Bytes of a record's header in a segment file: length, crc32, seq, samples (u32 each). */
const HEADER = 16;

/** Spools opened by each test, closed before its temp dir is removed. */
const opened = new WeakMap<TestContext, Spool[]>();

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-'));
  t.after(() => {
    // close() is harmless on a spool closed already, or on one left open to play a crash.
    for (const spool of opened.get(t) ?? []) spool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A frame whose bytes tell which seq it belongs to, `size` bytes long. */
function frameFor(seq: number, size = 40): Uint8Array {
  const out = Buffer.alloc(size, seq & 0xff);
  out.write(`batch-${seq}:`, 0, 'latin1');
  return out;
}

interface Opened {
  readonly spool: Spool;
  readonly logs: string[];
}

/** Open a spool in a dir made by tempDir(t) (which closes it at the end). */
function open(t: TestContext, options: SpoolOptions): Opened {
  const logs: string[] = [];
  const spool = Spool.open({ ...options, log: (level, message) => logs.push(`${level}: ${message}`) });
  opened.set(t, [...(opened.get(t) ?? []), spool]);
  return { spool, logs };
}

/** Take a seq and append a frame for it; returns the seq. */
function add(spool: Spool, size = 40, samples = 1): number {
  const seq = spool.takeSeq();
  spool.append(seq, frameFor(seq, size), samples);
  return seq;
}

/** Every pending batch, read back through nextAfter, in order. */
function pending(spool: Spool): Array<{ seq: number; frame: Uint8Array }> {
  const out: Array<{ seq: number; frame: Uint8Array }> = [];
  let after = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    const next = spool.nextAfter(after);
    if (!next) return out;
    out.push(next);
    after = next.seq;
  }
  throw new Error('nextAfter did not terminate');
}

/** stats().pendingBatches/pendingBytes must equal a recount of what nextAfter still yields. */
function assertCountsExact(spool: Spool, note: string): void {
  const all = pending(spool);
  const stats = spool.stats();
  assert.equal(stats.pendingBatches, all.length, `${note}: pendingBatches`);
  assert.equal(stats.pendingBytes, all.reduce((n, b) => n + HEADER + b.frame.byteLength, 0), `${note}: pendingBytes`);
  assert.equal(spool.oldestSeq, all[0]?.seq ?? spool.nextSeq, `${note}: oldestSeq`);
}

function seqs(spool: Spool): number[] {
  return pending(spool).map((b) => b.seq);
}

test('appended batches come back from nextAfter in seq order with their bytes; acked ones no longer', (t) => {
  const { spool } = open(t, { dir: tempDir(t), maxBytes: 1 << 20 });
  assert.equal(spool.nextSeq, 1);
  assert.equal(spool.oldestSeq, 1, 'empty spool: oldestSeq = nextSeq');
  for (let i = 0; i < 5; i++) add(spool);
  assert.deepEqual(seqs(spool), [1, 2, 3, 4, 5]);
  assert.deepEqual(Buffer.from(spool.nextAfter(2)?.frame ?? []), Buffer.from(frameFor(3)));
  assert.equal(spool.nextAfter(5), null);
  spool.ack(1);
  spool.ack(2);
  assert.deepEqual(seqs(spool), [3, 4, 5]);
  assert.equal(spool.oldestSeq, 3);
  assertCountsExact(spool, 'after acks');
  assert.deepEqual(spool.stats(), { pendingBatches: 3, pendingBytes: 3 * (HEADER + 40), droppedBatches: 0, droppedSamples: 0, droppedBytes: 0, droppedLogs: 0 });
});

test('after reopen, acked batches are gone and unacked ones survive with the same bytes', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20 });
  for (let i = 0; i < 6; i++) add(first.spool, 30 + i);
  first.spool.ack(1);
  first.spool.ack(2);
  const before = pending(first.spool);
  first.spool.close();

  const { spool } = open(t, { dir, maxBytes: 1 << 20 });
  const after = pending(spool);
  assert.deepEqual(
    after.map((b) => b.seq),
    [3, 4, 5, 6],
  );
  assert.deepEqual(
    after.map((b) => Buffer.from(b.frame).toString('hex')),
    before.map((b) => Buffer.from(b.frame).toString('hex')),
  );
  assertCountsExact(spool, 'reopened');
});

test('ackUpTo marks every seq up to the bound done, including after a reopen', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20, segmentBytes: 3 * (HEADER + 40) });
  for (let i = 0; i < 10; i++) add(first.spool);
  first.spool.ackUpTo(7);
  assert.deepEqual(seqs(first.spool), [8, 9, 10]);
  assertCountsExact(first.spool, 'after ackUpTo');
  first.spool.ackUpTo(7); // idempotent
  assertCountsExact(first.spool, 'after a repeated ackUpTo');
  first.spool.close();
  const { spool } = open(t, { dir, maxBytes: 1 << 20 });
  assert.deepEqual(seqs(spool), [8, 9, 10]);
  assertCountsExact(spool, 'reopened');
});

test('acks out of order leave exactly the unacked batches, before and after reopen', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20, segmentBytes: 4 * (HEADER + 40) });
  for (let i = 0; i < 10; i++) add(first.spool);
  for (const s of [5, 2, 9, 1, 10, 2, 42]) first.spool.ack(s); // 2 twice and 42 unknown: no effect
  assert.deepEqual(seqs(first.spool), [3, 4, 6, 7, 8]);
  assert.equal(first.spool.oldestSeq, 3);
  assertCountsExact(first.spool, 'after out-of-order acks');
  first.spool.close();
  const { spool } = open(t, { dir, maxBytes: 1 << 20 });
  assert.deepEqual(seqs(spool), [3, 4, 6, 7, 8]);
  assertCountsExact(spool, 'reopened');
});

test('acks are saved within ACK_SAVE_EVERY_MS and at close; after a crash, unsaved acks are only resent', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20 });
  for (let i = 0; i < 4; i++) add(first.spool);
  first.spool.ack(1);
  first.spool.ack(3);
  // No close(): the process died within the save interval. The acks are not on disk yet, so the batches
  // come back and are sent again; the console drops them as duplicates (idempotent on epoch and seq).
  const crashed = open(t, { dir, maxBytes: 1 << 20 });
  assert.deepEqual(seqs(crashed.spool), [1, 2, 3, 4]);
  assert.equal(crashed.spool.nextSeq, 5, 'never a seq handed out twice');
  crashed.spool.ack(1);
  crashed.spool.ack(3);
  crashed.spool.close();
  const { spool } = open(t, { dir, maxBytes: 1 << 20 });
  assert.deepEqual(seqs(spool), [2, 4], 'acks saved at close');
});

test('nextSeq persists across reopen and stays above every seq ever spooled, even once all segments are deleted', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20, segmentBytes: 2 * (HEADER + 40) });
  for (let i = 0; i < 6; i++) add(first.spool);
  first.spool.ackUpTo(6);
  assert.deepEqual(seqs(first.spool), []);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('seg-')),
    [],
    'every segment is full and acked: none is left on disk',
  );
  // No close(): the counter must already be on disk.
  const second = open(t, { dir, maxBytes: 1 << 20 });
  assert.equal(second.spool.nextSeq, 7);
  assert.equal(second.spool.oldestSeq, 7);
  assert.equal(add(second.spool), 7);
  second.spool.close();
  const third = open(t, { dir, maxBytes: 1 << 20 });
  assert.equal(third.spool.nextSeq, 8);
  assert.deepEqual(seqs(third.spool), [7]);
});

test('nextSeq is recomputed from the segments when state.json lags behind them', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20 });
  for (let i = 0; i < 3; i++) add(first.spool);
  // Crash without close: state.json still holds nextSeq 1 from open().
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).nextSeq, 1);
  const { spool } = open(t, { dir, maxBytes: 1 << 20 });
  assert.equal(spool.nextSeq, 4);
  assert.deepEqual(seqs(spool), [1, 2, 3]);
});

test('the epoch persists across reopen; a corrupt state.json starts a new epoch, keeping spooled batches', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20 });
  const epoch = first.spool.epoch;
  assert.match(epoch, /^[A-Za-z0-9_-]{8,64}$/);
  add(first.spool);
  add(first.spool);
  first.spool.close();
  const second = open(t, { dir, maxBytes: 1 << 20 });
  assert.equal(second.spool.epoch, epoch);
  second.spool.close();

  fs.writeFileSync(path.join(dir, 'state.json'), '{"epoch": "abc", nextSeq');
  const third = open(t, { dir, maxBytes: 1 << 20 });
  assert.notEqual(third.spool.epoch, epoch);
  assert.match(third.spool.epoch, /^[A-Za-z0-9_-]{8,64}$/);
  assert.ok(third.logs.some((l) => /^warn: spool state .*state\.json is unreadable .*starting a new epoch$/.test(l)), third.logs.join('\n'));
  assert.deepEqual(seqs(third.spool), [1, 2]);
  assert.equal(third.spool.nextSeq, 3);
  // The new epoch is what persists from now on.
  third.spool.close();
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).epoch, third.spool.epoch);
});

test('a state.json with an invalid epoch also starts a new epoch', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ epoch: 'bad epoch!', nextSeq: 9 }));
  const { spool, logs } = open(t, { dir, maxBytes: 1 << 20 });
  assert.notEqual(spool.epoch, 'bad epoch!');
  assert.equal(spool.nextSeq, 1);
  assert.ok(logs.some((l) => /missing or invalid epoch/.test(l)), logs.join('\n'));
});

test('a torn record at the tail is cut off at open; earlier records survive and appends continue after them', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20 });
  for (let i = 0; i < 4; i++) add(first.spool);
  first.spool.close();
  const [segName] = fs.readdirSync(dir).filter((f) => f.startsWith('seg-'));
  assert.ok(segName);
  const seg = path.join(dir, segName);
  const full = fs.statSync(seg).size;
  assert.equal(full, 4 * (HEADER + 40));
  fs.truncateSync(seg, full - 5);

  const second = open(t, { dir, maxBytes: 1 << 20 });
  assert.deepEqual(seqs(second.spool), [1, 2, 3]);
  assert.equal(fs.statSync(seg).size, 3 * (HEADER + 40), 'the torn bytes are gone from the file');
  assert.ok(second.logs.some((l) => /torn record at byte 168/.test(l)), second.logs.join('\n'));
  assertCountsExact(second.spool, 'after the cut');
  // seq 4 was lost with the torn record; the counter still continues above it (state.json held 5).
  assert.equal(second.spool.nextSeq, 5);
  add(second.spool);
  second.spool.close();
  const third = open(t, { dir, maxBytes: 1 << 20 });
  assert.deepEqual(seqs(third.spool), [1, 2, 3, 5]);
  assert.deepEqual(Buffer.from(third.spool.nextAfter(3)?.frame ?? []), Buffer.from(frameFor(5)));
});

test('a record whose bytes were corrupted (crc mismatch) is cut off with everything after it', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20 });
  for (let i = 0; i < 3; i++) add(first.spool);
  first.spool.close();
  const [segName] = fs.readdirSync(dir).filter((f) => f.startsWith('seg-'));
  assert.ok(segName);
  const seg = path.join(dir, segName);
  const bytes = fs.readFileSync(seg);
  const at = HEADER + 40 + HEADER + 3; // inside the frame of seq 2
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
  fs.writeFileSync(seg, bytes);
  const { spool } = open(t, { dir, maxBytes: 1 << 20 });
  assert.deepEqual(seqs(spool), [1]);
  assertCountsExact(spool, 'after the crc cut');
});

test('the disk bound drops the oldest unacked batches, counting batches, samples and bytes exactly, and the counts persist', (t) => {
  const dir = tempDir(t);
  const record = HEADER + 84; // 100 bytes per record
  const options = { dir, maxBytes: 10 * record, segmentBytes: 3 * record };
  const first = open(t, options);
  // samples = seq * 10, so the dropped-samples total tells exactly which batches went.
  const append = (): number => {
    const seq = first.spool.takeSeq();
    first.spool.append(seq, frameFor(seq, 84), seq * 10);
    return seq;
  };
  for (let i = 0; i < 10; i++) append();
  assert.equal(first.spool.stats().droppedBatches, 0, 'exactly at the bound: nothing dropped');
  append(); // 11 records > bound: the segment [1,2,3] goes
  assert.deepEqual(first.spool.stats(), { pendingBatches: 8, pendingBytes: 8 * record, droppedBatches: 3, droppedSamples: 60, droppedBytes: 3 * record, droppedLogs: 0 });
  assert.deepEqual(seqs(first.spool), [4, 5, 6, 7, 8, 9, 10, 11]);
  assertCountsExact(first.spool, 'after the first drop');
  append();
  append();
  append(); // 14: the segment [4,5,6] goes
  assert.deepEqual(seqs(first.spool), [7, 8, 9, 10, 11, 12, 13, 14]);
  assert.deepEqual(first.spool.stats(), { pendingBatches: 8, pendingBytes: 8 * record, droppedBatches: 6, droppedSamples: 210, droppedBytes: 6 * record, droppedLogs: 0 });
  // An acked batch inside a segment that is then dropped is not counted as dropped.
  first.spool.ack(8);
  assertCountsExact(first.spool, 'after acking 8');
  append();
  append();
  append(); // 17: the segment [7,8,9] goes, 8 of it already acked
  assert.deepEqual(seqs(first.spool), [10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual(first.spool.stats(), { pendingBatches: 8, pendingBytes: 8 * record, droppedBatches: 8, droppedSamples: 210 + 70 + 90, droppedBytes: 8 * record, droppedLogs: 0 });
  assertCountsExact(first.spool, 'after the third drop');
  assert.ok(first.logs.some((l) => /^warn: spool reached its bound of 1000 bytes: dropped 2 unacked batches \(160 samples\)/.test(l)), first.logs.join('\n'));
  assert.equal(first.spool.oldestSeq, 10);

  // No close(): the drop counters must already be on disk.
  const second = open(t, options);
  assert.deepEqual(second.spool.stats(), { pendingBatches: 8, pendingBytes: 8 * record, droppedBatches: 8, droppedSamples: 370, droppedBytes: 8 * record, droppedLogs: 0 });
  assert.deepEqual(seqs(second.spool), [10, 11, 12, 13, 14, 15, 16, 17]);
  assert.equal(second.spool.nextSeq, 18);
  assertCountsExact(second.spool, 'reopened');
});

test('a dropped batch whose ack still arrives (it was in flight) leaves the drop counters: they count only what the console never gets', (t) => {
  const dir = tempDir(t);
  const record = HEADER + 84;
  const { spool } = open(t, { dir, maxBytes: 10 * record, segmentBytes: 3 * record });
  for (let i = 0; i < 11; i++) {
    const seq = spool.takeSeq();
    spool.append(seq, frameFor(seq, 84), seq * 10);
  }
  assert.deepEqual([spool.stats().droppedBatches, spool.stats().droppedSamples], [3, 60], 'the segment [1,2,3] was dropped');
  // 1 and 2 had been sent before the drop: their acks come now.
  spool.ack(2);
  assert.deepEqual([spool.stats().droppedBatches, spool.stats().droppedSamples, spool.stats().droppedBytes], [2, 40, 2 * record]);
  spool.ack(1);
  assert.deepEqual([spool.stats().droppedBatches, spool.stats().droppedSamples, spool.stats().droppedBytes], [1, 30, record], 'only 3 is lost');
  spool.ack(2);
  assert.equal(spool.stats().droppedBatches, 1, 'a repeated ack counts once');
  // A welcome's durableSeq passes over dropped seqs without the console having them: no un-drop.
  spool.ackUpTo(3);
  spool.ack(3);
  assert.equal(spool.stats().droppedBatches, 1, 'after a new session, 3 stays lost');
  assertCountsExact(spool, 'after the late acks');
});

test('reject(seq) removes the batch and counts it in rejectedBatches, which persists', (t) => {
  const dir = tempDir(t);
  const first = open(t, { dir, maxBytes: 1 << 20 });
  for (let i = 0; i < 4; i++) add(first.spool);
  first.spool.reject(2);
  assert.equal(first.spool.rejectedBatches, 1);
  assert.deepEqual(seqs(first.spool), [1, 3, 4]);
  assertCountsExact(first.spool, 'after reject');
  assert.equal(first.spool.stats().droppedBatches, 0, 'a rejection is not a drop by the bound');
  const second = open(t, { dir, maxBytes: 1 << 20 });
  assert.equal(second.spool.rejectedBatches, 1);
  assert.deepEqual(seqs(second.spool), [1, 3, 4]);
});

test('pending counts stay exact through a random mix of appends, acks, ackUpTo, rejects, drops and reopens', (t) => {
  const dir = tempDir(t);
  const options = { dir, maxBytes: 4000, segmentBytes: 700 };
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let { spool } = open(t, options);
  for (let step = 0; step < 600; step++) {
    const op = rand(10);
    const live = seqs(spool);
    if (op < 5) add(spool, 20 + rand(120), rand(50));
    else if (op < 7 && live.length > 0) spool.ack(live[rand(live.length)] as number);
    else if (op === 7 && live.length > 0) spool.ackUpTo((live[0] as number) + rand(3));
    else if (op === 8 && live.length > 0) spool.reject(live[rand(live.length)] as number);
    else if (op === 9) {
      spool.close();
      ({ spool } = open(t, options));
    }
    assertCountsExact(spool, `step ${step}`);
    const s = spool.stats();
    assert.ok(s.droppedBytes >= s.droppedBatches * HEADER);
  }
  assert.ok(spool.stats().droppedBatches > 0, 'the bound was exercised');
});

test('batches carrying log records: the drop counts their records in droppedLogs (persisted), and replay returns the same frames', (t) => {
  const dir = tempDir(t);
  const options = { dir, maxBytes: 600, segmentBytes: 200 };
  const first = open(t, options);
  const frames = new Map<number, Uint8Array>();
  for (let i = 0; i < 3; i++) {
    const seq = first.spool.takeSeq();
    frames.set(seq, frameFor(seq, 80));
    // Batches with logs carry a 4-byte longer header; a batch without keeps the old 16-byte one.
    first.spool.append(seq, frames.get(seq) as Uint8Array, 5, seq === 2 ? 0 : seq * 100);
  }
  assert.deepEqual(pending(first.spool).map((b) => [b.seq, Buffer.compare(Buffer.from(b.frame), Buffer.from(frames.get(b.seq) as Uint8Array))]), [
    [1, 0],
    [2, 0],
    [3, 0],
  ]);
  const reopened = open(t, options);
  assert.equal(reopened.spool.stats().pendingBatches, 3, 'both header forms read back after a reopen');
  assert.equal(reopened.spool.stats().pendingBytes, 3 * (HEADER + 80) + 2 * 4);
  for (let i = 0; i < 6; i++) {
    const seq = reopened.spool.takeSeq();
    reopened.spool.append(seq, frameFor(seq, 80), 5, 7);
  }
  const stats = reopened.spool.stats();
  assert.ok(stats.droppedBatches >= 3, `the oldest segments went (${stats.droppedBatches} batches)`);
  // The first three (100 + 0 + 300 records) and then 7 for each later batch dropped.
  assert.equal(stats.droppedLogs, 400 + 7 * (stats.droppedBatches - 3));
  assert.ok(reopened.logs.some((l) => /log records\), oldest first/.test(l)), reopened.logs.join('\n'));
  assert.deepEqual(open(t, options).spool.stats().droppedLogs, stats.droppedLogs, 'droppedLogs persists');
});
