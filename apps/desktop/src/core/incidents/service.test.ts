/**
 * The incidents service over the real pieces: RxDB on LMDB (state), the alert store, and the telemetry
 * store; only the host registry is a stand-in (a list of host documents whose status the test sets).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { HOST_LOST_KEY, type Alert, type Host } from '@cerebro/shared/api/contract';
import type { LogRecord, ProcessRow, TelemetryBatch } from '@cerebro/shared/protocol/messages';
import { AlertStore } from '../alerts/alert-store';
import type { AlertEvent } from '../alerts/scorer';
import { closeStateDatabase, openStateDatabase, type StateDatabase } from '../state/database';
import { makeHost, makeTempDir, openEnv } from '../state/test-helpers';
import { TelemetryStore } from '../tsdb/store';
import { loopKey } from './process-events';
import { IncidentService, type IncidentOptions } from './service';

const MIN = 60_000;
const GIB = 2 ** 30;

interface World {
  db: StateDatabase;
  store: TelemetryStore;
  alerts: AlertStore;
  hosts: Host[];
  service: IncidentService;
  close(): Promise<void>;
}

async function world(t: TestContext, dir: string, options: IncidentOptions = {}): Promise<World> {
  const env = openEnv(dir);
  const db = await openStateDatabase({ env });
  const store = await TelemetryStore.open(env);
  const alerts = new AlertStore(db, () => undefined);
  const hosts: Host[] = [makeHost(1, { id: 'h1', hostname: 'db-01', status: 'live' })];
  const registry = { list: () => hosts, get: (id: string) => hosts.find((h) => h.id === id) ?? null, processes: () => null, sockets: () => null };
  const service = await IncidentService.open({ db, alerts, hosts: registry, store, log: () => undefined }, { timer: false, ...options });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await alerts.settle();
    await service.close();
    await store.close();
    await closeStateDatabase(db);
    await env.close();
  };
  t.after(close);
  return { db, store, alerts, hosts, service, close };
}

/** Everything queued reaches the database: alert writes, then the incident writes they caused. */
async function settle(w: World): Promise<void> {
  await w.alerts.settle();
  await w.service.incidents.settle();
}

function cpuEvent(type: AlertEvent['type'], startMs: number, tsMs = startMs): AlertEvent {
  return { type, hostId: 'h1', seriesKey: 'cpu.util_pct', alertId: 'cpu-1', tsMs, startMs, peakScore: 0.9, lastScore: 0.9, baseline: 10, points: [[startMs, 95]] };
}

test('a filling filesystem raises a predictive alert (and an incident); freeing space closes it', async (t) => {
  const w = await world(t, makeTempDir(t));
  const now = Date.now();
  // Two hours at one sample a minute: /data fills 100 GiB at 4 GiB/h, from 40 GiB to 48 GiB (full in ~13 h, under
  // the 24 h horizon); /flat stays level.
  let pos = 1;
  for (let i = 119; i >= 0; i--) {
    const ts = now - i * MIN;
    const used = 40 * GIB + ((120 - i) / 60) * 4 * GIB + (i % 3) * 2 ** 20;
    w.store.appendBatch('h1', ts, ['fs.used_bytes{mount=/data}', 'fs.size_bytes{mount=/data}', 'fs.used_bytes{mount=/flat}', 'fs.size_bytes{mount=/flat}'], [used, 100 * GIB, 5 * GIB, 100 * GIB], pos++);
  }
  await w.service.tick(now);
  await settle(w);
  const view = w.service.forecastView('h1');
  const data = view.forecasts.find((f) => f.name === '/data');
  const flat = view.forecasts.find((f) => f.name === '/flat');
  assert.ok(data && flat, JSON.stringify(view));
  assert.equal(data.resource, 'filesystem');
  assert.ok(data.etaMs !== null && Math.abs(data.etaMs - 13 * 3600_000) < 3600_000, `eta ${data.etaMs}`);
  assert.ok(data.etaLowerBoundMs !== null && data.etaLowerBoundMs <= data.etaMs && data.etaLowerBoundMs < 24 * 3600_000);
  assert.ok(data.alertId !== null);
  assert.equal(flat.alertId, null, 'a level filesystem raises nothing');
  assert.deepEqual(w.service.forecastView('nope').forecasts, []);

  const alert = await w.alerts.get(data.alertId);
  assert.equal(alert?.state, 'open');
  assert.equal(alert?.seriesKey, 'forecast.fs{mount=/data}');
  const [incident] = await w.service.list(false);
  assert.equal(incident?.alerts[0]?.kind, 'forecast');
  assert.equal(incident?.alerts[0]?.id, data.alertId);

  // Not evaluated again inside the minute.
  assert.equal(w.service.forecasts.maybeEvaluate(now + 30_000), false);
  // 30 GiB freed: the old trend no longer holds, the alert closes.
  for (let i = 1; i <= 2; i++) w.store.appendBatch('h1', now + i * 30_000, ['fs.used_bytes{mount=/data}', 'fs.size_bytes{mount=/data}'], [18 * GIB, 100 * GIB], pos++);
  await w.service.tick(now + 61_000);
  await settle(w);
  assert.equal((await w.alerts.get(data.alertId))?.state, 'resolved');
  assert.equal(w.service.forecastView('h1').forecasts.find((f) => f.name === '/data')?.alertId ?? null, null);
});

test('incidents survive a restart, and alert changes after it reach the same incident', async (t) => {
  const dir = makeTempDir(t);
  const first = await world(t, dir, { correlator: { quietMs: MIN } });
  const t0 = Date.now() - 10_000;
  first.alerts.apply(cpuEvent('open', t0));
  await settle(first);
  const [opened] = await first.service.list(false);
  assert.ok(opened, 'the alert opened an incident');
  assert.equal(opened.severity, 'critical');
  await first.close();

  const again = await world(t, dir, { correlator: { quietMs: MIN } });
  const got = await again.service.get(opened.id);
  assert.deepEqual(got?.alerts.map((a) => a.id), ['cpu-1']);
  again.alerts.apply(cpuEvent('resolve', t0, t0 + 5000));
  await settle(again);
  const quiet = await again.service.get(opened.id);
  assert.equal(quiet?.alerts[0]?.state, 'resolved');
  assert.ok(quiet?.quietSinceMs !== undefined, 'all its alerts closed: quiet');
  await again.service.tick(Date.now() + 2 * MIN);
  await settle(again);
  assert.equal((await again.service.get(opened.id))?.state, 'resolved');
  assert.deepEqual(await again.service.list(false), []);
  assert.equal((await again.service.list(true)).length, 1);
});

test('a lost host raises one host.lost alert that folds its other alerts; it clears when the host reports', async (t) => {
  const w = await world(t, makeTempDir(t), { lostGraceMs: 0 });
  const t0 = Date.now() - 10_000;
  w.alerts.apply(cpuEvent('open', t0));
  await settle(w);
  w.hosts[0] = { ...w.hosts[0]!, status: 'lost', lastSeenMs: t0 + 1000 };
  await w.service.tick(Date.now());
  await settle(w);
  const lost = (await w.alerts.list(false)).find((a: Alert) => a.seriesKey === HOST_LOST_KEY);
  assert.ok(lost, 'a host.lost alert opened');
  assert.equal(lost.severity, 'critical');
  await w.service.tick(Date.now() + 1000);
  await settle(w);
  assert.equal((await w.alerts.list(false)).filter((a) => a.seriesKey === HOST_LOST_KEY).length, 1, 'only one, however many ticks');
  const [inc] = await w.service.list(false);
  assert.deepEqual(inc?.alerts.map((a) => a.seriesKey), [HOST_LOST_KEY]);
  assert.deepEqual(inc?.suppressed, { count: 1, alertIds: ['cpu-1'] });

  w.hosts[0] = { ...w.hosts[0]!, status: 'live' };
  await w.service.tick(Date.now() + 2000);
  await settle(w);
  assert.equal((await w.alerts.get(lost.id))?.state, 'resolved');
});

test('right after a start, a host that looks lost (its collector not reconnected yet) raises nothing', async (t) => {
  const w = await world(t, makeTempDir(t), { lostGraceMs: 60_000 });
  w.hosts[0] = { ...w.hosts[0]!, status: 'lost' };
  await w.service.tick(Date.now());
  await settle(w);
  assert.deepEqual((await w.alerts.list(true)).filter((a) => a.seriesKey === HOST_LOST_KEY), []);
  await w.service.tick(Date.now() + 61_000);
  await settle(w);
  assert.equal((await w.alerts.list(true)).filter((a) => a.seriesKey === HOST_LOST_KEY).length, 1, 'after the grace period it does');
});

test("observeBatch hands a batch's log records to the restart-loop detector: a crash loop no table catches opens event.restart_loop from supervisord's lines", async (t) => {
  const w = await world(t, makeTempDir(t));
  const proc = (pid: number, name: string, startMs: number, ppid = 2): ProcessRow => ({ pid, ppid, name, cmd: `/usr/bin/${name}`, user: 'u', state: 'S', cpuPct: 0, rssBytes: 1, threads: 1, fds: 3, startMs });
  const supervisord = proc(2, 'supervisord', 0, 1);
  const batch = (ts: number, procs: ProcessRow[], logs?: LogRecord[]): TelemetryBatch => ({ type: 'batch', seq: ts, ts, metrics: { k: [], v: [] }, procs, ...(logs ? { logs } : {}) });
  const line = (ts: number, msg: string): LogRecord => ({ ts, src: 'file:/var/log/supervisor/supervisord.log', level: 'info', msg, unit: 'supervisord', pid: 2 });
  const t0 = Date.now() - 200_000;
  // Two minutes of a stable `pay` under supervisord, then killed: every instance dies within milliseconds,
  // so the 1 s tables never show one; only supervisord's lines, in the same batches, say what happens.
  for (let s = 0; s < 120; s++) w.service.observeBatch('h1', batch(t0 + s * 1000, [supervisord, proc(100, 'pay', t0)]));
  for (let s = 120, pid = 500; s < 130; s++, pid++) {
    const ts = t0 + s * 1000;
    w.service.observeBatch('h1', batch(ts, [supervisord], [line(ts - 400, `INFO spawned: 'pay' with pid ${pid}`), line(ts - 300, 'INFO exited: pay (exit status 1; not expected)')]));
  }
  await settle(w);
  const loops = (await w.alerts.list(false)).filter((a) => a.seriesKey === loopKey('pay'));
  assert.equal(loops.length, 1, JSON.stringify(await w.alerts.list(true)));
  assert.equal(loops[0]!.startMs, t0 + 119_600, 'onset: the first spawned line');
  // Without the log records (the tables alone, on another host), the same kill raises no restart loop:
  // the lines are the evidence.
  w.hosts.push(makeHost(2, { id: 'h2', hostname: 'db-02', status: 'live' }));
  for (let s = 0; s < 130; s++) w.service.observeBatch('h2', batch(t0 + s * 1000, s < 120 ? [supervisord, proc(100, 'pay', t0)] : [supervisord]));
  await settle(w);
  assert.deepEqual((await w.alerts.list(true)).filter((a) => a.hostId === 'h2'), []);
});

test('a young incident whose top cause is still its host is ranked again within seconds, so the hog seen in the next process table leads', async (t) => {
  const w = await world(t, makeTempDir(t));
  const proc = (pid: number, name: string, cpuPct: number, startMs: number): ProcessRow => ({ pid, ppid: 1, name, cmd: `/usr/bin/${name}`, user: 'u', state: 'R', cpuPct, rssBytes: 50 * 2 ** 20, threads: 1, fds: 3, startMs });
  const batch = (ts: number, procs: ProcessRow[]): TelemetryBatch => ({ type: 'batch', seq: ts, ts, metrics: { k: [], v: [] }, procs });
  const now = Date.now();
  const onset = now - 1_000;
  const t0 = onset - 60_000;
  const quiet = [proc(10, 'sshd', 0.5, t0 - 9e6), proc(11, 'postgres', 2, t0 - 9e6)];
  // A minute of process tables every 2 s, then the CPU alert: the hog is not in any table yet.
  for (let ts = t0; ts < onset; ts += 2_000) w.service.observeBatch('h1', batch(ts, quiet));
  w.alerts.apply({ ...cpuEvent('open', onset), points: [[onset, 97], [onset + 500, 98]] });
  await settle(w);
  const ranked = Date.now();
  await w.service.tick(ranked);
  await settle(w);
  const first = (await w.service.incidents.list(false))[0]!;
  assert.equal(first.causes[0]?.kind, 'host', `ranked at the alert: ${first.causes.map((c) => c.name).join(', ')}`);
  // The next table (2 s later) has the hog at 100 %; a ranking 2.5 s later names it, not one 10 s later.
  w.service.observeBatch('h1', batch(onset + 1_000, [...quiet, proc(99, 'burner', 100, onset - 500)]));
  w.service.observeBatch('h1', batch(onset + 3_000, [...quiet, proc(99, 'burner', 100, onset - 500)]));
  await w.service.tick(ranked + 2_500);
  await settle(w);
  const again = (await w.service.incidents.list(false))[0]!;
  assert.equal(again.causes[0]?.name, 'burner', `ranked again: ${again.causes.map((c) => `${c.kind} ${c.name}`).join(', ')}`);
});
