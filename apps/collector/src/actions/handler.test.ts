import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { auditHeadSigningInput } from '@cerebro/shared/api/remediation';
import { AuditHeadKeeper } from './audit-head';
import { ActionPolicyError, parseActionPolicy, remediationHandler } from './handler';

test('the policy section is checked naming the file and field', () => {
  const p = parseActionPolicy({ allowedDirs: ['/var/log/app/'], scriptsDir: '/usr/share/cerebro/scripts' }, 'policy file /etc/cerebro/p.json');
  assert.deepEqual(p, { allowedDirs: ['/var/log/app/'], scriptsDir: '/usr/share/cerebro/scripts' });
  for (const [section, re] of [
    [{ allowedDirs: 'x' }, /"remediation\.allowedDirs" must be a list/],
    [{ allowedDirs: ['relative'] }, /p\.json: "remediation\.allowedDirs\[0\]" must be an absolute path/],
    [{ allowedDirs: ['/srv/../etc'] }, /allowedDirs\[0\]" must be an absolute path without '\.\.'/],
    [{ allowedDirs: ['/'] }, /must not allow "\/"/],
    [{ scriptsDir: 3 }, /"remediation\.scriptsDir"/],
  ] as const) {
    assert.throws(() => parseActionPolicy(section, 'policy file /etc/cerebro/p.json'), (e: unknown) => e instanceof ActionPolicyError && re.test(e.message));
  }
});

test('the handler runs a payload under the host policy', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-handler-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'a.log'), 'abc');
  const handle = remediationHandler(parseActionPolicy({ allowedDirs: [dir] }, 'test policy'));
  const r = await handle({ action: 'truncate-log', params: { path: path.join(dir, 'a.log') } });
  assert.equal(r.status, 'ok', r.message);
  assert.equal(fs.statSync(path.join(dir, 'a.log')).size, 0);
  const outside = await handle({ action: 'truncate-log', params: { path: '/etc/hostname' } });
  assert.equal(outside.refusal, 'PATH_NOT_ALLOWED');
});

test('the handler keeps the audit head commands carry and reports one that went back', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-handler-head-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { privateKey } = generateKeyPairSync('ed25519');
  const head = (seq: number): object => {
    const h = { seq, hash: 'a'.repeat(64), time: seq };
    return { ...h, sig: sign(null, Buffer.from(auditHeadSigningInput(h)), privateKey).toString('base64') };
  };
  const warnings: string[] = [];
  const heads = new AuditHeadKeeper(path.join(dir, 'audit-head.json'), createPublicKey(privateKey));
  const handle = remediationHandler(parseActionPolicy({}, 'p'), { heads, onOlderHead: (m) => warnings.push(m) });
  await handle({ action: 'signal-process', auditHead: head(10), params: {} });
  assert.equal(heads.current()?.seq, 10);
  const r = await handle({ action: 'signal-process', auditHead: head(4) });
  assert.equal(r.keptAuditHead?.seq, 10, 'the result reads back the newest head kept, for the console to compare');
  assert.match(warnings[0] ?? '', /audit head \(seq 4\) is older than one this host kept \(seq 10\)/);
});
