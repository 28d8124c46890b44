import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeStateDatabase, openStateDatabase } from './database';
import { makeHost, makeTempDir, openEnv } from './test-helpers';

const DOCS = 10_000;

function rate(count: number, startMs: number): string {
  const seconds = (performance.now() - startMs) / 1000;
  return `${Math.round(count / seconds).toLocaleString('en-US')} docs/s (${seconds.toFixed(2)} s)`;
}

// Prints throughput; speed is not asserted (it depends on the disk's fsync latency).
test('throughput of host writes through to LMDB', { timeout: 300_000 }, async (t) => {
  const dir = makeTempDir(t);
  const env = openEnv(dir);
  try {
    const db = await openStateDatabase({ env });
    try {
      let start = performance.now();
      const result = await db.hosts.bulkInsert(Array.from({ length: DOCS }, (_, i) => makeHost(i)));
      assert.equal(result.error.length, 0);
      console.log(`bulkInsert of ${DOCS} hosts: ${rate(DOCS, start)}`);

      start = performance.now();
      for (let i = 0; i < DOCS; i++) await db.hosts.upsert(makeHost(i, { lastSeq: 1 }));
      console.log(`${DOCS} awaited upserts, one at a time (one LMDB commit each): ${rate(DOCS, start)}`);

      start = performance.now();
      const upserted = await db.hosts.bulkUpsert(Array.from({ length: DOCS }, (_, i) => makeHost(i, { lastSeq: 3 })));
      assert.equal(upserted.error.length, 0);
      console.log(`bulkUpsert of ${DOCS} existing hosts: ${rate(DOCS, start)}`);

      start = performance.now();
      await Promise.all(Array.from({ length: DOCS }, (_, i) => db.hosts.upsert(makeHost(i, { lastSeq: 2 }))));
      console.log(`${DOCS} concurrent upserts (lmdb batches their commits): ${rate(DOCS, start)}`);
    } finally {
      await closeStateDatabase(db);
    }

    const start = performance.now();
    const reopened = await openStateDatabase({ env });
    try {
      assert.equal(await reopened.hosts.count().exec(), DOCS);
      console.log(`reopen loading ${DOCS} hosts: ${rate(DOCS, start)}`);
    } finally {
      await closeStateDatabase(reopened);
    }
  } finally {
    await env.close();
  }
});
