import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Incident, IncidentCause } from '@cerebro/shared/api/contract';
import type { ProcessRow } from '@cerebro/shared/protocol/messages';
import { defaultRunbookDir, loadRunbooks } from './loader';
import { proposeRunbooks } from './proposals';

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
