/**
 * The `fleet` benchmark's short form: 20 simulated hosts for 25 s against a real console process (the
 * 16-minute, 1,000-host run is `npm run bench -- fleet`). What a wrong bench would get past unnoticed: hosts
 * whose batches the console refuses, tables that do not arrive, and memory or event-loop figures that are
 * not the console's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetBench } from './fleet';

test('fleet, short form: 20 collector-shaped hosts, every batch accepted, tables whole, the console reports its heap and event loop', { timeout: 120_000 }, async (t) => {
  const result = await fleetBench.run(['--hosts', '20', '--seconds', '25', '--processes', '50']);
  const f = result.figures as Record<string, number | null>;
  t.diagnostic(JSON.stringify({ ...f, timeline: undefined }));
  assert.equal(f['protocolErrors'], 0);
  assert.equal(f['rejectedSamples'], 0);
  assert.equal(f['ticksNotSent'], 0);
  assert.equal(f['readPauses'], 0, 'hosts that keep the ack window are never paused');
  assert.ok(f['seriesPerHost']! > 20, `this machine's series: ${f['seriesPerHost']}`);
  assert.ok(f['batchesSent']! >= 20 * 20, `batches sent: ${f['batchesSent']}`);
  // Stored by the console, all but the last second's batches at most.
  assert.ok(f['samplesStored']! >= f['samplesSent']! - 2 * 20 * f['seriesPerHost']!, `stored ${f['samplesStored']} of ${f['samplesSent']}`);
  assert.ok(f['processTablesSent']! >= 20 * 10);
  assert.equal(f['processRowsOfFirstHost'], 51, 'the 50 processes and the service, rebuilt whole from changes');
  assert.ok(f['processTableDeltasSent']! > f['processTablesSent']! / 2, `tables sent as changes: ${f['processTableDeltasSent']} of ${f['processTablesSent']}`);
  assert.equal(f['tableDeltasMissed'], 0, 'every change applied onto its base');
  assert.equal(f['scoredSeries'], 20 * f['seriesPerHost']!);
  assert.ok(f['heapLimitMB']! > 1000 && f['heapUsedMB']! > 0 && f['heapUsedMB']! < f['heapLimitMB']!);
  assert.ok(f['eventLoopMaxMs'] !== null && f['eventLoopMaxMs']! >= 0, 'a 10-s window of the event loop completed');
  assert.equal(f['heapGrowthMBPerMin'], null, 'too short to measure growth');
  assert.ok('heapGrowthMBPerMin' in result.skipped);
});
