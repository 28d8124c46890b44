import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceForecast } from '@cerebro/shared/api/contract';
import { fmtEta, forecastSentence } from './forecast-format';

const f = (o: Partial<ResourceForecast>): ResourceForecast => ({ hostId: 'h', resource: 'filesystem', name: '/data', seriesKey: 'fs.used_bytes{mount=/data}', atMs: 0, used: 1, capacity: 2, slopePerSec: 1, etaMs: 5 * 3_600_000, etaLowerBoundMs: 3 * 3_600_000, confident: true, horizonMs: 86_400_000, alertId: null, ...o });

test('forecast figures read as times left, days beyond two', () => {
  assert.equal(fmtEta(90_000), '1 min', 'rounded down: time left errs on the short side');
  assert.equal(fmtEta(3 * 3_600_000 + 300_000), '3 h 5 min');
  assert.equal(fmtEta(5 * 86_400_000), '5 d');
  assert.equal(forecastSentence(f({})), 'filesystem /data full in 3 h at the earliest (estimate 5 h; alerts under 24 h)');
  assert.equal(forecastSentence(f({ resource: 'swap', name: 'swap', etaMs: null, etaLowerBoundMs: null })), 'swap: not filling');
});
