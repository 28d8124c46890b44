import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiagnosisRecord, Incident } from '@cerebro/shared/api/contract';
import { modelMessage } from '../../components/model-message';
import { parseRoute } from '../../lib/route';
import { askRecord, askStarted, askToken, initialAsk } from '../ask/ask-model';
import { diagnosisEvent, diagnosisLoaded, evidenceLink, initialDiagnosisPanel, planRemediateHash } from './diagnosis-model';

const incident = {
  id: 'inc 1',
  openedMs: 1_000_000,
  alerts: [
    { id: 'a1', hostId: 'web 1', seriesKey: 'cpu.util_pct', kind: 'metric', severity: 'warning', state: 'open', startMs: 1_000_000 },
    { id: 'a2', hostId: 'db-1', seriesKey: 'log.new{template=t9}', kind: 'log', severity: 'critical', state: 'open', startMs: 1_000_500 },
  ],
} as unknown as Incident;
const record = (o: Partial<DiagnosisRecord>): DiagnosisRecord => ({ incidentId: 'inc 1', state: 'running', source: 'model', model: 'm.gguf', startedMs: 5, finishedMs: null, diagnosis: null, notes: [], similar: [], promptTokens: null, generatedTokens: null, ...o });

test('evidence links open the host charts or the template lines', () => {
  const name = (id: string): string => `name-${id}`;
  assert.deepEqual(parseRoute(evidenceLink('alert:a1', incident, 2_000_000, name).href!), { name: 'host', hostId: 'web 1' });
  assert.equal(evidenceLink('alert:a1', incident, 0, name).label, 'alert cpu.util_pct on name-web 1');
  assert.deepEqual(parseRoute(evidenceLink('series:db-1/mem.used_pct', incident, 0, name).href!), { name: 'host', hostId: 'db-1' });
  const logs = parseRoute(evidenceLink('template:t9', incident, 2_000_000, name).href!);
  assert.equal(logs.name, 'logs');
  assert.deepEqual(logs.name === 'logs' ? [logs.link.template, logs.link.host] : null, ['t9', 'db-1']);
  assert.equal(evidenceLink('alert:missing', incident, 0, name).href, null);
});

test('streamed text is kept per phase for the running record and cleared when a new run starts', () => {
  let s = diagnosisEvent(initialDiagnosisPanel, { kind: 'record', record: record({}) });
  s = diagnosisEvent(s, { kind: 'token', incidentId: 'inc 1', text: '{"sum', phase: 'diagnosis' });
  s = diagnosisEvent(s, { kind: 'token', incidentId: 'inc 1', text: 'mary"', phase: 'diagnosis' });
  s = diagnosisEvent(s, { kind: 'token', incidentId: 'inc 1', text: '{"runbookId"', phase: 'plan' });
  s = diagnosisEvent(s, { kind: 'token', incidentId: 'ask-1', text: 'ignored', phase: 'ask' });
  assert.deepEqual(s.streamed, { diagnosis: '{"summary"', plan: '{"runbookId"' });
  s = diagnosisEvent(s, { kind: 'record', record: record({ state: 'done' }) });
  assert.equal(s.streamed.diagnosis, '{"summary"', 'kept with the finished record');
  s = diagnosisEvent(s, { kind: 'record', record: record({ startedMs: 9 }) });
  assert.deepEqual(s.streamed, { diagnosis: '', plan: '' }, 'a new run starts empty');
  // A stored record older than the live one does not replace it.
  assert.equal(diagnosisLoaded(s, record({ startedMs: 1, state: 'done' })).record?.startedMs, 9);
});

test('the plan links to the remediation drawer with its runbook, host and params; no runbook, no link', () => {
  const href = planRemediateHash('inc 1', { runbookId: 'cpu-hog-renice', hostId: 'db-1', params: { pid: 4100, nice: 19 }, missing: [], reason: 'r' });
  assert.deepEqual(parseRoute(href!), { name: 'incidents', incidentId: 'inc 1', remediate: { runbookId: 'cpu-hog-renice', hostId: 'db-1', params: { pid: '4100', nice: '19' } } });
  assert.equal(planRemediateHash('inc 1', { runbookId: null, hostId: null, params: {}, missing: [], reason: 'none fits' }), null);
});

test('the model state in words: none configured, none loaded, loading with progress, loaded, failed', () => {
  const status = { state: 'none', file: null, progress: 0, threads: 1, contextSize: null, loadMs: null } as const;
  assert.equal(modelMessage({ dir: null, files: [], status }, null).state, 'unconfigured');
  assert.match(modelMessage({ dir: '/m', files: [], status }, null).text, /holds no \.gguf file/);
  assert.equal(modelMessage(null, { ...status, state: 'loading', file: 'x.gguf', progress: 0.42 }).text, 'Loading x.gguf: 42 %');
  assert.equal(modelMessage(null, { ...status, state: 'loaded', file: 'x.gguf', contextSize: 4096 }).state, 'loaded');
  assert.match(modelMessage(null, { ...status, state: 'failed', error: 'bad file' }).text, /failed: bad file/);
});

test('an ask keeps its own tokens, and a late poll never turns a finished ask back to running', () => {
  const running = { id: 'ask-1', question: 'q', incidentId: null, state: 'running', source: 'model', model: 'm', startedMs: 1, finishedMs: null, action: null, answer: null, steps: [], notes: [] } as const;
  let s = askRecord(askStarted(initialAsk), running);
  s = askToken(s, { kind: 'token', incidentId: 'ask-1', text: 'ab', phase: 'ask' });
  s = askToken(s, { kind: 'token', incidentId: 'ask-2', text: 'zz', phase: 'ask' });
  assert.equal(s.streamed, 'ab');
  s = askRecord(s, { ...running, state: 'done', action: 'answer', answer: 'A' });
  assert.equal(askRecord(s, running).record?.state, 'done');
});
