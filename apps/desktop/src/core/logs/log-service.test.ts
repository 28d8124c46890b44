import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCursor } from './records';
import { batch, openLogs, query, rec, tempHome } from './test-helpers';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

test('search: newest first across hosts, filters by host, level, template and terms, pages with a cursor', async (t) => {
  const home = tempHome(t);
  const { logs } = openLogs(home);
  t.after(() => logs.close());
  let pos = 0;
  for (let i = 0; i < 50; i++) {
    const host = i % 2 === 0 ? 'web-1' : 'db-1';
    const level = i % 10 === 0 ? 'error' : 'info';
    await logs.ingest(host, batch(i + 1, [rec(T0 + i * 1000, `request ${i} served in ${i * 3} ms`, level), rec(T0 + i * 1000, `Connection Reset by peer ${i}`, 'warn')]), ++pos);
  }
  const all = logs.search(query());
  assert.equal(all.records.length, 100);
  for (let i = 1; i < all.records.length; i++) assert.ok(all.records[i - 1]!.ts >= all.records[i]!.ts, 'newest first');
  assert.equal(all.records[0]!.ts, T0 + 49_000);
  assert.equal(logs.search(query({ hostId: 'web-1' })).records.every((r) => r.hostId === 'web-1'), true);
  assert.equal(logs.search(query({ hostId: 'web-1' })).records.length, 50);
  assert.equal(logs.search(query({ level: 'error' })).records.length, 5);
  assert.equal(logs.search(query({ level: 'warn+' })).records.length, 55, 'warn+ takes warn, error and fatal');
  assert.equal(logs.search(query({ q: 'RESET peer' })).records.length, 50, 'terms are case-insensitive and all must occur');
  assert.equal(logs.search(query({ q: '"served in 9 ms"' })).records.length, 1, 'a quoted phrase');
  const tid = all.records.find((r) => r.msg.startsWith('request'))!.templateId;
  assert.equal(logs.search(query({ templateId: tid })).records.length, 50, 'one template for all request lines');
  assert.equal(logs.search(query({ from: T0 + 10_000, to: T0 + 19_999 })).records.length, 20);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = logs.search(query({ limit: 7, ...(cursor ? { cursor: parseCursor(cursor)! } : {}) }));
    seen.push(...page.records.map((r) => r.id));
    cursor = page.cursor;
  } while (cursor);
  assert.deepEqual(seen, all.records.map((r) => r.id), 'paging returns every record once, in order');
});

test('search: a query that would scan too much answers partial with a cursor to continue', async (t) => {
  const { logs } = openLogs(tempHome(t), { maxScan: 30 });
  t.after(() => logs.close());
  const lines = Array.from({ length: 100 }, (_, i) => rec(T0 + i, `line ${i}`, i === 5 ? 'error' : 'info'));
  await logs.ingest('h', batch(1, lines), 1);
  const first = logs.search(query({ level: 'error' }));
  assert.equal(first.partial, true);
  assert.equal(first.records.length, 0);
  assert.equal(first.scanned, 30);
  let r = first;
  while (r.partial && r.records.length === 0) r = logs.search(query({ level: 'error', cursor: parseCursor(r.cursor!)! }));
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.msg, 'line 5');
});

test('retention: records past the age limit and beyond the size cap are evicted oldest first, and counted', async (t) => {
  const home = tempHome(t);
  const now = T0 + 10 * 86_400_000;
  const { logs } = openLogs(home, { retentionDays: 7, maxBytes: 40_000 });
  t.after(() => logs.close());
  // 100 records 9 days old, then 1,000 recent ones over two hosts.
  await logs.ingest('a', batch(1, Array.from({ length: 100 }, (_, i) => rec(T0 + i, `old line ${i}`))), 1);
  for (let b = 0; b < 10; b++) {
    await logs.ingest(b % 2 ? 'a' : 'b', batch(b + 2, Array.from({ length: 100 }, (_, i) => rec(now - 3600_000 + b * 1000 + i, `fresh line ${b} ${i} ${'x'.repeat(20)}`))), b + 2);
  }
  const before = logs.stats();
  assert.equal(before.records, 1100);
  assert.ok(before.bytes > 40_000, `the store is over its cap (${before.bytes} bytes)`);
  const evicted = await logs.enforceRetention(now);
  const after = logs.stats();
  assert.ok(evicted.records > 100, 'the old ones and some fresh ones went');
  assert.equal(after.evictedRecords, evicted.records);
  assert.equal(after.records, 1100 - evicted.records);
  assert.ok(after.bytes <= 40_000 * 0.95 + 200, `back under 95 % of the cap: ${after.bytes}`);
  const left = logs.search(query());
  assert.equal(left.records.length, after.records);
  assert.ok(left.records.every((r) => r.msg.startsWith('fresh')), 'every old record went first');
  const oldestLeft = Math.min(...left.records.map((r) => r.ts));
  // Oldest first over both hosts: nothing older than the oldest kept record remains anywhere.
  assert.equal(left.records.filter((r) => r.ts < oldestLeft).length, 0);
  assert.ok(oldestLeft > now - 3600_000, 'the oldest fresh records were evicted for the cap');
  assert.deepEqual(await logs.enforceRetention(now), { records: 0, bytes: 0 }, 'a second pass has nothing to do');
});

test('replay after a crash: nothing doubled, nothing lost, template ids stable', async (t) => {
  const home = tempHome(t);
  const batches = Array.from({ length: 6 }, (_, b) => batch(b + 1, Array.from({ length: 20 }, (_, i) => rec(T0 + b * 60_000 + i, i % 2 ? `user ${b * 100 + i} logged in from 10.0.0.${i}` : `disk /dev/sd${'abc'[i % 3]} at ${i} %`))));
  const first = openLogs(home);
  for (let b = 0; b < 4; b++) await first.logs.ingest('h', batches[b]!, b + 1);
  await first.logs.save(); // miner saved at position 4
  await first.logs.ingest('h', batches[4]!, 5); // stored, miner not saved: a crash now
  const idsBefore = first.logs.search(query()).records.map((r) => `${r.id}:${r.templateId}`);
  // Simulate the crash: the environment closes without a save (close() would save).
  await (first.logs as unknown as { env: { close(): Promise<void> } }).env.close();

  const second = openLogs(home);
  t.after(() => second.logs.close());
  // The console replays every WAL entry still there: 1..6 (6 was in the WAL, never in the log store).
  for (let b = 0; b < 6; b++) await second.logs.replay('h', batches[b]!, b + 1);
  const after = second.logs.search(query());
  assert.equal(after.records.length, 120, 'five stored batches plus the one only the WAL had');
  assert.equal(second.logs.stats().records, 120);
  assert.deepEqual(after.records.slice(20).map((r) => `${r.id}:${r.templateId}`), idsBefore, 'the same records, same template ids');
  assert.equal(new Set(after.records.map((r) => r.id)).size, 120, 'no duplicates');
  // A third start replays again: still no duplicates (record keys are the WAL positions).
  await second.logs.save();
  for (let b = 0; b < 6; b++) await second.logs.replay('h', batches[b]!, b + 1);
  assert.equal(second.logs.search(query()).records.length, 120);
});

test('template counts: per host per minute, a sparkline, metadata; restored after a restart', async (t) => {
  const home = tempHome(t);
  const first = openLogs(home);
  let pos = 0;
  // Minute m: m+1 "job <n> done" lines on web, 2 "cache miss" lines on db.
  for (let m = 0; m < 5; m++) {
    const ts = T0 + m * 60_000;
    await first.logs.ingest('web', batch(++pos, Array.from({ length: m + 1 }, (_, i) => rec(ts + i, `job ${m * 10 + i} done`))), pos);
    await first.logs.ingest('db', batch(++pos, [rec(ts, 'cache miss for key 0x1f'), rec(ts + 5, 'cache miss for key 0xff', 'warn')]), pos);
  }
  const view = first.logs.templates('web', T0, T0 + 5 * 60_000 - 1);
  assert.equal(view.templates.length, 1);
  const job = view.templates[0]!;
  assert.equal(job.count, 15);
  assert.equal(view.stepMs, 60_000);
  assert.deepEqual(job.spark, [1, 2, 3, 4, 5]);
  assert.match(job.text, /^job <\*> done$/);
  const both = first.logs.templates(undefined, T0, T0 + 5 * 60_000 - 1);
  const miss = both.templates.find((x) => x.text.startsWith('cache miss'))!;
  assert.equal(miss.count, 10);
  assert.deepEqual([...miss.levels].sort(), ['info', 'warn']);
  assert.equal(miss.firstSeenMs, T0);
  assert.equal(miss.lastSeenMs, T0 + 4 * 60_000 + 5);
  assert.deepEqual(both.hosts, ['db', 'web']);
  await first.logs.close();

  const second = openLogs(home);
  t.after(() => second.logs.close());
  await second.logs.ingest('web', batch(++pos, [rec(T0 + 4 * 60_000 + 30_000, 'job 99 done')]), pos);
  const again = second.logs.templates('web', T0, T0 + 5 * 60_000 - 1).templates[0]!;
  assert.equal(again.id, job.id, 'the same template id after a restart');
  assert.deepEqual(again.spark, [1, 2, 3, 4, 6], 'a minute counted before the restart continues from its stored count');
  assert.equal(again.total, 16);
});

test('live listeners get each stored batch once it is committed', async (t) => {
  const { logs } = openLogs(tempHome(t));
  t.after(() => logs.close());
  const got: string[] = [];
  logs.onLines((h, lines) => got.push(...lines.map((l) => `${h}:${l.msg}`)));
  await logs.ingest('h', batch(1, [rec(T0, 'one'), rec(T0 + 1, 'two')]), 1);
  assert.equal(logs.ingest('h', batch(2, []), 2), null, 'a batch without logs costs nothing');
  await logs.replay('h', batch(3, [rec(T0 + 2, 'replayed')]), 3);
  assert.deepEqual(got, ['h:one', 'h:two']);
});

test('live lines are built only while a listener wants them (nobody following costs no objects)', async (t) => {
  const { logs } = openLogs(tempHome(t));
  t.after(() => logs.close());
  let following = false;
  let asked = 0;
  const got: string[] = [];
  logs.onLines(
    (_h, lines) => got.push(...lines.map((l) => l.msg)),
    () => {
      asked++;
      return following;
    },
  );
  await logs.ingest('h', batch(1, [rec(T0, 'unfollowed')]), 1);
  assert.deepEqual(got, []);
  assert.ok(asked > 0, 'the store asked whether anyone follows');
  following = true;
  await logs.ingest('h', batch(2, [rec(T0 + 1, 'followed')]), 2);
  assert.deepEqual(got, ['followed']);
});

test('records of one second from several batches come out in (ts, WAL position, index) order, page by page', async (t) => {
  const { logs } = openLogs(tempHome(t));
  t.after(() => logs.close());
  // Three batches whose records interleave within the same seconds (late lines, equal timestamps) and span two seconds.
  const stamps = [[T0 + 500, T0 + 10, T0 + 999, T0 + 1000], [T0 + 10, T0 + 700, T0 + 1500], [T0 + 999, T0 + 10, T0 + 2]];
  const expected: Array<[number, number, number]> = [];
  for (let b = 0; b < stamps.length; b++) {
    const pos = b + 1;
    await logs.ingest('h', batch(pos, stamps[b]!.map((ts, i) => rec(ts, `line ${b}.${i}`))), pos);
    stamps[b]!.forEach((ts, i) => expected.push([ts, pos, i]));
  }
  expected.sort((x, y) => y[0] - x[0] || y[1] - x[1] || y[2] - x[2]);
  const want = expected.map(([ts, pos, i]) => `${ts}:line ${pos - 1}.${i}`);
  assert.deepEqual(logs.search(query()).records.map((r) => `${r.ts}:${r.msg}`), want);
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page = logs.search(query({ limit: 2, ...(cursor ? { cursor: parseCursor(cursor)! } : {}) }));
    paged.push(...page.records.map((r) => `${r.ts}:${r.msg}`));
    cursor = page.cursor;
  } while (cursor);
  assert.deepEqual(paged, want, 'cursor paging splits seconds without losing or repeating a record');
  assert.deepEqual(logs.search(query({ from: T0 + 10, to: T0 + 999 })).records.map((r) => r.ts), [T0 + 999, T0 + 999, T0 + 700, T0 + 500, T0 + 10, T0 + 10, T0 + 10]);
});

test('a flood of batches handed over in one turn leaves the event loop free, and each commits in order', async (t) => {
  const { logs } = openLogs(tempHome(t));
  t.after(() => logs.close());
  // 150 batches of 1,000 lines arrive in one turn, as a WebSocket read of many frames hands them over:
  // doing their work synchronously held the loop (and the console's API) for seconds.
  const shapes = ['GET /api/items/<n> 200 <n> ms', 'connection to db-<n>:5432 refused', 'session <n> opened for user app'];
  const batches = Array.from({ length: 150 }, (_, b) => batch(b + 1, Array.from({ length: 1000 }, (_, i) => rec(T0 + b * 1000 + i, shapes[i % 3]!.replaceAll('<n>', String(b * 7 + i))))));
  let ticks = 0;
  let maxGapMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  t.after(() => clearInterval(timer));
  const started = performance.now();
  const order: number[] = [];
  const commits = batches.map((b, i) => logs.ingest('h', b, i + 1)!.then(() => order.push(i + 1)));
  const handOverMs = performance.now() - started;
  await Promise.all(commits);
  const totalMs = performance.now() - started;
  clearInterval(timer);
  t.diagnostic(`flood: ${totalMs.toFixed(0)} ms for 150,000 lines, longest event-loop pause ${maxGapMs.toFixed(0)} ms, hand-over ${handOverMs.toFixed(0)} ms`);
  assert.ok(handOverMs < 100, `taking the batches is cheap (${handOverMs.toFixed(0)} ms)`);
  assert.deepEqual(order, batches.map((_, i) => i + 1), 'commits resolve in arrival order');
  assert.equal(logs.stats().records, 150_000);
  assert.equal(logs.queued, 0);
  // Generous bounds (noisy shared machines): the work took far longer than any pause of the loop.
  assert.ok(ticks >= 5, `the timer ran during the flood (${ticks} ticks in ${totalMs.toFixed(0)} ms)`);
  assert.ok(maxGapMs < 400, `the longest pause of the event loop was ${maxGapMs.toFixed(0)} ms (the whole flood took ${totalMs.toFixed(0)} ms)`);
});
