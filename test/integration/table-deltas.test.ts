/**
 * The real collector sends its process tables as changes against the previous one (most rows do not
 * change between scans); the real console rebuilds them whole: a process that starts appears, one that
 * ends goes, and a console killed mid-stream rebuilds the same table from its write-ahead log.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { createTokenFile, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';

const pids = (rows: readonly ProcessRow[]): number[] => rows.map((r) => r.pid).sort((a, b) => a - b);

test('process tables sent as changes stay whole and current, and survive a console restart', async (t) => {
  const home = tempDir(t);
  let con = await startConsole(t, home);
  const tokenFile = createTokenFile(home, home);
  const hostId = `it-deltas-${process.pid}`;
  // 250 ms ticks: a table every 500 ms, a whole one every 15 tables (7.5 s).
  const collector = await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), hostId, intervalMs: 250 });
  const first = await waitFor('tables sent as changes', async () => {
    const n = (await con.api('stats')).tableDeltas;
    return n >= 3 ? n : null;
  }, 30_000);

  // A process that starts after the last whole table reaches the console through a change.
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const pid = child.pid!;
  const row = await waitFor(`sleep (pid ${pid}) in the console's table`, async () => (await con.api('processes', hostId)).rows.find((r) => r.pid === pid), 10_000, 100);
  assert.equal(row.name, 'sleep');
  assert.equal(row.cmd, 'sleep 60');
  child.kill('SIGKILL');
  await waitFor(`pid ${pid} gone from the console's table`, async () => !(await con.api('processes', hostId)).rows.some((r) => r.pid === pid), 10_000, 100);
  // The collector is in its own table, whole: every row the console holds is a process the collector saw.
  const table = await con.api('processes', hostId);
  assert.ok(table.rows.some((r) => r.pid === collector.proc.child.pid), 'the collector itself');
  const stats = await con.api('stats');
  assert.ok(stats.tableDeltas > first, `tables as changes: ${first}, then ${stats.tableDeltas}`);
  assert.equal(stats.tableDeltasMissed, 0);

  // Stop the collector, then kill the console: a restart replays its WAL (whole tables and changes).
  assert.equal(await collector.proc.stop('SIGINT'), 0, collector.proc.tail());
  const before = await con.api('processes', hostId);
  await con.proc.stop('SIGKILL');
  con = await startConsole(t, home);
  const after = await con.api('processes', hostId);
  assert.equal(after.ts, before.ts, 'the same scan');
  assert.deepEqual(pids(after.rows), pids(before.rows));
  assert.deepEqual(after.rows.find((r) => r.pid === collector.proc.child.pid), before.rows.find((r) => r.pid === collector.proc.child.pid));
});
