import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtDuration, fmtSeriesValue, pointRange } from './alert-format';

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
