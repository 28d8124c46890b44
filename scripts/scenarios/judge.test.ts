import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert, Incident } from '@cerebro/shared/api/contract';
import { explainedBy, falsePositives, isExplained, relatedIncidents, seriesMatches, type Attribution } from './judge';

function alert(id: string, seriesKey: string, startMs: number, hostId = 'h1', logSrc?: string): Alert {
  return {
    id,
    hostId,
    seriesKey,
    severity: 'warning',
    state: 'open',
    startMs,
    peakScore: 0.7,
    lastScore: 0.7,
    evidence: { baseline: 1, points: [], ...(logSrc !== undefined ? { log: { kind: 'new', templateId: 't', text: 'ERROR <*>', level: 'error', samples: [{ ts: startMs, src: logSrc, msg: 'ERROR x' }] } } : {}) },
    noise: false,
  };
}

const hog: Attribution = { hostId: 'h1', series: ['cpu.*', 'load.1', 'fs.*{mount=/mnt/x}'], logFiles: ['/logs/orders.log'], fromMs: 1000, toMs: 5000 };

test('series patterns: exact names, prefixes with *, and one required label', () => {
  assert.ok(seriesMatches('cpu.*', 'cpu.util_pct'));
  assert.ok(seriesMatches('cpu.*', 'cpu.iowait_pct{core=1}'));
  assert.ok(!seriesMatches('cpu.*', 'mem.used_bytes'));
  assert.ok(seriesMatches('load.1', 'load.1'));
  assert.ok(!seriesMatches('load.1', 'load.15'));
  assert.ok(seriesMatches('fs.*{mount=/mnt/x}', 'fs.used_bytes{mount=/mnt/x}'));
  assert.ok(!seriesMatches('fs.*{mount=/mnt/x}', 'fs.used_bytes{mount=/}'));
  assert.ok(!seriesMatches('fs.*{mount=/mnt/x}', 'fs.used_bytes'));
  assert.ok(seriesMatches('net.*{if=lo}', 'net.rx_bps{if=lo}'));
  assert.ok(!seriesMatches('net.*{if=lo}', 'net.rx_bps{if=eth0}'));
});

test('an alert is explained only on the host, in the window, by a matching series or log file, and not if seen before the fault', () => {
  assert.ok(isExplained(alert('a', 'cpu.util_pct', 2000), hog));
  assert.ok(!isExplained(alert('a', 'cpu.util_pct', 999), hog), 'before the window');
  assert.ok(!isExplained(alert('a', 'cpu.util_pct', 5001), hog), 'after the window');
  assert.ok(!isExplained(alert('a', 'cpu.util_pct', 2000, 'h2'), hog), 'another host');
  assert.ok(!isExplained(alert('a', 'mem.used_bytes', 2000), hog), 'a series the fault does not move');
  assert.ok(isExplained(alert('a', 'log.new{template=t}', 2000, 'h1', 'file:/logs/orders.log'), hog));
  assert.ok(!isExplained(alert('a', 'log.new{template=t}', 2000, 'h1', 'file:/logs/other.log'), hog), 'a log line from another file');
  assert.ok(!isExplained(alert('a', 'cpu.util_pct', 2000), { ...hog, before: new Set(['a']) }), 'already raised before the fault');
});

test('false-positive rate: unexplained ÷ all alerts since the warm-up, first matching scenario wins', () => {
  const leak: Attribution = { hostId: 'h1', series: ['mem.*'], logFiles: [], fromMs: 6000, toMs: 9000 };
  const alerts = [alert('w', 'cpu.util_pct', 500), alert('a', 'cpu.util_pct', 2000), alert('b', 'mem.used_bytes', 2000), alert('c', 'mem.used_bytes', 7000), alert('d', 'disk.read_bps{dev=vda}', 8000)];
  assert.equal(explainedBy(alerts[1]!, [hog, leak]), 0);
  assert.equal(explainedBy(alerts[3]!, [hog, leak]), 1);
  assert.equal(explainedBy(alerts[4]!, [hog, leak]), -1);
  // 'w' is before the warm-up's end (900) and not counted; of a, b, c, d: b and d are unexplained.
  assert.deepEqual(falsePositives(alerts, [hog, leak], 900), { alerts: 4, unexplained: 2, rate: 0.5 });
  assert.deepEqual(falsePositives([], [hog], 0), { alerts: 0, unexplained: 0, rate: null });
});

test('related incidents are those listing one of the alerts', () => {
  const inc = (id: string, alertIds: string[]): Incident =>
    ({ id, alerts: alertIds.map((a) => ({ id: a, hostId: 'h1', seriesKey: 'x', kind: 'metric', severity: 'warning', state: 'open', startMs: 0 })) }) as unknown as Incident;
  const got = relatedIncidents([inc('i1', ['a']), inc('i2', ['b', 'c']), inc('i3', [])], new Set(['c']));
  assert.deepEqual(got.map((i) => i.id), ['i2']);
});
