import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeStateDatabase, openStateDatabase } from '../state/database';
import { makeTempDir, openEnv } from '../state/test-helpers';
import { AlertStore } from './alert-store';
import type { AlertEvent } from './scorer';

function event(type: AlertEvent['type'], overrides: Partial<AlertEvent> = {}): AlertEvent {
  return { type, hostId: 'h1', seriesKey: 'cpu.util_pct', alertId: 'a1', tsMs: 2000, startMs: 1000, peakScore: 0.6, lastScore: 0.6, baseline: 5, points: [[1000, 80], [2000, 85]], ...overrides };
}

test('scorer events become alert documents: open, refreshed, resolved; operator changes stick', async (t) => {
  const env = openEnv(makeTempDir(t));
  const db = await openStateDatabase({ env });
  t.after(async () => {
    await closeStateDatabase(db);
    await env.close();
  });
  const store = new AlertStore(db, () => undefined);
  store.apply(event('open'));
  await store.settle();
  const [open] = await store.list(false);
  assert.deepEqual(open, { id: 'a1', hostId: 'h1', seriesKey: 'cpu.util_pct', severity: 'warning', state: 'open', startMs: 1000, peakScore: 0.6, lastScore: 0.6, evidence: { baseline: 5, points: [[1000, 80], [2000, 85]] }, noise: false });

  store.apply(event('open', { peakScore: 0.9, lastScore: 0.4 }));
  await store.settle();
  const refreshed = await store.get('a1');
  assert.equal(refreshed?.severity, 'critical', 'a peak ≥ 0.8 makes it critical');
  assert.equal(refreshed?.lastScore, 0.4);

  const snoozed = await store.update('a1', (a) => ({ ...a, snoozedUntilMs: Date.now() + 60_000, ackBy: 'sre', ackMs: 5 }));
  assert.equal(snoozed?.ackBy, 'sre');
  assert.deepEqual(await store.list(false), [], 'a snoozed alert leaves the open list');
  assert.equal((await store.list(true)).length, 1);
  assert.equal(await store.update('nope', (a) => a), null);

  store.apply(event('resolve', { tsMs: 9000, peakScore: 0.7, lastScore: 0.1, points: [] }));
  await store.settle();
  const resolved = await store.get('a1');
  assert.equal(resolved?.state, 'resolved');
  assert.equal(resolved?.endMs, 9000);
  assert.equal(resolved?.peakScore, 0.9, 'the peak never goes down');
  assert.equal(resolved?.evidence.points.length, 2, 'evidence is kept when the resolve carries none');
  assert.equal((await store.forHost('h1')).length, 1);
  assert.deepEqual(await store.forHost('h2'), []);
});

test('every stored change reaches the listeners in order, with the document after the change', async (t) => {
  const env = openEnv(makeTempDir(t));
  const db = await openStateDatabase({ env });
  t.after(async () => {
    await closeStateDatabase(db);
    await env.close();
  });
  const store = new AlertStore(db, () => undefined);
  const seen: Array<[string, string, number, boolean]> = [];
  const off = store.onChange((change, a) => seen.push([change, a.state, a.peakScore, a.ackBy !== undefined]));
  store.onChange(() => {
    throw new Error('a broken listener');
  });
  store.apply(event('open'));
  store.apply(event('open', { peakScore: 0.9 }));
  await store.settle();
  await store.update('a1', (a) => ({ ...a, ackBy: 'sre', ackMs: 1 }), 'acked');
  store.apply(event('resolve', { tsMs: 9000 }));
  await store.settle();
  off();
  await store.update('a1', (a) => ({ ...a, noise: true }), 'noise');
  assert.deepEqual(seen, [
    ['opened', 'open', 0.6, false],
    ['updated', 'open', 0.9, false],
    ['acked', 'open', 0.9, true],
    ['resolved', 'resolved', 0.9, true],
  ]);
  assert.equal((await store.get('a1'))?.noise, true, 'a write is stored even after the listener left');
});
