/**
 * The console is killed with SIGKILL mid-stream (twice) and restarted on the same data: after the collector
 * reconnects, every batch it produced is stored exactly once, and the stored series have no gap — the
 * collector's spool fills the outage itself.
 */
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenFile, freePort, startCollector, startConsole, tempDir, waitFor } from '../helpers/cerebro';

const INTERVAL_MS = 200;

test('a console killed with SIGKILL mid-stream loses nothing and doubles nothing', async (t) => {
  const home = tempDir(t);
  // A fixed ingest port, so the collector reconnects to the same URL after each restart.
  const ingestPort = await freePort();
  let con = await startConsole(t, home, { ingestPort });
  const tokenFile = createTokenFile(home, home);
  const hostId = `it-durability-${process.pid}`;
  const startMs = Date.now();
  const collector = await startCollector(t, {
    ingestUrl: con.info.ingestUrl,
    tokenFile,
    stateDir: path.join(home, 'collector'),
    hostId,
    intervalMs: INTERVAL_MS,
    // Fewer sources: a lighter collector keeps its 200 ms ticks regular on a busy test machine.
    args: ['--disable', 'sockets', '--disable', 'processes'],
  });

  for (let round = 1; round <= 2; round++) {
    const before = await waitFor(`round ${round}: batches arriving`, async () => {
      const h = (await con.api('hosts')).find((x) => x.id === hostId);
      return h && h.lastSeq >= round * 10 ? h.lastSeq : null;
    }, 15_000);
    assert.equal(await con.proc.stop('SIGKILL'), -1, 'console killed by the signal');
    t.diagnostic(`round ${round}: console SIGKILLed at host seq ${before}`);
    // The collector keeps collecting into its spool while the console is down.
    await waitFor('batches spooled during the outage', () => (collector.status()?.spool.pendingBatches ?? 0) >= 5, 10_000);
    con = await startConsole(t, home, { ingestPort });
    await waitFor('the collector to reconnect and drain its spool', () => {
      const s = collector.status();
      return s && s.link.connects >= round + 1 && s.spool.pendingBatches === 0;
    }, 20_000);
  }

  assert.equal(await collector.proc.stop('SIGTERM'), 0, collector.proc.tail());
  const status = collector.status();
  assert.ok(status, 'collector wrote its final status');
  assert.equal(status.spool.droppedBatches, 0);
  const produced = status.spool.nextSeq - 1;

  // Every batch carries load.1, at its own tick time: one stored point per batch, none missing, none twice.
  await waitFor('the last batch to be stored', async () => (await con.api('host', hostId)).lastSeq === produced, 5_000);
  const load = await con.api('query', hostId, { key: 'load.1', from: startMs - 5_000, to: Date.now() + 1_000, points: 20_000 });
  assert.equal(load.kind, 'raw');
  assert.equal(load.t.length, produced, `stored points of load.1 (${load.t.length}) = batches produced (${produced})`);
  let maxGap = 0;
  for (let i = 1; i < load.t.length; i++) {
    const gap: number = (load.t[i] as number) - (load.t[i - 1] as number);
    assert.ok(gap > 0, `timestamps strictly increasing at ${i}`);
    assert.equal(gap % INTERVAL_MS, 0, 'ticks aligned to the interval');
    maxGap = Math.max(maxGap, gap);
  }
  // The outages lasted seconds; a gap of that size would mean spooled batches were lost.
  assert.ok(maxGap <= 5 * INTERVAL_MS, `largest gap ${maxGap} ms is a late tick, not an outage`);
  t.diagnostic(`${produced} batches produced, ${load.t.length} stored once each; largest gap ${maxGap} ms`);

  const stats = await con.api('stats');
  assert.equal(stats.rejectedSamples, 0);
  assert.equal(await con.proc.stop('SIGTERM'), 0, con.proc.tail());
});
