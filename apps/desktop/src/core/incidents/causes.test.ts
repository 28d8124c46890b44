import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert, Incident } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import type { TopologyGraph } from '@cerebro/shared/topology/topology';
import { buildCauses, extraBytes, formatValue, scaleFloor, type CauseSources } from './causes';
import { ProcessHistory } from './process-history';

const T0 = Date.UTC(2026, 0, 1, 10, 2, 3);
const SEC = 1000;

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** 10 minutes of 1 Hz samples before `at` and 60 s after it: `base` ± jitter, then `to` from `at` + `lag`. */
function series(seed: number, base: number, jitter: number, to: number, lag = 0): { t: number[]; v: number[] } {
  const rnd = noise(seed);
  const t: number[] = [];
  const v: number[] = [];
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += SEC) {
    t.push(ts);
    v.push((ts >= T0 + lag ? to : base) + jitter * rnd());
  }
  return { t, v };
}

function proc(pid: number, name: string, cpuPct: number, rssBytes = 50e6): ProcessRow {
  return { pid, ppid: 1, name, cmd: name, user: 'root', state: 'S', cpuPct, rssBytes, threads: 1, fds: 4, startMs: T0 - 3600 * SEC };
}

function alert(id: string, hostId: string, seriesKey: string, startMs: number, baseline: number, peak: number): Alert {
  return { id, hostId, seriesKey, severity: 'critical', state: 'open', startMs, peakScore: 0.9, lastScore: 0.9, evidence: { baseline, points: [[startMs, peak]] }, noise: false };
}

function incident(alerts: readonly Alert[]): Incident {
  return {
    id: 'inc-1',
    state: 'open',
    severity: 'critical',
    title: 't',
    openedMs: Math.min(...alerts.map((a) => a.startMs)),
    updatedMs: T0,
    alerts: alerts.map((a) => ({ id: a.id, hostId: a.hostId, seriesKey: a.seriesKey, kind: 'metric', severity: a.severity, state: 'open', startMs: a.startMs })),
    suppressed: { count: 0, alertIds: [] },
    hostIds: [...new Set(alerts.map((a) => a.hostId))],
    services: [],
    causes: [],
    causesMs: 0,
    subgraph: { nodes: [], edges: [] },
  };
}

function sources(data: Record<string, { t: number[]; v: number[] }>, history: ProcessHistory, topology: TopologyGraph): CauseSources {
  return {
    series: (hostId, key, from, to) => {
      const s = data[`${hostId} ${key}`] ?? { t: [], v: [] };
      const keep = s.t.map((t, i) => [t, s.v[i]!] as const).filter(([t]) => t >= from && t <= to);
      return { t: keep.map(([t]) => t), v: keep.map(([, v]) => v) };
    },
    processes: history,
    topology,
    hostName: (id) => `${id}-01`,
  };
}

const hostNode = (id: string): TopologyGraph['nodes'][number] => ({ id: `host:${id}`, kind: 'host', label: `${id}-01`, hostId: id, pid: null, status: 'live', ports: [] });

test('a CPU hog: the top cause names the process, with an evidence sentence; the host follows', () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) {
    const rows = [proc(10, 'nginx', 4 + (ts % 3)), proc(20, 'postgres', 2, 400e6), proc(30, 'sshd', 0.5)];
    if (ts >= T0) rows.push(proc(99, 'burn', 99, 30e6));
    history.add('web', ts, rows);
  }
  const cpu = alert('a1', 'web', 'cpu.util_pct', T0 + 2 * SEC, 12, 98);
  const load = alert('a2', 'web', 'load.1', T0 + 20 * SEC, 0.3, 1.4);
  // A side effect from a flat zero: reads of 8 MiB/s are a lot of z, but not more evidence than the hog.
  const reads = alert('a3', 'web', 'disk.read_bps{dev=vda}', T0 + 10 * SEC, 0, 8 * 2 ** 20);
  const data = { 'web cpu.util_pct': series(1, 12, 3, 98, 2 * SEC), 'web load.1': series(2, 0.3, 0.1, 1.4, 20 * SEC), 'web disk.read_bps{dev=vda}': series(3, 0, 0, 8 * 2 ** 20, 10 * SEC) };
  const src = sources(data, history, { nodes: [hostNode('web')], edges: [] });
  const r = buildCauses(incident([cpu, load, reads]), [cpu, load, reads], src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  const top = r.causes[0];
  assert.equal(top?.kind, 'process');
  assert.equal(top?.name, 'burn');
  assert.equal(top?.pid, 99);
  assert.equal(top?.host, 'web-01');
  assert.equal(top?.node, 'host:web', 'a process without sockets is drawn on its host node');
  assert.match(top!.explanation, /^process burn \(pid 99\) on web-01: proc\.cpu_pct rose from 0 % to 99 % at 10:02:03 UTC, first of the incident's signals, 2 s before cpu\.util_pct of host web-01; /);
  // The host is what the hog's CPU is counted in (an aggregate of its processes): it ranks below the hog
  // and gets nothing back for what the hog explains; the disk's side-effect reads rank between them.
  const host = r.causes.find((c) => c.kind === 'host');
  assert.ok(host !== undefined && host.score < top!.score, r.causes.map((c) => `${c.kind} ${c.name} ${c.score}`).join(' > '));
  assert.match(host.explanation, /cpu\.util_pct rose from 1\d(\.\d+)? % to 9\d(\.\d+)? % at 10:02:05 UTC, 2 s after proc\.cpu_pct of process burn/);
  assert.ok(!r.causes.some((c) => c.name === 'nginx' || c.name === 'postgres'), 'processes that did not move are not candidates');
  assert.deepEqual(r.subgraph.nodes, ['host:web']);
});

test('a filesystem filling: the resource ranks first, named by its mount, in bytes', () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('db', ts, [proc(10, 'postgres', 3)]);
  const used = alert('a1', 'db', 'fs.used_bytes{mount=/data}', T0, 10 * 2 ** 30, 19.5 * 2 ** 30);
  const src = sources({ 'db fs.used_bytes{mount=/data}': series(3, 10 * 2 ** 30, 2 ** 20, 19.5 * 2 ** 30) }, history, { nodes: [hostNode('db')], edges: [] });
  const r = buildCauses(incident([used]), [used], src, T0 + 60 * SEC);
  assert.ok(!('error' in r));
  assert.equal(r.causes[0]?.kind, 'resource');
  assert.equal(r.causes[0]?.name, 'filesystem /data');
  assert.match(r.causes[0]!.explanation, /^filesystem \/data on db-01: fs\.used_bytes\{mount=\/data\} rose from 10 GiB to 19\.5 GiB at 10:02:03 UTC/);
});

test("a filesystem filling through a disk whose I/O moved first and further: the disk's I/O is the filesystem's evidence, and it ranks first", () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('db', ts, [proc(10, 'postgres', 3)]);
  // The writes start at once (a 30 MB/s step from 100 kB/s, and the disk's latency with them); the used
  // share climbs a few points per sample and crosses its alert threshold 8 s later.
  const writes = alert('a1', 'db', 'disk.write_bps{dev=vda}', T0, 1e5, 3e7);
  const wait = alert('a2', 'db', 'disk.await_ms{dev=vda}', T0 + SEC, 2, 40);
  const used = alert('a3', 'db', 'fs.used_pct{mount=/data}', T0 + 8 * SEC, 40, 97);
  const data = { 'db disk.write_bps{dev=vda}': series(1, 1e5, 1e4, 3e7), 'db disk.await_ms{dev=vda}': series(2, 2, 0.5, 40, SEC), 'db fs.used_pct{mount=/data}': series(3, 40, 0.2, 97, 8 * SEC) };
  const r = buildCauses(incident([writes, wait, used]), [writes, wait, used], sources(data, history, { nodes: [hostNode('db')], edges: [] }), T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  const order = r.causes.map((c) => `${c.kind} ${c.name} ${c.score.toFixed(3)}`).join(' > ');
  assert.equal(r.causes[0]?.name, 'filesystem /data', order);
  assert.ok(!r.causes.some((c) => c.name === 'disk vda'), `the disk is no cause of its own: ${order}`);
  assert.ok(r.causes[0]!.evidence.some((e) => e.metric.startsWith('disk.')), `the writes are the filesystem's evidence: ${JSON.stringify(r.causes[0]!.evidence)}`);
  assert.match(r.causes[0]!.explanation, /^filesystem \/data on db-01: fs\.used_pct\{mount=\/data\} rose from 40 % to 97(\.\d)? % at 10:02:1\d UTC/, 'blamed for its own space, not for the writes');
  // The filesystem holding a loop image grows with it, by the same bytes: the disk's I/O goes to the
  // fuller of the two, the one in danger; the other keeps its own (weaker) evidence.
  const root = alert('a4', 'db', 'fs.used_bytes{mount=/}', T0 + 2 * SEC, 20 * 2 ** 30, 20.1 * 2 ** 30);
  const both = { ...data, 'db fs.used_bytes{mount=/}': series(4, 20 * 2 ** 30, 2 ** 20, 20.1 * 2 ** 30, 2 * SEC), 'db fs.used_pct{mount=/}': series(5, 24, 0.01, 24.2, 2 * SEC) };
  const two = buildCauses(incident([writes, wait, root, used]), [writes, wait, root, used], sources(both, history, { nodes: [hostNode('db')], edges: [] }), T0 + 60 * SEC);
  assert.ok(!('error' in two), JSON.stringify(two));
  assert.equal(two.causes[0]?.name, 'filesystem /data', two.causes.map((c) => `${c.kind} ${c.name} ${c.score.toFixed(3)}`).join(' > '));
  // Without a filling filesystem the disk's own I/O stays its own cause.
  const alone = buildCauses(incident([writes, wait]), [writes, wait], sources(data, history, { nodes: [hostNode('db')], edges: [] }), T0 + 60 * SEC);
  assert.ok(!('error' in alone));
  assert.equal(alone.causes[0]?.name, 'disk vda', alone.causes.map((c) => `${c.kind} ${c.name}`).join(' > '));
});

test("a process starting on a cold page cache: the disk's read burst was its own, so the disk is folded into it and it ranks first", () => {
  const MiB = 2 ** 20;
  // The leak worker starts at T0: it reads ~80 MiB from disk in its first 2 s (its binary and libraries),
  // then grows by 16 MiB a second. `readShare` of the disk's burst is in its own io counters.
  const run = (readShare: number) => {
    const history = new ProcessHistory();
    for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) {
      const rows: ProcessRow[] = [proc(10, 'postgres', 3, 400e6)];
      if (ts >= T0 + 2 * SEC) rows.push({ ...proc(77, 'leak', 6, 40 * MiB + (ts - T0) * 16 * MiB / SEC), readBps: ts === T0 + 2 * SEC ? readShare * 40 * MiB : 0, writeBps: 0 });
      history.add('app', ts, rows);
    }
    const burst = (base: number, peak: number) => {
      const t: number[] = [];
      const v: number[] = [];
      for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += SEC) {
        t.push(ts);
        v.push(ts > T0 && ts <= T0 + 2 * SEC ? peak : base);
      }
      return { t, v };
    };
    const reads = alert('a1', 'app', 'disk.read_iops{dev=vda}', T0 + SEC, 0.06, 600);
    const mem = alert('a2', 'app', 'mem.used_pct', T0 + 8 * SEC, 30, 45);
    const data = {
      'app disk.read_iops{dev=vda}': burst(0.06, 600),
      'app disk.read_bps{dev=vda}': burst(4096, 40 * MiB),
      'app disk.write_bps{dev=vda}': burst(20_000, 20_000),
      'app mem.used_pct': series(4, 30, 0.2, 45, 8 * SEC),
    };
    const r = buildCauses(incident([reads, mem]), [reads, mem], sources(data, history, { nodes: [hostNode('app')], edges: [] }), T0 + 30 * SEC);
    assert.ok(!('error' in r), JSON.stringify(r));
    return { r, order: r.causes.map((c) => `${c.kind} ${c.name} ${c.score.toFixed(3)}`).join(' > ') };
  };
  const own = run(1);
  assert.equal(own.r.causes[0]?.name, 'leak', own.order);
  assert.ok(!own.r.causes.some((c) => c.name === 'disk vda'), `the disk is no cause of its own: ${own.order}`);
  assert.ok(own.r.causes[0]!.evidence.some((e) => e.metric === 'disk.read_iops{dev=vda}'), 'the disk\'s reads are the process\'s evidence');
  assert.ok(own.r.causes[0]!.evidence.some((e) => e.metric === 'proc.rss_bytes'), 'beside its own growth (its own reads, a fourth, are past the three shown)');
  // Someone else read the disk (the process's counters cover a tenth of the burst): the disk keeps its
  // reads, and as a deviation of thousands of standard deviations it outranks the leak (the 2026-11-26
  // scenario run without per-process I/O).
  const other = run(0.1);
  assert.equal(other.r.causes[0]?.name, 'disk vda', other.order);
});

test('a leak in a process that just started: its memory rose from nothing, and its sentence says so and names no bystander', () => {
  const MiB = 2 ** 20;
  // The scenario runs of 2026-11-26: a busy host (20 processes; the 16th largest RSS is 140 MiB), a worker
  // started at T0 − 1 s whose memory grows ever faster (400 MiB 6 s in) at 3.5 % CPU; ranked 7 s after
  // the alert. Missing from the tables before its start, it used to be read at the cut-off (140 MiB,
  // 0.5 % CPU): its RSS had barely left that, and the sentence led with "proc.cpu_pct rose from 0.5 % to
  // 3.5 %". Beside it, `harness` (a long-running process) grows from 300 to 370 MiB 2 s before the
  // leak's memory passes half its peak: a bystander, as the harness's own node process was.
  const history = new ProcessHistory();
  const others = Array.from({ length: 20 }, (_, i) => ({ ...proc(100 + i, `svc${i}`, i < 16 ? 0.5 : 0, (100 + 10 * i) * MiB), startMs: T0 - 86_400 * SEC }));
  for (let ts = T0 - 600 * SEC; ts <= T0 + 7 * SEC; ts += 2 * SEC) {
    const rows: ProcessRow[] = [...others, { ...proc(50, 'harness', 2, (ts >= T0 + 2 * SEC ? 370 : 300) * MiB), startMs: T0 - 86_400 * SEC }];
    if (ts >= T0) rows.push({ ...proc(77, 'leak', 3.5, (40 + 10 * ((ts - T0) / SEC) ** 2) * MiB), startMs: T0 - SEC });
    history.add('app', ts, rows);
  }
  const avail = alert('a1', 'app', 'mem.available_bytes', T0 + SEC, 8000 * MiB, 7600 * MiB);
  const data = { 'app mem.available_bytes': series(6, 8000 * MiB, 4 * MiB, 7600 * MiB, SEC) };
  const r = buildCauses(incident([avail]), [avail], sources(data, history, { nodes: [hostNode('app')], edges: [] }), T0 + 7 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  const order = r.causes.map((c) => `${c.kind} ${c.name} ${c.score.toFixed(3)}`).join(' > ');
  const top = r.causes[0]!;
  assert.equal(top.name, 'leak', order);
  assert.match(top.explanation, /^process leak \(pid 77\) on app-01, started at 10:02:02 UTC: proc\.rss_bytes rose from 0 B to 400 MiB at 10:02:07 UTC(; it accounts for host app-01)?\.$/, 'no "after … of process harness"');
  // The bystander moved first and is ranked, far below the leak: the sentence does not name it.
  const bystander = r.causes.find((c) => c.name === 'harness');
  assert.ok(bystander !== undefined && bystander.score < top.score / 2, order);
  assert.equal(bystander.evidence[0]?.onsetMs, T0 + 2 * SEC);
  // A process that was running before the window read says nothing of its start.
  assert.ok(!r.causes.some((c) => c.name !== 'leak' && c.explanation.includes('started at')), r.causes.map((c) => c.explanation).join(' | '));
});

test("kernel threads are no candidates: the loop device's writeback worker carries the writer's bytes but is not ranked; a zombie still is", () => {
  const MiB = 2 ** 20;
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 20 * SEC; ts += 2 * SEC) {
    const on = ts >= T0;
    history.add('db', ts, [
      proc(10, 'postgres', 2, 400e6),
      { ...proc(60, 'fill', on ? 3 : 0.1, 40 * MiB), writeBps: on ? 2 * MiB : 0 },
      // A kernel thread: no command line, a child of kthreadd.
      { ...proc(61, 'kworker/u8:0-loop0', on ? 12 : 0, 0), ppid: 2, cmd: '', writeBps: on ? 2 * MiB : 0 },
    ]);
  }
  const writes = alert('a1', 'db', 'disk.write_bps{dev=vda}', T0 + SEC, 20_000, 4 * MiB);
  const data = { 'db disk.write_bps{dev=vda}': series(7, 20_000, 2_000, 4 * MiB, SEC) };
  const r = buildCauses(incident([writes]), [writes], sources(data, history, { nodes: [hostNode('db')], edges: [] }), T0 + 20 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  const order = r.causes.map((c) => `${c.kind} ${c.name} ${c.score.toFixed(3)}`).join(' > ');
  assert.ok(!r.causes.some((c) => c.name.startsWith('kworker')), order);
  assert.equal(r.causes[0]?.name, 'fill', order);
  // A job that burned a CPU from T0 and is an unreaped zombie in the last table has no command line
  // either, but is no kernel thread: it is still the cause.
  const zombie = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 20 * SEC; ts += 2 * SEC) {
    zombie.add('db', ts, [proc(10, 'postgres', 2, 400e6), ts < T0 + 20 * SEC ? proc(62, 'cruncher', ts >= T0 ? 95 : 0.1, 30 * MiB) : { ...proc(62, 'cruncher', 0, 0), cmd: '', state: 'Z' }]);
  }
  const cpu = alert('a2', 'db', 'cpu.util_pct', T0 + SEC, 5, 50);
  const z = buildCauses(incident([cpu]), [cpu], sources({ 'db cpu.util_pct': series(8, 5, 1, 50, SEC) }, zombie, { nodes: [hostNode('db')], edges: [] }), T0 + 20 * SEC);
  assert.ok(!('error' in z), JSON.stringify(z));
  assert.equal(z.causes[0]?.name, 'cruncher', z.causes.map((c) => `${c.kind} ${c.name} ${c.score.toFixed(3)}`).join(' > '));
});

test('extraBytes: bytes beyond the baseline, each sample for the time since the previous one, gaps capped', () => {
  const t = [0, 1000, 2000, 3000, 5000, 60_000];
  assert.equal(extraBytes(t, [10, 10, 10, 110, 60, 10], 2500), 100 + 50 * 2);
  assert.equal(extraBytes(t, [10, 10, 10, 10, 10, 1010], 2500), 1000 * 5, 'a sample after a 55 s gap stands for 5 s');
  assert.equal(extraBytes(t, [10, 10, 10, 0, 0, 0], 2500), 0, 'below the baseline counts nothing');
});

test('a client failing because its server did: the server side ranks first, across hosts', () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) {
    history.add('web', ts, [proc(10, 'client', 5)]);
    history.add('api', ts, [proc(20, 'server', ts >= T0 ? 95 : 5)]);
  }
  const topology: TopologyGraph = {
    nodes: [hostNode('web'), hostNode('api'), { id: 'proc:web:10', kind: 'process', label: 'client', hostId: 'web', pid: 10, status: 'live', ports: [] }, { id: 'proc:api:20', kind: 'process', label: 'server', hostId: 'api', pid: 20, status: 'live', ports: [8080] }],
    edges: [
      { from: 'host:web', to: 'proc:web:10', kind: 'runs', port: null, count: 1 },
      { from: 'host:api', to: 'proc:api:20', kind: 'runs', port: null, count: 1 },
      { from: 'proc:web:10', to: 'proc:api:20', kind: 'connects', port: 8080, count: 3 },
    ],
  };
  const server = alert('a1', 'api', 'cpu.util_pct', T0 + SEC, 10, 95);
  const client = alert('a2', 'web', 'net.tcp.retrans_segs_ps', T0 + 5 * SEC, 1, 40);
  const src = sources({ 'api cpu.util_pct': series(4, 10, 2, 95, SEC), 'web net.tcp.retrans_segs_ps': series(5, 1, 0.5, 40, 5 * SEC) }, history, topology);
  const r = buildCauses(incident([server, client]), [server, client], src, T0 + 60 * SEC);
  assert.ok(!('error' in r));
  const top = r.causes[0]!;
  assert.equal(top.hostId, 'api');
  assert.equal(top.kind, 'service', 'a listening process is a service');
  assert.equal(top.name, 'server');
  assert.equal(top.node, 'proc:api:20');
  const web = r.causes.findIndex((c) => c.hostId === 'web');
  assert.ok(web > 0, `the client's host ranks below: ${r.causes.map((c) => `${c.kind} ${c.name}`).join(' > ')}`);
  assert.ok(r.subgraph.nodes.includes('host:web') && r.subgraph.nodes.includes('proc:api:20'));
  assert.ok(r.subgraph.edges.some((e) => e.from === 'host:api' && e.to === 'proc:api:20'));
});

test('a killed server: its exit event ranks it first, ahead of the host whose client logs errors', () => {
  const history = new ProcessHistory();
  // Neither tier moves CPU or RSS: the server just vanishes (no table has it from T0 on).
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('h', ts, ts < T0 ? [proc(10, 'orders', 2), proc(20, 'inventory', 1)] : [proc(10, 'orders', 2)]);
  const exit: Alert = { id: 'e1', hostId: 'h', seriesKey: 'event.proc_exit{name=inventory,pid=20}', severity: 'critical', state: 'open', startMs: T0 - SEC, peakScore: 0.9, lastScore: 1, evidence: { baseline: 1, points: [[T0 - SEC, 0]] }, noise: false };
  // The client's new error template, 1 s later (a log alert lends its evidence: the template's count).
  const errors = alert('l1', 'h', 'log.new{template=ab12}', T0, 0, 2);
  const rx = alert('m1', 'h', 'net.rx_bps{if=lo}', T0 + 3 * SEC, 40_000, 2_000);
  const src = sources({ 'h net.rx_bps{if=lo}': series(6, 40_000, 500, 2_000, 3 * SEC) }, history, { nodes: [hostNode('h')], edges: [] });
  const r = buildCauses(incident([exit, errors, rx]), [exit, errors, rx], src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  const top = r.causes[0]!;
  assert.equal(top.kind, 'service', r.causes.map((c) => `${c.kind} ${c.name} ${c.score}`).join(' > '));
  assert.equal(top.name, 'inventory');
  assert.equal(top.pid, 20);
  assert.match(top.explanation, /^service inventory \(pid 20\) on h-01: it stopped running after 10:02:02 UTC and did not come back, first of the incident's signals/);
});

test('a dead server takes the blame for its client\'s errors through the remembered connection, even when the errors come first', () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('h', ts, [proc(10, 'orders', 2)]);
  // The client's error lines (it wrote them: the collector named it) are seen 1 s before the exit is.
  const errors: Alert = {
    ...alert('l1', 'h', 'log.new{template=ab12}', T0 - 2 * SEC, 0, 2),
    evidence: { baseline: 0, points: [[T0 - 2 * SEC, 2]], log: { kind: 'new', templateId: 'ab12', text: 'ERROR orders: <*>', level: 'error', samples: [{ ts: T0 - 2 * SEC, src: 'file:/var/log/orders.log', msg: 'ERROR orders: refused', unit: 'orders', pid: 10 }] } },
  };
  const exit: Alert = { id: 'e1', hostId: 'h', seriesKey: 'event.proc_exit{name=inventory,pid=20}', severity: 'critical', state: 'open', startMs: T0 - SEC, peakScore: 0.9, lastScore: 1, evidence: { baseline: 1, points: [[T0 - SEC, 0]] }, noise: false };
  const links = { connects: (c: { name: string }, s: { name: string }) => c.name === 'orders' && s.name === 'inventory' };
  const src = { ...sources({}, history, { nodes: [hostNode('h')], edges: [] }), links };
  const r = buildCauses(incident([errors, exit]), [errors, exit], src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  assert.equal(r.causes[0]?.name, 'inventory', r.causes.map((c) => `${c.kind} ${c.name} ${c.score}`).join(' > '));
  const unlinked = buildCauses(incident([errors, exit]), [errors, exit], sources({}, history, { nodes: [hostNode('h')], edges: [] }), T0 + 60 * SEC);
  assert.ok(!('error' in unlinked));
  // The link moves the client's blame to the server: without it the server scores less.
  assert.ok(r.causes[0]!.score > unlinked.causes.find((c) => c.name === 'inventory')!.score, `${r.causes[0]!.score} vs ${JSON.stringify(unlinked.causes.map((c) => [c.name, c.score]))}`);
});

test('a restart loop names the looping process, not the host its log alerts land on', () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('h', ts, [proc(10, 'supervisord', 1)]);
  const loop: Alert = { id: 'r1', hostId: 'h', seriesKey: 'event.restart_loop{name=payments}', severity: 'critical', state: 'open', startMs: T0, peakScore: 0.9, lastScore: 1, evidence: { baseline: 0, points: [[T0, 1], [T0 + 2 * SEC, 2], [T0 + 4 * SEC, 3]] }, noise: false };
  const exited = alert('l1', 'h', 'log.new{template=cd34}', T0 + SEC, 0, 3);
  const src = sources({}, history, { nodes: [hostNode('h')], edges: [] });
  const r = buildCauses(incident([loop, exited]), [loop, exited], src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  assert.equal(r.causes[0]?.kind, 'process', r.causes.map((c) => `${c.kind} ${c.name} ${c.score}`).join(' > '));
  assert.equal(r.causes[0]?.name, 'payments');
  assert.equal(r.causes[0]?.pid, undefined, 'a loop has no single pid');
  assert.match(r.causes[0]!.explanation, /^process payments on h-01: it keeps restarting, 3 new instances within a minute from 10:02:03 UTC/);
});

test('a log alert whose lines the collector attributed to a process blames that process', () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('h', ts, [proc(10, 'nginx', 3), proc(55, 'ledger', 4)]);
  const storm: Alert = {
    ...alert('l1', 'h', 'log.new{template=ef56}', T0, 0, 200),
    evidence: { baseline: 0, points: [[T0, 200]], log: { kind: 'new', templateId: 'ef56', text: 'ERROR ledger: <*>', level: 'error', samples: [{ ts: T0, src: 'file:/var/log/ledger.log', msg: 'ERROR ledger: x', unit: 'ledger', pid: 55 }] } },
  };
  const io = alert('m1', 'h', 'disk.write_bps{dev=vda}', T0 + 4 * SEC, 1e5, 3e7);
  const src = sources({ 'h disk.write_bps{dev=vda}': series(7, 1e5, 1e4, 3e7, 4 * SEC) }, history, { nodes: [hostNode('h')], edges: [] });
  const r = buildCauses(incident([storm, io]), [storm, io], src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  assert.equal(r.causes[0]?.name, 'ledger', r.causes.map((c) => `${c.kind} ${c.name} ${c.score}`).join(' > '));
  assert.equal(r.causes[0]?.pid, 55);
  assert.deepEqual(r.causes[0]?.logFiles, ['/var/log/ledger.log'], 'the file it wrote them to, for the log runbooks');
  assert.equal(r.causes.find((c) => c.name !== 'ledger')?.logFiles, undefined);
});

test("a supervisor's lines about one program blame that program's process, not the supervisor that wrote them", () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('h', ts, [proc(10, 'supervisord', 1), proc(20, 'nginx', 3)]);
  const sample = (i: number, msg: string) => ({ ts: T0 + i * SEC, src: 'file:/var/log/supervisor/supervisord.log', msg, unit: 'supervisord', pid: 10 });
  const exited: Alert = {
    ...alert('l1', 'h', 'log.new{template=ab12}', T0, 0, 3),
    evidence: { baseline: 0, points: [[T0, 3]], log: { kind: 'new', templateId: 'ab12', text: 'INFO exited: <*> (exit status <*>; not expected)', level: 'info', samples: [0, 1, 2].map((i) => sample(i, `2026-01-01 10:02:0${3 + i},100 INFO exited: payments (exit status 1; not expected)`)) } },
  };
  const topo = { nodes: [hostNode('h')], edges: [] };
  // The collector runs the program `payments` as process `pay-worker` (learnt from a spawned pid).
  const src: CauseSources = { ...sources({}, history, topo), supervisors: ['supervisord', 'systemd'], processOfProgram: (_h, p) => (p === 'payments' ? 'pay-worker' : p) };
  const r = buildCauses(incident([exited]), [exited], src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  assert.equal(r.causes[0]?.name, 'pay-worker', r.causes.map((c) => `${c.kind} ${c.name} ${c.score}`).join(' > '));
  assert.equal(r.causes[0]?.kind, 'process');
  assert.equal(r.causes[0]?.pid, undefined, 'named by its name: each line may be another instance');
  assert.equal(r.causes[0]?.logFiles, undefined, "the supervisor's log is not the program's to rotate");
  assert.ok(!r.causes.some((c) => c.name === 'supervisord'), r.causes.map((c) => c.name).join(', '));
  // Without the supervisors known, the writer takes the blame (as before).
  const bare = buildCauses(incident([exited]), [exited], sources({}, history, topo), T0 + 60 * SEC);
  assert.ok(!('error' in bare));
  assert.equal(bare.causes[0]?.name, 'supervisord');
  // Lines about two programs, or a line that is not a supervisor's process line, are the writer's.
  const mixed: Alert = { ...exited, evidence: { ...exited.evidence, log: { ...exited.evidence.log!, samples: [sample(0, 'INFO exited: payments (exit status 1; not expected)'), sample(1, 'INFO exited: ledger (exit status 1; not expected)')] } } };
  const m = buildCauses(incident([mixed]), [mixed], src, T0 + 60 * SEC);
  assert.ok(!('error' in m));
  assert.equal(m.causes[0]?.name, 'supervisord');
});

test('an OOM kill names the killed process, worded as what the kernel did', () => {
  const history = new ProcessHistory();
  for (let ts = T0 - 600 * SEC; ts <= T0 + 60 * SEC; ts += 2 * SEC) history.add('db', ts, [proc(10, 'nginx', 2)]);
  const oom: Alert = { id: 'o1', hostId: 'db', seriesKey: 'event.oom_kill{name=postgres,pid=4242}', severity: 'critical', state: 'open', startMs: T0, peakScore: 0.95, lastScore: 1, evidence: { baseline: 0, points: [[T0, 1]] }, noise: false };
  const used = alert('m1', 'db', 'mem.used_bytes', T0 - 30 * SEC, 2e9, 7.9e9);
  const src = sources({ 'db mem.used_bytes': series(8, 2e9, 1e7, 7.9e9, -30 * SEC) }, history, { nodes: [hostNode('db')], edges: [] });
  const r = buildCauses(incident([used, oom]), [used, oom], src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  const killed = r.causes.find((c) => c.name === 'postgres');
  assert.ok(killed !== undefined, r.causes.map((c) => `${c.kind} ${c.name} ${c.score}`).join(' > '));
  assert.equal(killed.pid, 4242);
  assert.match(killed.explanation, /^process postgres \(pid 4242\) on db-01: the kernel killed it for lack of memory at 10:02:03 UTC/);
});

test('values read in their series unit', () => {
  assert.equal(formatValue('cpu.util_pct', 12.345), '12.3 %');
  assert.equal(formatValue('fs.used_bytes{mount=/}', 3 * 2 ** 30), '3 GiB');
  assert.equal(formatValue('net.rx_bps{if=eth0}', 2048), '2 KiB/s');
  assert.equal(formatValue('load.1', 0.5), '0.5');
  assert.equal(scaleFloor('disk.read_bps{dev=vda}'), 2 ** 20);
  assert.equal(scaleFloor('net.rx_pps{if=lo}'), 100);
  assert.equal(scaleFloor('disk.read_iops{dev=vda}'), 10);
  assert.equal(scaleFloor('cpu.util_pct{core=0}'), 5);
  assert.equal(scaleFloor('net.tcp.curr_estab'), 1);
});

test('a CPU hog beside bursty processes, in an incident a host alert opened 15 s before it: the hog ranks first, not the host they all share', () => {
  // The scenario test's CI run of 2026-11-26, in miniature: cpu.interrupts_ps opened the incident, the
  // hog's CPU alerts joined it 15 s later, and other processes moved in the window. With the host an
  // ordinary caller of its processes, each sent blame back to it and it ranked first (0.32, hog behind).
  const history = new ProcessHistory();
  const hogAt = T0 + 15 * SEC;
  for (let ts = T0 - 600 * SEC, k = 0; ts <= T0 + 60 * SEC; ts += 2 * SEC, k++) {
    const rows = [proc(10, 'nginx', 4), proc(30, 'sshd', 0.5)];
    // Three jobs from T0 − 5 s, each on for one table in two or three (their CPU share jumps).
    if (ts >= T0 - 5 * SEC) for (const [i, pid] of [41, 42, 43].entries()) rows.push(proc(pid, `job${i}`, k % (2 + (i % 2)) === 0 ? 45 : 2));
    if (ts >= hogAt) rows.push(proc(99, 'burn', 100, 30e6));
    history.add('web', ts, rows);
  }
  const irq = alert('a0', 'web', 'cpu.interrupts_ps', T0, 50, 2400);
  const cpu = alert('a1', 'web', 'cpu.util_pct', hogAt + SEC, 5, 60);
  const core = alert('a2', 'web', 'cpu.user_pct{core=0}', hogAt + SEC, 3, 100);
  const ctx = alert('a3', 'web', 'cpu.ctx_switches_ps', T0 + SEC, 400, 9000);
  const data = {
    'web cpu.interrupts_ps': series(11, 50, 5, 2400),
    'web cpu.util_pct': series(12, 5, 2, 60, 15 * SEC),
    'web cpu.user_pct{core=0}': series(13, 3, 2, 100, 15 * SEC),
    'web cpu.ctx_switches_ps': series(14, 400, 40, 9000, SEC),
  };
  const src = sources(data, history, { nodes: [hostNode('web')], edges: [] });
  const alerts = [irq, cpu, core, ctx];
  const r = buildCauses(incident(alerts), alerts, src, T0 + 60 * SEC);
  assert.ok(!('error' in r), JSON.stringify(r));
  const order = r.causes.map((c) => `${c.kind} ${c.name} ${c.score.toFixed(3)}`).join(' > ');
  assert.equal(r.causes[0]?.name, 'burn', order);
  assert.ok(r.causes.some((c) => c.name.startsWith('job')), `the jobs are candidates too: ${order}`);
});
