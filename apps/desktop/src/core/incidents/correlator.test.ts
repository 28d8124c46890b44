import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST_LOST_KEY, type Alert, type Incident } from '@cerebro/shared/api/contract';
import { Correlator, type CorrelationContext, type IncidentUpdate } from './correlator';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 10);

/** web ↔ api ↔ db are connected in a chain; batch stands alone. */
const LINKS: Record<string, string[]> = { web: ['api'], api: ['web', 'db'], db: ['api'] };
const ctx: CorrelationContext = {
  hostDistance(a, b, max) {
    let frontier = [a];
    const seen = new Set(frontier);
    for (let d = 0; d <= max; d++) {
      if (frontier.includes(b)) return d;
      frontier = frontier.flatMap((h) => LINKS[h] ?? []).filter((h) => !seen.has(h) && seen.add(h));
    }
    return Infinity;
  },
  hostName: (id) => `${id}-01`,
};

let n = 0;
function alert(hostId: string, seriesKey: string, startMs: number, extra: Partial<Alert> = {}): Alert {
  return { id: `a${++n}`, hostId, seriesKey, severity: 'warning', state: 'open', startMs, peakScore: 0.6, lastScore: 0.6, evidence: { baseline: 1, points: [[startMs, 9]] }, noise: false, ...extra };
}
const closed = (a: Alert, endMs: number): Alert => ({ ...a, state: 'resolved', endMs });

/** The last document per incident id from a stream of updates. */
function latest(updates: readonly IncidentUpdate[]): Map<string, Incident> {
  const m = new Map<string, Incident>();
  for (const u of updates) m.set(u.incident.id, u.incident);
  return m;
}

test('alerts of one host close in time form one incident; an alert after the window opens another', () => {
  const c = new Correlator(ctx, { windowMs: MIN, quietMs: 10 * MIN });
  const a = alert('web', 'cpu.util_pct', T0);
  const b = alert('web', 'load.1', T0 + 30_000);
  const u1 = c.alertChanged('opened', a, T0);
  assert.equal(u1[0]?.change, 'opened');
  const u2 = c.alertChanged('opened', b, T0 + 30_000);
  assert.equal(u2[0]?.change, 'updated');
  assert.equal(u2[0]?.incident.id, u1[0]?.incident.id);
  assert.deepEqual(u2[0]?.incident.alerts.map((r) => r.id), [a.id, b.id], 'onset order');
  assert.equal(u2[0]?.incident.title, 'cpu.util_pct on web-01 (+1 alert)');
  // Both close; a new alert 5 minutes after the last close is unrelated in time.
  c.alertChanged('resolved', closed(a, T0 + MIN), T0 + MIN);
  c.alertChanged('resolved', closed(b, T0 + MIN), T0 + MIN);
  const late = c.alertChanged('opened', alert('web', 'mem.used_pct', T0 + 6 * MIN), T0 + 6 * MIN);
  assert.equal(late[0]?.change, 'opened');
  assert.notEqual(late[0]?.incident.id, u1[0]?.incident.id);
});

test("an incident is named after its earliest critical alert, and after its earliest alert while none is critical", () => {
  const c = new Correlator(ctx, { windowMs: MIN, quietMs: 10 * MIN });
  // A stray warning opens the incident; a fault's alerts join it 20 s later, the second of them critical.
  const stray = c.alertChanged('opened', alert('web', 'disk.read_iops{dev=vda}', T0), T0)[0]!.incident;
  assert.equal(stray.title, 'disk.read_iops{dev=vda} on web-01');
  const warm = c.alertChanged('opened', alert('web', 'cpu.system_pct', T0 + 20_000), T0 + 20_000)[0]!.incident;
  assert.equal(warm.title, 'disk.read_iops{dev=vda} on web-01 (+1 alert)', 'no critical alert yet: the earliest names it');
  const hot = alert('web', 'cpu.util_pct', T0 + 21_000, { severity: 'critical', peakScore: 0.95 });
  const named = c.alertChanged('opened', hot, T0 + 21_000)[0]!.incident;
  assert.equal(named.id, stray.id);
  assert.equal(named.title, 'cpu.util_pct on web-01 (+2 alerts)');
  // A later critical alert does not take the name from the earlier one.
  const later = c.alertChanged('opened', alert('web', 'load.1', T0 + 30_000, { severity: 'critical' }), T0 + 30_000)[0]!.incident;
  assert.equal(later.title, 'cpu.util_pct on web-01 (+3 alerts)');
});

test('graph distance: connected hosts within maxHops join, unconnected or farther ones do not', () => {
  const c = new Correlator(ctx, { windowMs: MIN, maxHops: 1 });
  const first = c.alertChanged('opened', alert('web', 'cpu.util_pct', T0), T0)[0]!.incident;
  const api = c.alertChanged('opened', alert('api', 'net.tcp.retrans_segs_ps', T0 + 1000), T0 + 1000)[0]!;
  assert.equal(api.incident.id, first.id, 'web → api is one hop');
  assert.deepEqual(api.incident.hostIds, ['web', 'api']);
  const batch = c.alertChanged('opened', alert('batch', 'cpu.util_pct', T0 + 2000), T0 + 2000)[0]!;
  assert.equal(batch.change, 'opened', 'a host with no connection is another incident');
  // db is two hops from web but one from api, which is in the incident.
  assert.equal(c.alertChanged('opened', alert('db', 'disk.await_ms{dev=sda}', T0 + 3000), T0 + 3000)[0]!.incident.id, first.id);

  const strict = new Correlator(ctx, { windowMs: MIN, maxHops: 0 });
  const w = strict.alertChanged('opened', alert('web', 'cpu.util_pct', T0), T0)[0]!.incident;
  assert.notEqual(strict.alertChanged('opened', alert('api', 'cpu.util_pct', T0), T0)[0]!.incident.id, w.id, 'maxHops 0: same host only');
});

test('deduplication: the same series re-alerting joins its incident even past the time window', () => {
  const c = new Correlator(ctx, { windowMs: MIN, quietMs: 10 * MIN });
  const a = alert('web', 'cpu.util_pct', T0);
  const inc = c.alertChanged('opened', a, T0)[0]!.incident;
  const quiet = c.alertChanged('resolved', closed(a, T0 + 10_000), T0 + 10_000)[0]!.incident;
  assert.equal(quiet.quietSinceMs, T0 + 10_000, 'all alerts closed: quiet');
  // Four minutes later: another series of the host is a new incident, the same series is the old one.
  const other = c.alertChanged('opened', alert('web', 'mem.used_pct', T0 + 4 * MIN), T0 + 4 * MIN)[0]!;
  assert.equal(other.change, 'opened');
  const again = c.alertChanged('opened', alert('web', 'cpu.util_pct', T0 + 4 * MIN), T0 + 4 * MIN)[0]!;
  assert.equal(again.incident.id, inc.id);
  assert.equal(again.incident.alerts.length, 2);
  assert.equal(again.incident.quietSinceMs, undefined, 'a new open alert ends the quiet period');
  assert.equal(c.alertChanged('updated', closed(a, T0 + 10_000), T0 + 4 * MIN).length, 0, 'an unchanged refresh changes nothing');
});

test('a lost host raises one entry: its alerts are folded, not listed, until it reports again', () => {
  const c = new Correlator(ctx, { windowMs: MIN });
  const cpu = alert('web', 'cpu.util_pct', T0);
  const api = alert('api', 'net.tcp.retrans_segs_ps', T0 + 1000);
  const inc = c.alertChanged('opened', cpu, T0)[0]!.incident;
  c.alertChanged('opened', api, T0 + 1000);
  for (const k of ['mem.used_pct', 'load.1']) c.alertChanged('opened', alert('web', k, T0 + 2000), T0 + 2000);
  const lost = alert('web', HOST_LOST_KEY, T0 + 3000, { severity: 'critical', peakScore: 1 });
  const afterLost = c.alertChanged('opened', lost, T0 + 3000)[0]!.incident;
  assert.equal(afterLost.id, inc.id);
  assert.deepEqual(afterLost.alerts.map((r) => r.seriesKey).sort(), [HOST_LOST_KEY, 'net.tcp.retrans_segs_ps'].sort());
  assert.equal(afterLost.suppressed.count, 3);
  assert.equal(afterLost.severity, 'critical');
  // A hundred alerts of the lost host: counted, not listed.
  const updates: IncidentUpdate[] = [];
  for (let i = 0; i < 100; i++) updates.push(...c.alertChanged('opened', alert('web', `disk.util_pct{dev=d${i}}`, T0 + 4000), T0 + 4000));
  const folded = latest(updates).get(inc.id)!;
  assert.equal(latest(updates).size, 1, 'no new incident for them');
  assert.equal(folded.alerts.length, 2);
  assert.equal(folded.suppressed.count, 103);
  assert.equal(folded.suppressed.alertIds.length, 100, 'ids kept are bounded');
  assert.match(folded.title, /\+104 alerts/);
  // The host is back: its host.lost alert closes, and its next alert is listed again.
  c.alertChanged('resolved', closed(lost, T0 + 5000), T0 + 5000);
  const back = c.alertChanged('opened', alert('web', 'cpu.iowait_pct', T0 + 6000), T0 + 6000)[0]!.incident;
  assert.equal(back.id, inc.id);
  assert.ok(back.alerts.some((r) => r.seriesKey === 'cpu.iowait_pct'));
});

test('an incident resolves once all its alerts are closed and the quiet period has passed', () => {
  const c = new Correlator(ctx, { windowMs: MIN, quietMs: 2 * MIN });
  const a = alert('web', 'cpu.util_pct', T0);
  const b = alert('web', 'load.1', T0 + 1000, { severity: 'critical' });
  const inc = c.alertChanged('opened', a, T0)[0]!.incident;
  assert.equal(c.alertChanged('opened', b, T0 + 1000)[0]!.incident.severity, 'critical', 'severity is the max of its alerts');
  c.alertChanged('resolved', closed(a, T0 + MIN), T0 + MIN);
  assert.deepEqual(c.tick(T0 + 10 * MIN), [], 'one alert still open');
  const quiet = c.alertChanged('noise', { ...b, noise: true }, T0 + 10 * MIN)[0]!.incident;
  assert.equal(quiet.quietSinceMs, T0 + 10 * MIN, 'an alert marked as noise counts as closed');
  assert.deepEqual(c.tick(T0 + 11 * MIN), [], 'still inside the quiet period');
  const [resolved] = c.tick(T0 + 12 * MIN);
  assert.equal(resolved?.change, 'resolved');
  assert.equal(resolved?.incident.id, inc.id);
  assert.equal(resolved?.incident.state, 'resolved');
  assert.equal(resolved?.incident.resolvedMs, T0 + 10 * MIN);
  assert.equal(c.openIncidents().length, 0);
  // A resolved incident takes nothing more: the same series re-alerting opens a new one.
  assert.equal(c.alertChanged('opened', alert('web', 'cpu.util_pct', T0 + 13 * MIN), T0 + 13 * MIN)[0]?.change, 'opened');
});

test('loading open incidents restores deduplication and the lost-host folding', () => {
  const c = new Correlator(ctx, { windowMs: MIN });
  const cpu = alert('web', 'cpu.util_pct', T0);
  c.alertChanged('opened', cpu, T0);
  const lost = alert('web', HOST_LOST_KEY, T0 + 1000, { severity: 'critical' });
  const stored = c.alertChanged('opened', lost, T0 + 1000)[0]!.incident;
  const again = new Correlator(ctx, { windowMs: MIN });
  again.load([stored]);
  const folded = again.alertChanged('opened', alert('web', 'load.1', T0 + 2 * MIN), T0 + 2 * MIN)[0]!.incident;
  assert.equal(folded.id, stored.id);
  assert.equal(folded.suppressed.count, 2);
  const refreshed = again.alertChanged('resolved', closed(lost, T0 + 3 * MIN), T0 + 3 * MIN)[0]!.incident;
  assert.equal(refreshed.quietSinceMs, T0 + 3 * MIN);
});

test('alerts open by design (a new log template, a process event) do not keep their incident open to everything', () => {
  const c = new Correlator(ctx, { windowMs: MIN, quietMs: 10 * MIN });
  const logged = alert('web', 'log.new{template=ab12}', T0);
  const first = c.alertChanged('opened', logged, T0)[0]!.incident;
  // Ten minutes later, the log alert still open (its template was seen lately): a metric alert is unrelated.
  const later = c.alertChanged('opened', alert('web', 'cpu.util_pct', T0 + 10 * MIN), T0 + 10 * MIN)[0]!;
  assert.equal(later.change, 'opened');
  assert.notEqual(later.incident.id, first.id);
  // While a metric alert is open its incident stays active: a late alert of that host joins it.
  const joined = c.alertChanged('opened', alert('web', 'load.1', T0 + 20 * MIN), T0 + 20 * MIN)[0]!;
  assert.equal(joined.incident.id, later.incident.id);
});

test('a process event joins an incident blamed on another process only when the two are connected', () => {
  const linked = new Set(['web\0orders|web\0inventory']);
  const related = (a: { hostId: string; name: string }, b: { hostId: string; name: string }): boolean =>
    linked.has(`${a.hostId}\0${a.name}|${b.hostId}\0${b.name}`) || linked.has(`${b.hostId}\0${b.name}|${a.hostId}\0${a.name}`);
  const c = new Correlator({ ...ctx, processesRelated: related }, { windowMs: 5 * MIN, quietMs: 10 * MIN });
  const hog = c.alertChanged('opened', alert('web', 'cpu.util_pct', T0), T0)[0]!.incident;
  const cause = { kind: 'process' as const, hostId: 'web', host: 'web-01', name: 'burn', pid: 7, node: 'host:web', score: 1, explanation: 'x', evidence: [] };
  c.setCauses(hog.id, [cause], { nodes: [], edges: [] }, T0 + 5_000);
  // Another process on the same host dies a minute later: its own incident.
  const exit = c.alertChanged('opened', alert('web', 'event.proc_exit{name=inventory,pid=9}', T0 + MIN), T0 + MIN)[0]!;
  assert.equal(exit.change, 'opened');
  assert.notEqual(exit.incident.id, hog.id);
  // A client of the dead server starts crash-looping: connected to the exit's process, it joins that one.
  c.setCauses(exit.incident.id, [{ ...cause, kind: 'service', name: 'inventory', pid: 9 }], { nodes: [], edges: [] }, T0 + MIN + 5_000);
  const loop = c.alertChanged('opened', alert('web', 'event.restart_loop{name=orders}', T0 + 2 * MIN), T0 + 2 * MIN)[0]!;
  assert.equal(loop.incident.id, exit.incident.id);
  // The hog itself restarting belongs to the hog's incident.
  const again = c.alertChanged('opened', alert('web', 'event.restart_loop{name=burn}', T0 + 2 * MIN), T0 + 2 * MIN)[0]!;
  assert.equal(again.incident.id, hog.id);
  // An incident blamed on a whole host (a busy machine) does not swallow a process event; an unranked one does.
  const busy = c.alertChanged('opened', alert('api', 'cpu.util_pct', T0), T0)[0]!.incident;
  c.setCauses(busy.id, [{ ...cause, kind: 'host', hostId: 'api', name: 'api-01' }], { nodes: [], edges: [] }, T0 + 5_000);
  const died = c.alertChanged('opened', alert('api', 'event.proc_exit{name=db,pid=3}', T0 + MIN), T0 + MIN)[0]!;
  assert.notEqual(died.incident.id, busy.id);
  const fresh = c.alertChanged('opened', alert('batch', 'mem.used_bytes', T0 + 3 * MIN), T0 + 3 * MIN)[0]!.incident;
  const early = c.alertChanged('opened', alert('batch', 'event.restart_loop{name=pg}', T0 + 3 * MIN + 1000), T0 + 3 * MIN + 1000)[0]!;
  assert.equal(early.incident.id, fresh.id);
});

test('a log alert whose lines one process wrote follows the same rule as a process event', () => {
  const related = (a: { name: string }, b: { name: string }): boolean => [a.name, b.name].sort().join() === 'inventory,orders';
  const c = new Correlator({ ...ctx, processesRelated: related }, { windowMs: 5 * MIN, quietMs: 10 * MIN });
  const exit = c.alertChanged('opened', alert('web', 'event.proc_exit{name=inventory,pid=9}', T0), T0)[0]!.incident;
  const cause = { kind: 'service' as const, hostId: 'web', host: 'web-01', name: 'inventory', pid: 9, node: 'host:web', score: 1, explanation: 'x', evidence: [] };
  c.setCauses(exit.id, [cause], { nodes: [], edges: [] }, T0 + 2_000);
  const logged = (unit: string, key: string): Alert => {
    const a = alert('web', key, T0 + 5_000);
    return { ...a, evidence: { ...a.evidence, log: { kind: 'new', templateId: 'x', text: 'ERROR <*>', level: 'error', samples: [{ ts: T0 + 5_000, src: 'file:/var/log/x.log', msg: 'ERROR x', unit }] } } };
  };
  // The client's errors join the dead server's incident; an unrelated writer's storm opens its own.
  assert.equal(c.alertChanged('opened', logged('orders', 'log.new{template=a1}'), T0 + 5_000)[0]!.incident.id, exit.id);
  assert.notEqual(c.alertChanged('opened', logged('ledger', 'log.new{template=b2}'), T0 + 5_000)[0]!.incident.id, exit.id);
});

test('an incident open for longer than maxTimeJoinMs takes no more alerts for time and place alone', () => {
  const c = new Correlator(ctx, { windowMs: 5 * MIN, quietMs: 10 * MIN, maxTimeJoinMs: 10 * MIN });
  const cpu = alert('web', 'cpu.util_pct', T0);
  const first = c.alertChanged('opened', cpu, T0)[0]!.incident;
  // Still open (a busy host): at 9 minutes another alert of the host joins...
  assert.equal(c.alertChanged('opened', alert('web', 'load.1', T0 + 9 * MIN), T0 + 9 * MIN)[0]!.incident.id, first.id);
  // ...at 11 minutes a new one starts its own incident, ranked from its own onset.
  const late = c.alertChanged('opened', alert('web', 'disk.read_iops{dev=loop0}', T0 + 11 * MIN), T0 + 11 * MIN)[0]!;
  assert.equal(late.change, 'opened');
  assert.notEqual(late.incident.id, first.id);
  // The same series re-alerting still joins its incident (deduplication has no age limit).
  c.alertChanged('resolved', closed(cpu, T0 + 12 * MIN), T0 + 12 * MIN);
  assert.equal(c.alertChanged('opened', alert('web', 'cpu.util_pct', T0 + 13 * MIN), T0 + 13 * MIN)[0]!.incident.id, first.id);
});

test('after a remediation run on an incident was verified, a new alert a minute later is a new incident; the fault coming back still joins', () => {
  const fixedAt = new Map<string, number>();
  const c = new Correlator({ ...ctx, remediatedMs: (id) => fixedAt.get(id) ?? null }, { windowMs: 5 * MIN, quietMs: 10 * MIN });
  const leak = alert('web', 'mem.available_bytes', T0);
  const [opened] = c.alertChanged('opened', leak, T0);
  const id = opened!.incident.id;
  // A log line of the leak's restart, still open for minutes (a new template).
  c.alertChanged('opened', alert('web', 'log.new{template=aa11}', T0 + 20_000), T0 + 20_000);
  c.alertChanged('resolved', closed(leak, T0 + 40_000), T0 + 40_000);
  fixedAt.set(id, T0 + 30_000);
  // Within a minute of the verification: still the same trouble settling (joins).
  assert.equal(c.alertChanged('opened', alert('web', 'cpu.util_pct', T0 + 80_000), T0 + 80_000)[0]?.incident.id, id);
  // Four minutes later a filesystem fills on the same host: its own incident, ranked from its own onset.
  const fill = c.alertChanged('opened', alert('web', 'fs.used_pct{mount=/data}', T0 + 4 * MIN), T0 + 4 * MIN);
  assert.equal(fill[0]?.change, 'opened');
  assert.notEqual(fill[0]?.incident.id, id);
  // The leak coming back (the same series) joins its old incident.
  const again = c.alertChanged('opened', alert('web', 'mem.available_bytes', T0 + 5 * MIN), T0 + 5 * MIN);
  assert.equal(again[0]?.incident.id, id);
  // Without the verification, the filesystem would have joined (the control).
  const plain = new Correlator(ctx, { windowMs: 5 * MIN, quietMs: 10 * MIN });
  const [p] = plain.alertChanged('opened', alert('web', 'mem.available_bytes', T0), T0);
  plain.alertChanged('opened', alert('web', 'log.new{template=aa11}', T0 + 20_000), T0 + 20_000);
  assert.equal(plain.alertChanged('opened', alert('web', 'fs.used_pct{mount=/data}', T0 + 4 * MIN), T0 + 4 * MIN)[0]?.incident.id, p!.incident.id);
});
