import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeStateDatabase, openStateDatabase } from './database';
import { makeHost, makeTempDir, openEnv } from './test-helpers';

test('opening and closing the database 20 times stays within the 13-collection budget', async (t) => {
  const dir = makeTempDir(t);
  const env = openEnv(dir);
  try {
    for (let round = 0; round < 20; round++) {
      const db = await openStateDatabase({ env });
      try {
        await db.hosts.upsert(makeHost(round));
        assert.equal(await db.hosts.count().exec(), round + 1);
      } finally {
        await closeStateDatabase(db);
      }
    }
  } finally {
    await env.close();
  }
});

test('two databases with different names keep separate documents in one env', async (t) => {
  const dir = makeTempDir(t);
  const env = openEnv(dir);
  try {
    const a = await openStateDatabase({ env, name: 'state_a' });
    const b = await openStateDatabase({ env, name: 'state_b' });
    try {
      await a.hosts.insert(makeHost(1));
      assert.equal(await b.hosts.count().exec(), 0);
    } finally {
      await closeStateDatabase(a);
      await closeStateDatabase(b);
    }
  } finally {
    await env.close();
  }
});
