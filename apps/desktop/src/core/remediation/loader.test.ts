import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultRunbookDir, loadRunbooks } from './loader';

test('every shipped runbook loads, and together they cover the fault-injection scenarios', () => {
  const lib = loadRunbooks(defaultRunbookDir());
  assert.deepEqual(lib.errors, []);
  assert.ok(lib.runbooks.size >= 8, `${lib.runbooks.size} runbooks`);
  const remedies = new Set([...lib.runbooks.values()].flatMap((r) => r.remedies));
  for (const fault of ['cpu-hog', 'memory-leak', 'fs-filling', 'crash-loop', 'two-tier', 'log-storm']) assert.ok(remedies.has(fault), `a runbook remedies ${fault}`);
  const diag = lib.runbooks.get('collect-diagnostics');
  assert.match(diag?.scripts['collect-diagnostics.sh'] ?? '', /^[0-9a-f]{64}$/);
});

function withRunbook(t: { after: (fn: () => void) => void }, files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-runbooks-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  return dir;
}

const good = {
  id: 'ok-one',
  title: 'A',
  description: 'B',
  params: { pid: { type: 'integer', description: 'pid', min: 2 } },
  steps: [{ id: 'stop', action: 'signal-process', params: { pid: '{{pid}}', startMs: 1, signal: 'SIGTERM' } }],
  verification: { all: [{ kind: 'process', pid: '{{pid}}', expect: 'absent' }], withinMs: 5000 },
};

test('a bad runbook is reported naming the file and the field, and does not stop the others', (t) => {
  const dir = withRunbook(t, {
    'a-good.json': good,
    'bad-action.json': { ...good, id: 'bad-action', steps: [{ id: 's', action: 'format-disk', params: {} }] },
    'bad-placeholder.json': { ...good, id: 'bad-placeholder', steps: [{ id: 's', action: 'signal-process', params: { pid: '{{process}}' } }] },
    'bad-verification.json': { ...good, id: 'bad-verification', verification: { all: [{ kind: 'metric', key: 'cpu.util_pct', op: '=~', value: 1 }], withinMs: 5000 } },
    'bad-json.json': '{ "id": ',
    'dup.json': { ...good },
    'unknown-field.json': { ...good, id: 'unknown-field', stpes: [] },
    'bad-rollback.json': { ...good, id: 'bad-rollback', rollback: [{ id: 'r', action: 'renice-process', params: { nice: '{{steps.later.details.previousNice}}' } }] },
    'bad-default.json': { ...good, id: 'bad-default', params: { pid: { type: 'integer', description: 'pid', min: 2, default: 1 } } },
    'missing-script.json': { ...good, id: 'missing-script', steps: [{ id: 's', action: 'run-script', params: { script: 'nope.sh' } }] },
  });
  const lib = loadRunbooks(dir);
  assert.deepEqual([...lib.runbooks.keys()], ['ok-one']);
  const expected: Array<[string, RegExp]> = [
    ['bad-action.json', /^bad-action\.json: steps\[0\]\.action: must be one of restart-service/],
    ['bad-placeholder.json', /^bad-placeholder\.json: steps\[0\]\.params: placeholder \{\{process\}\} names no declared param/],
    ['bad-verification.json', /^bad-verification\.json: verification\.all\[0\]\.op: must be one of/],
    ['bad-json.json', /^bad-json\.json: not valid JSON/],
    ['dup.json', /^dup\.json: id: "ok-one" is already the id of a-good\.json/],
    ['unknown-field.json', /^unknown-field\.json: stpes: unknown field/],
    ['bad-rollback.json', /^bad-rollback\.json: rollback\[0\]\.params: placeholder \{\{steps\.later\.details\.previousNice\}\} names step "later"/],
    ['bad-default.json', /^bad-default\.json: params\.pid\.default: must be at least 2/],
    ['missing-script.json', /^missing-script\.json: steps\[0\]\.params\.script: no script "nope\.sh"/],
  ];
  assert.equal(lib.errors.length, expected.length, lib.errors.join('\n'));
  for (const [file, re] of expected) assert.ok(lib.errors.some((e) => re.test(e)), `${file}: expected ${re}, got:\n${lib.errors.join('\n')}`);
});

test('a missing runbooks folder is an error, not a crash', () => {
  const lib = loadRunbooks(path.join(os.tmpdir(), 'cerebro-no-such-runbooks-dir'));
  assert.equal(lib.runbooks.size, 0);
  assert.match(lib.errors[0] ?? '', /cannot read the runbooks folder .*ENOENT/);
});
