import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncidentAlertRef } from '@cerebro/shared/api/contract';
import { parseRoute } from '../../lib/route';
import { LOG_CONTEXT_MS, alertLogsHash, hostHash, topologyHash } from './incident-links';

const ref = (o: Partial<IncidentAlertRef>): IncidentAlertRef => ({ id: 'a', hostId: 'web 1', seriesKey: 'cpu.util_pct', kind: 'metric', severity: 'warning', state: 'resolved', startMs: 100_000, endMs: 200_000, ...o });

test('a log alert links to the logs view filtered to its host, template and window; others do not', () => {
  const h = alertLogsHash(ref({ kind: 'log', seriesKey: 'log.new{template=t42}' }), 999_999);
  assert.deepEqual(parseRoute(h ?? ''), { name: 'logs', link: { host: 'web 1', template: 't42', from: 100_000 - LOG_CONTEXT_MS, to: 200_000 + LOG_CONTEXT_MS } });
  const open = alertLogsHash(ref({ kind: 'log', seriesKey: 'log.rate{template=t7}', state: 'open', endMs: undefined }), 500_000);
  assert.equal(parseRoute(open ?? '').name === 'logs' && (parseRoute(open ?? '') as { link: { to?: number } }).link.to, 500_000 + LOG_CONTEXT_MS, 'an open one up to now');
  assert.equal(alertLogsHash(ref({}), 0), null);
});

test('host and topology links round-trip through the router', () => {
  assert.deepEqual(parseRoute(hostHash('web 1')), { name: 'host', hostId: 'web 1' });
  assert.deepEqual(parseRoute(topologyHash('inc/1 x')), { name: 'topology', incident: 'inc/1 x' });
  assert.deepEqual(parseRoute('#/topology'), { name: 'topology' });
  assert.deepEqual(parseRoute('#/incidents'), { name: 'incidents', incidentId: null });
  assert.deepEqual(parseRoute('#/incidents/inc%2F1'), { name: 'incidents', incidentId: 'inc/1' });
});
