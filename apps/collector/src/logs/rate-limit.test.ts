import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './rate-limit';

test('the bucket passes the burst at once, then perSec, and counts every drop by source', () => {
  const b = new TokenBucket({ perSec: 10, burst: 50 }, 0);
  let passed = 0;
  for (let i = 0; i < 80; i++) if (b.take(i % 2 ? 'file:/a' : 'journal', 0)) passed++;
  assert.equal(passed, 50);
  assert.equal(b.dropped, 30);
  // One second later 10 more tokens.
  let later = 0;
  for (let i = 0; i < 20; i++) if (b.take('file:/a', 1000)) later++;
  assert.equal(later, 10);
  assert.equal(b.dropped, 40);
  const recent = b.takeRecent();
  assert.ok(recent);
  assert.equal(recent.total, 40);
  assert.deepEqual(recent.top[0], ['file:/a', 25]);
  assert.equal(b.takeRecent(), null, 'the window resets');
  // Refill never exceeds the burst.
  let afterQuiet = 0;
  for (let i = 0; i < 100; i++) if (b.take('x', 1_000_000)) afterQuiet++;
  assert.equal(afterQuiet, 50);
});
