import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { AuditLog } from './audit-log';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli.ts');

function run(home: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'audit', ...args], { env: { ...process.env, CEREBRO_HOME: home }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('cerebro-console audit verify / export, on an intact and on a tampered log', async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-audit-cli-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  assert.match(run(home, 'verify').err, /no audit log in .*nothing has been audited yet/);

  const log = AuditLog.open(home);
  for (let i = 0; i < 4; i++) log.append({ type: 'operator', name: 'alice' }, 'command', { step: i });
  await log.close();

  const ok = run(home, 'verify');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /audit log OK: 4 records, chain intact, head signed \(audit key\)/);
  const lines = run(home, 'export').out.trim().split('\n');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2, 3, 4]);
  const file = path.join(home, 'export.jsonl');
  assert.equal(run(home, 'export', '--out', file).code, 0);
  assert.equal(fs.readFileSync(file, 'utf8').trim().split('\n').length, 4);

  const env = open({ path: path.join(home, 'audit', 'log'), maxDbs: 4 });
  const records = env.openDB<string, number>({ name: 'records', encoding: 'string' });
  const r2 = JSON.parse(records.get(2) as string) as Record<string, unknown>;
  records.putSync(2, JSON.stringify({ ...r2, payload: { step: 99 } }));
  await env.close();
  const bad = run(home, 'verify');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /audit log BROKEN at record 2: record 2: its content does not match its hash/);
  const json = JSON.parse(run(home, 'verify', '--json').out) as { ok: boolean; brokenSeq: number };
  assert.deepEqual([json.ok, json.brokenSeq], [false, 2]);
  assert.equal(run(home, 'frobnicate').code, 2);
});
