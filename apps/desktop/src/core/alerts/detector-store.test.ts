import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempEnv } from '../tsdb/test-env';
import { consoleDetector } from './detector-kind';
import { DetectorStore } from './detector-store';
import { AlertScorer } from './scorer';

test('detector states survive a restart: a warmed-up series stays warm and keeps its sensitivity', async (t) => {
  const te = tempEnv();
  t.after(() => te.dispose());
  const kind = consoleDetector(20);
  const a = new AlertScorer(() => undefined, { detector: kind });
  for (let i = 0; i < 30; i++) a.scoreBatch('h1', i * 1000, ['cpu', 'mem'], [10 + (i % 3), 50]);
  a.scoreBatch('h2', 0, ['cpu'], [1]);
  // A series sampled every 5 minutes: its learnt interval is what lets one sample of it open an alert.
  for (let i = 0; i < 30; i++) a.scoreBatch('h3', i * 300_000, ['slow'], [7 + (i % 2)]);
  a.desensitize('h1', 'mem');
  assert.equal(await new DetectorStore(te.env).save(a), 4);

  const env = await te.reopen();
  const b = new AlertScorer(() => undefined, { detector: kind });
  assert.deepEqual(new DetectorStore(env).load(b), { restored: 4, dropped: 0 });
  const steps = new Map([...b.saved()].map(([h, k, s]) => [`${h}/${k}`, s.stepMs]));
  assert.equal(steps.get('h3/slow'), 300_000, 'the sampling interval survived the LMDB round trip');
  assert.equal(steps.get('h1/cpu'), 1000);
  assert.equal(b.warmedUp('h1', 'cpu'), true);
  assert.equal(b.warmedUp('h2', 'cpu'), false);
  assert.equal(b.stats().learning, 1);
  assert.equal(b.desensitize('h1', 'mem'), 0.875, 'the noise feedback was kept (0.75 → 0.875)');
  // The restored detector continues from the saved state: same score as the original for the same sample.
  const saved = new Map([...a.saved()].map(([h, k, s]) => [`${h}/${k}`, s]));
  const again = kind.fromJSON(saved.get('h1/cpu')!.d);
  assert.ok(again.ok);
  const [restoredCpu] = [...b.saved()].filter(([h, k]) => h === 'h1' && k === 'cpu');
  assert.deepEqual(restoredCpu![2].d, saved.get('h1/cpu')!.d);
});

test('an unusable saved state is dropped and that series starts fresh', async (t) => {
  const te = tempEnv();
  t.after(() => te.dispose());
  const db = te.env.openDB<unknown, [string, string]>({ name: 'alerts.detectors' });
  await db.put(['h1', 'cpu'], { d: { kind: 'ensemble', version: 999 }, n: 300, enter: 0.5, baseline: 1, alertId: null, startMs: 0 });
  const s = new AlertScorer(() => undefined, { detector: consoleDetector(20) });
  assert.deepEqual(new DetectorStore(te.env).load(s), { restored: 0, dropped: 1 });
  assert.equal(s.warmedUp('h1', 'cpu'), undefined);
});
