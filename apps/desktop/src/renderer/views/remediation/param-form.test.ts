import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Runbook } from '@cerebro/shared/api/contract';
import { fieldHint, initialValues, parseField, parseForm } from './param-form';

const rb = {
  id: 'cpu-hog-renice',
  params: {
    pid: { type: 'integer', description: "The process's pid.", min: 2 },
    nice: { type: 'integer', description: 'New nice value.', default: 19, min: 0, max: 19 },
    service: { type: 'string', description: 'The service.', pattern: '[a-z][a-z0-9-]*' },
    force: { type: 'boolean', description: 'Force it.', default: false },
    ratio: { type: 'number', description: 'A ratio.', default: 0.5 },
  },
} as unknown as Runbook;

test('initial values: the link prefill wins over the proposal, which wins over the default', () => {
  assert.deepEqual(initialValues(rb), { pid: '', nice: '19', service: '', force: 'false', ratio: '0.5' });
  assert.deepEqual(initialValues(rb, { pid: 4242, service: 'web' }, { service: 'api' }), { pid: '4242', nice: '19', service: 'api', force: 'false', ratio: '0.5' });
});

test('a valid form gives typed params; empty fields with a default are left to the console', () => {
  const r = parseForm(rb, { pid: ' 4242 ', nice: '', service: 'web-1', force: 'true', ratio: '1e-1' });
  assert.deepEqual(r.errors, {});
  assert.deepEqual(r.params, { pid: 4242, service: 'web-1', force: true, ratio: 0.1 });
});

test('each invalid field has its own error in the engine\'s words; required fields say so', () => {
  const r = parseForm(rb, { pid: '1', nice: '20', service: 'Web!', force: 'maybe', ratio: 'x' });
  assert.deepEqual(r.errors, {
    pid: 'must be at least 2, got 1',
    nice: 'must be at most 19, got 20',
    service: 'must match [a-z][a-z0-9-]*, got "Web!"',
    force: 'must be true or false, got "maybe"',
    ratio: 'must be a number, got "x"',
  });
  assert.deepEqual(parseForm(rb, {}).errors, { pid: "is required (The process's pid.)", service: 'is required (The service.)' });
  assert.deepEqual(parseField(rb.params['pid']!, '12.5'), { ok: false, error: 'must be an integer, got 12.5' });
  assert.deepEqual(parseField(rb.params['pid']!, '0x10'), { ok: false, error: 'must be an integer, got "0x10"' });
});

test('field hints show type, bounds, pattern and default', () => {
  assert.equal(fieldHint(rb.params['nice']!), 'integer, 0 to 19; default 19');
  assert.equal(fieldHint(rb.params['pid']!), 'integer, 2 or more');
  assert.equal(fieldHint(rb.params['service']!), 'string, matching [a-z][a-z0-9-]*');
});
