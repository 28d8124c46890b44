import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRxDatabase, type RxJsonSchema } from 'rxdb';
import { closeStateDatabase, openStateDatabase } from './database';
import { getRxStorageMemoryLmdb } from './lmdb-storage';
import { alertSchema, type AlertDoc } from './schemas';
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

test('alerts stored under schema version 0 are migrated when the console opens its database: kept whole, noiseMs absent, writable', async (t) => {
  const dir = makeTempDir(t);
  const env = openEnv(dir);
  // Yesterday's console: the alerts collection at version 0 (no noiseMs), written through the same storage.
  const { noiseMs: _dropped, ...v0Properties } = alertSchema.properties;
  const v0Schema = { ...alertSchema, version: 0, properties: v0Properties } as RxJsonSchema<AlertDoc>;
  const old = await createRxDatabase({ name: 'cerebro_state', storage: getRxStorageMemoryLmdb({ env }), multiInstance: false });
  const alerts: AlertDoc[] = [0, 1, 2].map((i) => ({
    id: `a-${i}`,
    hostId: 'web-1',
    seriesKey: `cpu.util_pct{core=${i}}`,
    severity: i === 0 ? 'critical' : 'warning',
    state: i === 2 ? 'resolved' : 'open',
    startMs: 1_700_000_000_000 + i,
    ...(i === 2 ? { endMs: 1_700_000_060_000 } : {}),
    peakScore: 0.9,
    lastScore: 0.4,
    evidence: { baseline: 3.5, points: [[1_700_000_000_000, 97]] },
    noise: i === 1,
  }));
  try {
    await old.addCollections({ alerts: { schema: v0Schema } });
    await old.collections['alerts']!.bulkInsert(alerts);
  } finally {
    await old.close();
  }
  try {
    const db = await openStateDatabase({ env });
    try {
      const got = (await db.alerts.find({ sort: [{ startMs: 'asc' }] }).exec()).map((d) => d.toJSON());
      assert.deepEqual(got, alerts, 'every version-0 alert, unchanged');
      const back = await db.alerts.findOne('a-1').exec();
      await back!.incrementalPatch({ noise: false, noiseMs: 1_700_000_100_000 });
      assert.equal((await db.alerts.findOne('a-1').exec())?.noiseMs, 1_700_000_100_000);
    } finally {
      await closeStateDatabase(db);
    }
    // Opened again: nothing left to migrate, the change is kept.
    const again = await openStateDatabase({ env });
    try {
      assert.equal(await again.alerts.count().exec(), 3);
      assert.equal((await again.alerts.findOne('a-1').exec())?.noise, false);
    } finally {
      await closeStateDatabase(again);
    }
  } finally {
    await env.close();
  }
});
