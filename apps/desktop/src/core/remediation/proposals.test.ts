import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Host, Incident, IncidentCause } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { defaultRunbookDir, loadRunbooks } from './loader';
import { proposeForCauses, proposeRunbooks } from './proposals';

const lib = loadRunbooks(defaultRunbookDir());
const hog: ProcessRow = { pid: 4242, ppid: 1, name: 'burn', cmd: 'burn', user: 'root', state: 'R', cpuPct: 99, rssBytes: 1e6, threads: 1, fds: 3, startMs: 1_700_000_000_123 };
const view = { host: () => null, latest: () => null, processes: () => ({ ts: Date.now(), procs: [hog] }) };

function incident(seriesKey: string, cause: Partial<IncidentCause>): Incident {
  return {
    id: 'i1',
    state: 'open',
    severity: 'critical',
    title: 't',
    openedMs: 1,
    updatedMs: 1,
    alerts: [{ id: 'a1', hostId: 'h1', seriesKey, kind: 'metric', severity: 'critical', state: 'open', startMs: 1 }],
    suppressed: { count: 0, alertIds: [] },
    hostIds: ['h1'],
    services: [],
    causes: [{ kind: 'process', hostId: 'h1', host: 'web-01', name: 'burn', node: 'proc:h1:4242', score: 0.9, explanation: 'e', evidence: [], ...cause }],
    causesMs: 1,
    subgraph: { nodes: [], edges: [] },
  };
}

test('a CPU incident caused by a process proposes the CPU-hog runbooks with pid and start time filled in', () => {
  const p = proposeRunbooks(incident('cpu.util_pct', { pid: 4242 }), lib.runbooks.values(), view);
  const stop = p.find((x) => x.runbookId === 'cpu-hog-stop');
  assert.deepEqual(stop?.params, { pid: 4242, startMs: hog.startMs });
  assert.deepEqual(stop?.missing, []);
  assert.ok(p.some((x) => x.runbookId === 'cpu-hog-renice'));
  assert.ok(!p.some((x) => x.runbookId === 'fs-delete-old-files'), 'no filesystem runbook for a CPU incident');
});

test('a filesystem incident proposes cleanup with the mount filled and the directory left to the operator', () => {
  const p = proposeRunbooks(incident('fs.used_pct{mount=/data}', { kind: 'resource', name: 'filesystem /data', pid: undefined }), lib.runbooks.values(), view);
  const del = p.find((x) => x.runbookId === 'fs-delete-old-files');
  assert.deepEqual(del?.params, { mount: '/data' });
  assert.deepEqual(del?.missing, ['dir']);
});

test('an incident without ranked causes proposes nothing', () => {
  assert.deepEqual(proposeRunbooks({ ...incident('cpu.util_pct', {}), causes: [] }, lib.runbooks.values(), view), []);
});

test('proposals per cause: each ranked cause gets the runbooks that fit, with its own params, by rank', () => {
  const inc = incident('cpu.util_pct', { pid: 4242 });
  const second: IncidentCause = { kind: 'process', hostId: 'h1', host: 'web-01', name: 'other', node: 'proc:h1:77', score: 0.1, explanation: 'e', evidence: [], pid: 77 };
  const all = proposeForCauses({ ...inc, causes: [...inc.causes, second] }, lib.runbooks.values(), view);
  const first = all.filter((p) => p.causeRank === 1);
  assert.ok(first.some((p) => p.runbookId === 'cpu-hog-renice' && p.params['pid'] === 4242 && p.missing.length === 0), JSON.stringify(first));
  // The second cause's process is not in the table: its pid and start time stay for the operator to give.
  const renice2 = all.find((p) => p.causeRank === 2 && p.runbookId === 'cpu-hog-renice');
  assert.deepEqual(renice2?.missing, ['pid', 'startMs']);
  assert.deepEqual(all.map((p) => p.causeRank), [...all.map((p) => p.causeRank)].sort((a, b) => a - b), 'by rank');
  assert.deepEqual(proposeForCauses({ ...inc, causes: [] }, lib.runbooks.values(), view), []);
});

test('a process whose CPU rose is a CPU hog even when the host CPU did not alert; runbooks fitting the cause come first', () => {
  const inc = incident('mem.cached_bytes', { pid: 4242, evidence: [{ metric: 'proc.cpu_pct', before: 1, after: 99, onsetMs: 1, lagMs: 0, z: 9 } as unknown as IncidentCause['evidence'][number]] });
  const p = proposeForCauses(inc, lib.runbooks.values(), view);
  assert.equal(p[0]?.runbookId, 'cpu-hog-renice', JSON.stringify(p.map((x) => x.runbookId)));
  assert.deepEqual(p[0]?.params, { pid: 4242, startMs: hog.startMs });
  assert.match(p[0]?.reason ?? '', /remedies cpu-hog; cause process burn on web-01/);
});

test('process events point at their runbooks: a restart loop at the crash-loop ones, a dead server at restarting it', () => {
  const loop = proposeRunbooks(incident('event.restart_loop{name=payments}', { name: 'payments', pid: undefined, evidence: [{ metric: 'restarts', baseline: 0, peak: 5, onsetMs: 1 }] }), lib.runbooks.values(), view);
  assert.ok(loop.some((x) => x.runbookId === 'crash-loop-restart-backoff'), loop.map((x) => x.runbookId).join());
  assert.ok(loop.some((x) => x.runbookId === 'crash-loop-stop'));
  assert.equal(loop.find((x) => x.runbookId === 'crash-loop-stop')?.params['service'], 'payments');
  const dead = proposeRunbooks(incident('event.proc_exit{name=inventory,pid=7}', { kind: 'service', name: 'inventory', pid: 7, evidence: [{ metric: 'exited', baseline: 0, peak: 1, onsetMs: 1 }] }), lib.runbooks.values(), view);
  assert.equal(dead[0]?.runbookId, 'two-tier-restart-server', dead.map((x) => x.runbookId).join());
  assert.deepEqual(dead[0]?.params, { service: 'inventory', process: 'inventory' });
});

test("a filling disk: the cleanup directory is the one the host's own policy opens on that filesystem, whatever the top cause", () => {
  const hostWith = (allowedDirs: string[], mounts: string[] = []) => ({
    host: () => ({ id: 'h1', hostname: 'web-01', connected: true, inventory: { hostPolicy: { remediationAllow: null, allowedDirs, processes: null, terminals: true } } }) as unknown as Host,
    latest: (_h: string, key: string) => (mounts.some((m) => key === `fs.used_pct{mount=${m}}`) ? { t: 1, v: 50 } : null),
    processes: () => ({ ts: Date.now(), procs: [hog] }),
  });
  const byWriter = incident('fs.used_pct{mount=/data}', { name: 'burn', pid: 4242 });
  const one = proposeForCauses(byWriter, lib.runbooks.values(), hostWith(['/data/backups', '/var/log/app'])).find((p) => p.runbookId === 'fs-delete-old-files');
  assert.deepEqual(one?.params, { mount: '/data', dir: '/data/backups' }, 'the mount from the alert, the directory from the host policy');
  assert.deepEqual(one?.missing, []);
  const none = proposeForCauses(byWriter, lib.runbooks.values(), hostWith(['/var/log/app'])).find((p) => p.runbookId === 'fs-delete-old-files');
  assert.deepEqual(none?.missing, ['dir'], 'no allowed directory on that filesystem: never the mount point itself');
  const two = proposeForCauses(byWriter, lib.runbooks.values(), hostWith(['/data/a', '/data/b'])).find((p) => p.runbookId === 'fs-delete-old-files');
  assert.deepEqual(two?.missing, ['dir'], 'several: the operator chooses');
  const root = incident('fs.used_pct{mount=/}', { kind: 'resource', name: 'filesystem /', pid: undefined });
  const other = proposeForCauses(root, lib.runbooks.values(), hostWith(['/data/backups', '/var/tmp'], ['/', '/data'])).find((p) => p.runbookId === 'fs-delete-old-files');
  assert.deepEqual(other?.params, { mount: '/', dir: '/var/tmp' }, '/data/backups is on another filesystem (/data is a mount)');
  // Two filesystems alerting (a loop image on / fills both), the disk below them on top: the one a cleanup can act on.
  const both: Incident = { ...byWriter, alerts: [{ ...byWriter.alerts[0]!, seriesKey: 'fs.used_pct{mount=/}', startMs: 0 }, { ...byWriter.alerts[0]!, id: 'a2', seriesKey: 'fs.used_pct{mount=/data}', startMs: 5 }], causes: [{ ...byWriter.causes[0]!, kind: 'resource', name: 'disk vda', pid: undefined }] };
  const chosen = proposeForCauses(both, lib.runbooks.values(), hostWith(['/data/backups'], ['/', '/data'])).find((p) => p.runbookId === 'fs-delete-old-files');
  assert.deepEqual(chosen?.params, { mount: '/data', dir: '/data/backups' });
  // Both can be cleaned: the fuller one, though / alerted first.
  const fuller = { ...hostWith(['/data/backups', '/var/log/app'], ['/', '/data']), latest: (_h: string, key: string) => (key === 'fs.used_pct{mount=/}' ? { t: 1, v: 24 } : key === 'fs.used_pct{mount=/data}' ? { t: 1, v: 93 } : null) };
  assert.deepEqual(proposeForCauses(both, lib.runbooks.values(), fuller).find((p) => p.runbookId === 'fs-delete-old-files')?.params, { mount: '/data', dir: '/data/backups' });
  const neither = proposeForCauses(both, lib.runbooks.values(), hostWith(['/data/a', '/data/b'], ['/', '/data'])).find((p) => p.runbookId === 'fs-delete-old-files');
  assert.deepEqual(neither?.missing, ['mount', 'dir'], 'two filesystems, neither with exactly one cleanup directory: the operator chooses');
});

test('a log storm: the file the writing process filled is the path of the log runbooks', () => {
  const storm = incident('log.rate{template=t1}', { name: 'ledger', pid: 4242, logFiles: ['/var/log/ledger.log'] });
  const rotate = proposeForCauses(storm, lib.runbooks.values(), view).find((p) => p.runbookId === 'log-storm-rotate-restart');
  assert.deepEqual(rotate?.params, { path: '/var/log/ledger.log', service: 'ledger', process: 'ledger' });
  assert.deepEqual(rotate?.missing, []);
  const two = proposeForCauses(incident('log.rate{template=t1}', { name: 'ledger', pid: 4242, logFiles: ['/a.log', '/b.log'] }), lib.runbooks.values(), view).find((p) => p.runbookId === 'log-storm-rotate-restart');
  assert.deepEqual(two?.missing, ['path'], 'two files: which one is for the operator');
});

test('a service is named only for a process a supervisor runs: an unsupervised process has no service to restart', () => {
  const supervised = (name: string) => ({ ...view, supervisorOf: (_h: string, n: string) => (n === name ? 'supervisord' : null) });
  const leak = incident('mem.used_pct', { name: 'worker', pid: 4242, evidence: [{ metric: 'proc.rss_bytes', baseline: 1e6, peak: 1e9, onsetMs: 1 }] });
  const byRunbook = (v: typeof view) => proposeForCauses(leak, lib.runbooks.values(), v).find((p) => p.runbookId === 'memory-leak-restart');
  assert.deepEqual(byRunbook(supervised('worker'))?.params, { process: 'worker', service: 'worker' });
  assert.deepEqual(byRunbook(supervised('other'))?.missing, ['service'], 'not supervised: which service is for the operator');
});

test("among runbooks fitting the cause's evidence, the one for its strongest signal comes first", () => {
  const ev = (metric: string, peak: number) => ({ metric, baseline: 0, peak, onsetMs: 1 });
  const leaker = incident('mem.available_bytes', { pid: 4242, evidence: [ev('proc.rss_bytes', 1e9), ev('proc.cpu_pct', 30)] });
  const withLoad: Incident = { ...leaker, alerts: [...leaker.alerts, { ...leaker.alerts[0]!, id: 'a2', seriesKey: 'load.1' }] };
  const p = proposeRunbooks(withLoad, lib.runbooks.values(), { ...view, supervisorOf: () => 'supervisord' }).filter((x) => x.missing.length === 0);
  assert.equal(p[0]?.runbookId, 'memory-leak-restart', p.map((x) => x.runbookId).join());
  const hog = incident('cpu.steal_pct{core=1}', { pid: 4242, evidence: [ev('proc.cpu_pct', 100), ev('proc.rss_bytes', 1e7)] });
  const q = proposeRunbooks(hog, lib.runbooks.values(), view);
  assert.ok(['cpu-hog-renice', 'cpu-hog-stop'].includes(q[0]?.runbookId ?? ''), q.map((x) => x.runbookId).join());
  assert.equal(q[0]?.fitsAlerts, true, 'steal time on a VM is what a CPU hog alerts on there');
});
