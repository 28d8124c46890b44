import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadSource, parseLoadavg } from './load';
import { RecordingOutput, fixture, readFixture, testContext } from './test-support';

test('parseLoadavg reads the real fixture', () => {
  assert.deepEqual(parseLoadavg(readFixture('host/t0/proc/loadavg')), { load1: 0.88, load5: 0.37, load15: 0.18 });
});

test('parseLoadavg rejects garbage', () => {
  assert.throws(() => parseLoadavg('x y'), /unexpected \/proc\/loadavg/);
});

test('LoadSource emits the three averages', () => {
  const src = new LoadSource(testContext(fixture('host/t0/proc'), '/nonexistent'));
  const out = new RecordingOutput();
  src.collect(out);
  src.close();
  assert.deepEqual(Object.fromEntries(out.samples), { 'load.1': 0.88, 'load.5': 0.37, 'load.15': 0.18 });
});
