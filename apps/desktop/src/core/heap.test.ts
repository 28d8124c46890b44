import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { consoleMemory, EventLoopWindow } from './heap';

test('the event-loop window reports a block right after its tick, and the next window forgets it', async (t) => {
  const w = new EventLoopWindow(2);
  t.after(() => w.stop());
  assert.deepEqual(w.last, { p50Ms: 0, p99Ms: 0, maxMs: 0, windowSec: 0 }, 'nothing before the first window ends');
  w.tick();
  await sleep(100);
  w.tick();
  // Where the console's maintenance runs: right after the tick that closed a window.
  const until = performance.now() + 250;
  while (performance.now() < until);
  await sleep(100);
  w.tick();
  await sleep(100);
  w.tick();
  assert.ok(w.last.maxMs >= 200, `a 250 ms block read as ${w.last.maxMs} ms`);
  assert.ok(w.last.windowSec > 0.3 && w.last.windowSec < 2, `window of ${w.last.windowSec} s`);
  const blocked = w.last.maxMs;
  await sleep(100);
  w.tick();
  await sleep(100);
  w.tick();
  assert.ok(w.last.maxMs < blocked, `the next window keeps no trace of the block (${w.last.maxMs} ms)`);
});

test("the console's memory: heap in use under its limit, RSS above the heap", () => {
  const m = consoleMemory();
  assert.ok(m.heapUsedBytes > 0 && m.heapUsedBytes < m.heapLimitBytes, JSON.stringify(m));
  assert.ok(m.rssBytes > m.heapUsedBytes, JSON.stringify(m));
  assert.ok(m.arrayBuffersBytes >= 0);
});
