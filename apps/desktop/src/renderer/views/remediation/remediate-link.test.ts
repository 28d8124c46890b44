import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoute, remediateHash, routeHash } from '../../lib/route';

test('the drawer link round-trips: incident, runbook, host and prefilled params, escaped', () => {
  const hash = remediateHash('inc/1 x', { runbookId: 'cpu-hog-renice', hostId: 'web 1', cause: 3, params: { pid: '4242', nice: '10' } });
  assert.equal(hash, '#/incidents/inc%2F1%20x?remediate=cpu-hog-renice&host=web+1&cause=3&p.pid=4242&p.nice=10');
  const route = parseRoute(hash);
  assert.deepEqual(route, { name: 'incidents', incidentId: 'inc/1 x', remediate: { runbookId: 'cpu-hog-renice', hostId: 'web 1', cause: 3, params: { pid: '4242', nice: '10' } } });
  assert.deepEqual(parseRoute('#/incidents/i?remediate=r&cause=0'), { name: 'incidents', incidentId: 'i', remediate: { runbookId: 'r' } }, 'a bad rank is dropped');
  assert.equal(routeHash(route), hash);
  assert.deepEqual(parseRoute('#/incidents/inc-1?remediate=free-page-cache'), { name: 'incidents', incidentId: 'inc-1', remediate: { runbookId: 'free-page-cache' } });
});

test('without remediate the incident route is unchanged; the actions and audit views have their own', () => {
  assert.deepEqual(parseRoute('#/incidents/inc-1'), { name: 'incidents', incidentId: 'inc-1' });
  assert.deepEqual(parseRoute('#/incidents/inc-1?host=x'), { name: 'incidents', incidentId: 'inc-1' });
  assert.deepEqual(parseRoute('#/incidents'), { name: 'incidents', incidentId: null });
  assert.deepEqual(parseRoute('#/actions'), { name: 'actions' });
  assert.deepEqual(parseRoute('#/audit'), { name: 'audit' });
  assert.equal(routeHash({ name: 'actions' }), '#/actions');
  assert.equal(routeHash({ name: 'audit' }), '#/audit');
});
