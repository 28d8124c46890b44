import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionRun, DryRunView, Runbook } from '@cerebro/shared/api/contract';
import { confirmGate, confirmLabel, drawerReducer, initialDrawer, outcomeTone, progressRows, requestKey, type DrawerState } from './drawer-model';

const view = (allowed: boolean, level: DryRunView['verdict']['level'] = 'one-click'): DryRunView => ({
  runbookId: 'rb',
  hostId: 'h1',
  params: { pid: 4242 },
  verdict: allowed ? { allowed, level, reason: `allowed at level "${level}"` } : { allowed, level, rule: 'HOST_BUSY', reason: 'HOST_BUSY: a run is already in progress on web-1' },
  preconditions: [],
  steps: [],
  verification: { all: [], withinMs: 10_000 },
  rollback: [],
});

const run = (over: Partial<ActionRun>): ActionRun => ({ id: 'r1', runbookId: 'rb', hostId: 'h1', params: {}, actor: { type: 'operator', name: 'operator' }, state: 'running', steps: [], rollback: [], createdMs: 1_000, updatedMs: 1_000, summary: 'running', ...over });

test('confirm stays off until a dry run of exactly these values was seen and allowed', () => {
  const key = requestKey('h1', { pid: 4242 });
  let s: DrawerState = initialDrawer({ pid: '4242' });
  assert.deepEqual(confirmGate(s, key, 0), { enabled: false, why: 'run the dry run first: it shows exactly what would happen' });
  assert.equal(confirmGate(s, null, 1).why, 'fix the parameters first');
  s = drawerReducer(s, { type: 'dry-started', key });
  assert.equal(confirmGate(s, key, 0).enabled, false);
  s = drawerReducer(s, { type: 'dry-done', key, view: view(true) });
  assert.deepEqual(confirmGate(s, key, 0), { enabled: true, why: '' });
  // A field changed after the dry run: its preview is stale, a new one is needed.
  s = drawerReducer(s, { type: 'field', name: 'pid', value: '4243' });
  assert.equal(confirmGate(s, requestKey('h1', { pid: 4243 }), 0).why, 'the host or parameters changed since the dry run: run it again');
  // A refusal names the rule.
  s = drawerReducer(s, { type: 'dry-done', key, view: view(false) });
  assert.equal(confirmGate(s, key, 0).why, 'the policy refuses: HOST_BUSY: a run is already in progress on web-1');
  s = drawerReducer(s, { type: 'dry-failed', key, message: 'INVALID_PARAMS: …' });
  assert.equal(confirmGate(s, key, 0).enabled, false);
});

test('once a run starts the form is locked and confirm is off; at "suggest" the label asks for approval', () => {
  const key = requestKey('h1', { pid: 4242 });
  let s = drawerReducer(initialDrawer({ pid: '4242' }), { type: 'dry-done', key, view: view(true, 'suggest') });
  assert.match(confirmGate(s, key, 0).why, /waits for an approval/);
  assert.equal(confirmLabel(view(true, 'suggest').verdict, 'web-1'), 'Request the run on web-1');
  assert.equal(confirmLabel(view(true).verdict, 'web-1'), 'Run on web-1');
  s = drawerReducer(s, { type: 'run-starting' });
  s = drawerReducer(s, { type: 'run-updated', run: run({}) });
  assert.deepEqual(confirmGate(s, key, 0), { enabled: false, why: 'the run is in progress' });
  assert.equal(drawerReducer(s, { type: 'field', name: 'pid', value: '1' }).values['pid'], '4242', 'locked');
  s = drawerReducer(s, { type: 'run-failed', message: 'cannot read the run back' });
  assert.equal(s.run.status === 'error' && s.run.run?.id, 'r1', 'the last known run stays shown');
});

test('the key ignores the order of params', () => {
  assert.equal(requestKey('h', { a: 1, b: 2 }), requestKey('h', { b: 2, a: 1 }));
  assert.notEqual(requestKey('h', { a: 1 }), requestKey('h2', { a: 1 }));
});

const rb = { steps: [{ id: 'renice', action: 'renice-process' }, { id: 'term', action: 'signal-process' }] } as unknown as Runbook;
const step = (id: string, action: string, status: string, message: string) => ({ id, action, params: {}, status, message, startedMs: 1, endedMs: 2 }) as ActionRun['steps'][number];

test('progress rows: done steps, the running one, pending ones; verification; rollback', () => {
  const rows = (r: ActionRun): string[] => progressRows(rb, r).map((x) => `${x.phase}:${x.label}:${x.status}`);
  assert.deepEqual(rows(run({ steps: [step('renice', 'renice-process', 'ok', 'now at 19')] })), ['step:renice · renice-process:ok', 'step:term · signal-process:running']);
  assert.deepEqual(rows(run({ state: 'verifying', steps: [step('renice', 'renice-process', 'ok', 'a'), step('term', 'signal-process', 'ok', 'b')] })), ['step:renice · renice-process:ok', 'step:term · signal-process:ok', 'verification:verification:running']);
  const rolled = run({
    state: 'rolled-back',
    steps: [step('renice', 'renice-process', 'ok', 'a'), step('term', 'signal-process', 'ok', 'b')],
    verification: { ok: false, checks: [{ condition: { kind: 'metric', key: 'cpu', op: '<', value: 50 }, ok: false, detail: 'cpu is 99 (needs < 50)' }], atMs: 3 },
    rollback: [step('restore', 'renice-process', 'ok', 'back at 0')],
  });
  assert.deepEqual(rows(rolled), ['step:renice · renice-process:ok', 'step:term · signal-process:ok', 'verification:verification:failed', 'rollback:rollback restore · renice-process:ok']);
  assert.equal(progressRows(rb, rolled)[2]?.message, 'cpu is 99 (needs < 50)');
  assert.deepEqual(rows(run({ state: 'failed', steps: [step('renice', 'renice-process', 'refused', 'not allowed here')] })), ['step:renice · renice-process:failed', 'step:term · signal-process:pending']);
  assert.deepEqual(
    [outcomeTone('succeeded'), outcomeTone('rolled-back'), outcomeTone('refused'), outcomeTone('verifying')],
    ['good', 'warn', 'bad', 'busy'],
  );
});
