import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogRecord } from '@cerebro/shared/protocol/messages';
import { batch, openLogs, rec, tempHome } from './test-helpers';

const T0 = Date.UTC(2026, 10, 25, 0, 0, 0);
const MIN = 60_000;

test('new template: alerts at error after the learning period, not at info, not while learning; resolves when quiet', async (t) => {
  const { logs, alerts } = openLogs(tempHome(t), { learningMs: 30 * MIN, newTemplateClearMs: 10 * MIN });
  t.after(() => logs.close());
  let pos = 0;
  const send = (host: string, r: LogRecord[]): Promise<void> | null => logs.ingest(host, batch(++pos, r), pos);
  await send('web', [rec(T0, 'service started on port 8080')]);
  await send('web', [rec(T0 + 5 * MIN, 'database unreachable: timeout after 30 s', 'error')]);
  assert.equal(alerts.length, 0, 'an error template in the learning period is baseline');
  await send('web', [rec(T0 + 40 * MIN, 'cache warmed with 120 entries', 'info')]);
  assert.equal(alerts.length, 0, 'a new info template never alerts');
  await send('web', [rec(T0 + 41 * MIN, 'database unreachable: timeout after 12 s', 'error')]);
  assert.equal(alerts.length, 0, 'a template seen before (in learning) is not new');
  await send('web', [rec(T0 + 42 * MIN, 'disk full: cannot write /var/lib/app/journal', 'error'), rec(T0 + 42 * MIN + 1, 'disk full: cannot write /var/lib/app/index', 'error')]);
  assert.equal(alerts.length, 1, 'a never-seen error template after learning: one alert for two lines');
  const a = alerts[0]!;
  assert.equal(a.type, 'open');
  assert.equal(a.hostId, 'web');
  assert.ok(a.peakScore >= 0.8, 'error is critical');
  assert.equal(a.log?.kind, 'new');
  assert.match(a.log?.text ?? '', /^disk full: cannot write/);
  assert.equal(a.seriesKey, `log.new{template=${a.log?.templateId}}`);
  assert.deepEqual(a.log?.samples.map((s) => s.msg), ['disk full: cannot write /var/lib/app/journal']);
  await send('db', [rec(T0 + 42 * MIN, 'disk full: cannot write /var/lib/db/wal', 'error')]);
  assert.equal(alerts.length, 1, "a host's own learning period: db just started, so it learns");
  await send('web', [rec(T0 + 43 * MIN, 'slow query took 3 s', 'warn')]);
  assert.equal(alerts.length, 2);
  assert.ok(alerts[1]!.peakScore < 0.8, 'warn is a warning');
  await send('web', [rec(T0 + 60 * MIN, 'cache warmed with 99 entries', 'info')]);
  const resolved = alerts.filter((e) => e.type === 'resolve');
  assert.deepEqual(resolved.map((e) => e.alertId).sort(), [alerts[0]!.alertId, alerts[1]!.alertId].sort(), 'both resolve after 10 quiet minutes');
});

test('rate: a burst of a known template opens one alert through hysteresis, and it resolves when the rate falls back', async (t) => {
  const { logs, alerts } = openLogs(tempHome(t), { learningMs: MIN, rateWarmupMinutes: 60, rateMinCount: 10 });
  t.after(() => logs.close());
  let pos = 0;
  // Deterministic "noise": 2 to 5 lines a minute for three hours, a 15-minute burst of ~400 a minute, then calm.
  const perMinute = (m: number): number => (m >= 180 && m < 195 ? 380 + (m % 3) * 20 : 2 + ((m * 7) % 4));
  for (let m = 0; m < 240; m++) {
    const n = perMinute(m);
    const lines = Array.from({ length: n }, (_, i) => rec(T0 + m * MIN + Math.floor((i * MIN) / n), `upstream 10.0.${m % 250}.${i % 250} returned 502 after ${i} ms`, 'warn'));
    await logs.ingest('edge', batch(++pos, lines), pos);
  }
  const rate = alerts.filter((e) => e.seriesKey.startsWith('log.rate'));
  const opened = rate.filter((e) => e.type === 'open');
  assert.equal(new Set(opened.map((e) => e.alertId)).size, 1, `one alert for one burst, got ${opened.length} open events`);
  const first = opened[0]!;
  assert.ok(first.tsMs >= T0 + 180 * MIN && first.tsMs <= T0 + 182 * MIN, 'it opens at the start of the burst');
  assert.ok(first.baseline < 10, `its baseline is the calm rate (${first.baseline})`);
  assert.ok(first.log?.samples.length, 'sample lines from the burst minute');
  assert.match(first.log?.text ?? '', /^upstream <\*> returned/);
  const resolved = rate.filter((e) => e.type === 'resolve');
  assert.equal(resolved.length, 1, 'and resolves once');
  assert.ok(resolved[0]!.tsMs > T0 + 195 * MIN);
  assert.equal(alerts.filter((e) => e.seriesKey.startsWith('log.new')).length, 0, 'the template was learnt in minute 0');
});

test('an OOM kill in the kernel log raises one event alert per killed process (its lines are one kill), resolved 10 min later', async (t) => {
  const { logs, alerts } = openLogs(tempHome(t), { learningMs: 30 * MIN });
  t.after(() => logs.close());
  let pos = 0;
  const send = (r: LogRecord[]): Promise<void> | null => logs.ingest('db', batch(++pos, r), pos);
  // Within the host's learning period: a kill is a fact, not a template to learn.
  await send([
    rec(T0, 'Out of memory: Killed process 4242 (postgres) total-vm:9203828kB, anon-rss:8102716kB', 'error', 'journal'),
    rec(T0 + 1, 'oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=postgres,pid=4242,uid=104', 'info', 'journal'),
  ]);
  const oom = alerts.filter((a) => a.seriesKey.startsWith('event.oom_kill'));
  assert.deepEqual(oom.map((a) => [a.type, a.seriesKey, a.startMs]), [['open', 'event.oom_kill{name=postgres,pid=4242}', T0]]);
  assert.ok(oom[0]!.peakScore >= 0.8, 'critical');
  await send([rec(T0 + 11 * MIN, 'checkpoint complete')]);
  const resolved = alerts.filter((a) => a.type === 'resolve' && a.alertId === oom[0]!.alertId);
  assert.equal(resolved.length, 1, 'resolved once 10 minutes passed');
});
