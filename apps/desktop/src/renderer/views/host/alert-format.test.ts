import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '@cerebro/shared/api/contract';
import { alertLinesHash, fmtDuration, fmtSeriesValue, pointRange } from './alert-format';

test('alert figures read in the series unit, with short durations', () => {
  assert.equal(fmtSeriesValue('cpu.util_pct', 93.25), '93.3 %');
  assert.equal(fmtSeriesValue('net.rx_bps{iface=eth0}', 2048), '2.00 KiB/s');
  assert.equal(fmtSeriesValue('mem.used_bytes', 3 * 1024 ** 3), '3.00 GiB');
  assert.equal(fmtSeriesValue('load.1m', 1.2345), '1.23');
  assert.equal(fmtSeriesValue('proc.count', 312), '312');
  assert.equal(fmtSeriesValue('x', Number.NaN), '—');
  assert.deepEqual([fmtDuration(42_000), fmtDuration(12 * 60_000), fmtDuration(3 * 3_600_000 + 5 * 60_000), fmtDuration(7_200_000)], ['42 s', '12 min', '3 h 5 min', '2 h']);
  assert.deepEqual(pointRange([[1, 80], [2, 95], [3, 88]]), { min: 80, max: 95 });
  assert.equal(pointRange([]), null);
});

test('alertLinesHash: a log alert links to the logs view filtered to its host, template and window; a metric alert to nothing', () => {
  const base = { id: 'a1', hostId: 'web-01', severity: 'warning', state: 'resolved', startMs: 1_000_000, endMs: 1_300_000, peakScore: 0.9, lastScore: 0.1, noise: false } as const;
  const log = { ...base, seriesKey: 'log.new{template=0badc0de}', evidence: { baseline: 0, points: [], log: { kind: 'new', templateId: '0badc0de', text: 'disk <*> failed', level: 'error', samples: [] } } } as unknown as Alert;
  const hash = alertLinesHash(log, 2_000_000);
  assert.ok(hash !== null);
  const params = new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
  assert.equal(hash.startsWith('#/logs?'), true);
  assert.deepEqual([params.get('host'), params.get('template'), params.get('from'), params.get('to')], ['web-01', '0badc0de', String(1_000_000 - 60_000), String(1_300_000 + 60_000)]);
  const metric = { ...base, seriesKey: 'cpu.util_pct', evidence: { baseline: 10, points: [] } } as unknown as Alert;
  assert.equal(alertLinesHash(metric, 2_000_000), null);
});
