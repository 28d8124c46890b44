/**
 * A log flood does not stall the console's API: simulated collectors send their whole in-flight window
 * of the largest log batches at once (what a backlog replay after an outage looks like), and /stats keeps
 * answering while the console works through them. The log work used to run inside the WebSocket read
 * that delivered the frames, holding the API for seconds (the ingest benchmark's /stats timed out).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { MAX_LOGS_PER_BATCH, type LogRecord } from '@cerebro/shared/protocol/messages';
import { createTokenFile, startConsole, tempDir } from '../helpers/cerebro';
import { LogCollector } from '../helpers/log-collector';

const SHAPES = [(k: number) => `GET /api/v1/items/${k} 200 ${k % 900} ms`, (k: number) => `connection to db-${k % 8}.internal:5432 refused (attempt ${k % 10})`, (k: number) => `session ${(k * 2654435761) >>> 0} opened for user app`];

function records(seq: number, t0: number): LogRecord[] {
  return Array.from({ length: MAX_LOGS_PER_BATCH }, (_, i) => {
    const k = seq * MAX_LOGS_PER_BATCH + i;
    return { ts: t0 + i, src: 'file:/var/log/app.log', level: 'info', msg: SHAPES[k % SHAPES.length]!(k) };
  });
}

test('the API answers within a bound while collectors flood the console with log batches', { timeout: 180_000 }, async (t) => {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const token = fs.readFileSync(createTokenFile(home, home), 'utf8').trim();
  const collectors = ['flood-a', 'flood-b'].map((h) => new LogCollector(h, token));
  t.after(() => collectors.forEach((c) => c.close()));
  for (const c of collectors) await c.connect(con.info.ingestUrl);
  const t0 = Date.now() - 3_600_000;
  // 2 × 32 batches of 5,000 lines: 320,000 lines handed over as fast as the sockets carry them.
  let acked = 0;
  const sends = collectors.flatMap((c, n) => Array.from({ length: 32 }, (_, i) => c.send(i + 1, records(n * 100 + i, t0 + i * 5000), 150_000).then(() => acked++)));
  const latencies: number[] = [];
  while (acked < sends.length) {
    const start = performance.now();
    await con.api('stats');
    latencies.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(sends);
  const stats = await con.api('stats');
  assert.equal(stats.logs?.records, 2 * 32 * MAX_LOGS_PER_BATCH);
  const worst = Math.max(...latencies);
  t.diagnostic(`${latencies.length} /stats requests during the flood, slowest ${worst.toFixed(0)} ms`);
  assert.ok(latencies.length >= 3, `the flood lasted long enough to measure (${latencies.length} requests)`);
  // Generous (shared, noisy machines); before the fix single turns took seconds.
  assert.ok(worst < 1500, `/stats took ${worst.toFixed(0)} ms during the flood`);
});
