import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionRun, AuditRecord } from '@cerebro/shared/api/contract';
import { actionRows, auditSummary, fmtRunDuration, verificationLine } from './history-model';

const run = (id: string, over: Partial<ActionRun>): ActionRun => ({ id, runbookId: 'cpu-hog-stop', hostId: 'h1', params: {}, actor: { type: 'operator', name: 'alice' }, state: 'succeeded', steps: [], rollback: [], createdMs: 1_000, updatedMs: 4_000, summary: 'verified', ...over });

test('action rows: newest first, with hostname, actor, and a duration that runs on while the run does', () => {
  const rows = actionRows([run('a', {}), run('b', { createdMs: 2_000, state: 'running', actor: { type: 'policy', name: 'autonomous' }, incidentId: 'inc-1' })], (id) => (id === 'h1' ? 'web-1' : id), 10_000);
  assert.deepEqual(
    rows.map((r) => [r.id, r.hostname, r.actor, r.actorType, r.durationMs, r.ended, r.incidentId]),
    [
      ['b', 'web-1', 'policy autonomous', 'policy', 8_000, false, 'inc-1'],
      ['a', 'web-1', 'operator alice', 'operator', 3_000, true, null],
    ],
  );
});

test('the chain verification in a sentence: verified with its signed head, or the first broken record', () => {
  assert.deepEqual(verificationLine({ ok: true, records: 3, reason: '3 records, chain intact, head signed (console command key)', head: { seq: 3, hash: 'x', signed: true } }), { ok: true, text: 'Chain verified: 3 records, chain intact, head signed (console command key)' });
  assert.deepEqual(verificationLine({ ok: false, records: 3, brokenSeq: 2, reason: 'record 2: hash mismatch', head: null }), { ok: false, text: 'Chain broken at record #2: record 2: hash mismatch' });
});

test('audit summaries put the telling fields first', () => {
  const rec = (kind: AuditRecord['kind'], payload: unknown): AuditRecord => ({ seq: 1, time: 1, actor: { type: 'operator', name: 'a' }, kind, payload, prevHash: '0', hash: '1' });
  assert.equal(auditSummary(rec('refusal', { run: 'r1', runbook: 'x', host: 'h', rule: 'DRY_RUN_REQUIRED', reason: 'DRY_RUN_REQUIRED: run a dry run of x first' })), 'run r1 · runbook x · host h · rule DRY_RUN_REQUIRED · DRY_RUN_REQUIRED: run a dry run of x first');
  assert.equal(auditSummary(rec('policy', { killSwitch: true })), 'killSwitch true');
  assert.equal(auditSummary(rec('policy', { runbook: 'x', group: '*', level: 'observe', previous: null })), 'runbook x · group * · level observe');
  assert.equal(auditSummary(rec('policy', { other: 1 })), '{"other":1}');
});

test('run durations from milliseconds to minutes', () => {
  assert.deepEqual([fmtRunDuration(420), fmtRunDuration(3_240), fmtRunDuration(125_000)], ['420 ms', '3.2 s', '2 min']);
});
