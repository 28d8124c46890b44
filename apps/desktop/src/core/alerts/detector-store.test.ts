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

test('slices save every series once a pass, a series that appears mid-pass included, and a new pass starts over', async (t) => {
  const te = tempEnv();
  t.after(() => te.dispose());
  const kind = consoleDetector(20);
  const a = new AlertScorer(() => undefined, { detector: kind });
  for (let i = 0; i < 25; i++) {
    a.scoreBatch('h1', i * 1000, ['cpu', 'mem', 'disk'], [10 + (i % 3), 50, 3]);
    a.scoreBatch('h2', i * 1000, ['cpu', 'mem'], [20 + (i % 2), 40]);
  }
  const store = new DetectorStore(te.env);
  assert.deepEqual(await store.saveSlice(a, 2), { saved: 2, passEnded: false });
  // A new host's series joins the pass under way (the scorer's maps are iterated live).
  for (let i = 0; i < 25; i++) a.scoreBatch('h3', i * 1000, ['cpu'], [5]);
  assert.deepEqual(await store.saveSlice(a, 2), { saved: 2, passEnded: false });
  assert.deepEqual(await store.saveSlice(a, 3), { saved: 2, passEnded: true }, 'h1: 3 series, h2: 2, h3: 1: two left, and the pass ends');
  const env = await te.reopen();
  const b = new AlertScorer(() => undefined, { detector: kind });
  assert.deepEqual(new DetectorStore(env).load(b), { restored: 6, dropped: 0 }, 'every series saved in one pass');
  assert.equal(b.warmedUp('h3', 'cpu'), true);
  // The next pass starts from the first series again and writes the states as they are now.
  const db = env.openDB<{ d: unknown }, [string, string]>({ name: 'alerts.detectors' });
  const before = db.get(['h1', 'cpu'])?.d;
  for (let i = 25; i < 30; i++) b.scoreBatch('h1', i * 1000, ['cpu'], [11 + i]);
  const now = [...b.saved()].find(([h, k]) => h === 'h1' && k === 'cpu')![2].d;
  assert.notDeepEqual(now, before, 'five more samples changed the state');
  const again = new DetectorStore(env);
  assert.deepEqual(await again.saveSlice(b, 1), { saved: 1, passEnded: false });
  assert.deepEqual(db.get(['h1', 'cpu'])?.d, now, 'the first slice of the new pass saved h1/cpu as it is now');
  assert.deepEqual(await again.saveSlice(b, 10), { saved: 5, passEnded: true });
});
