import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { auditHeadSigningInput } from '@cerebro/shared/api/remediation';
import { AuditHeadKeeper } from './audit-head';

test('the host keeps the newest head signed by its console, and notices an older one', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-head-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').privateKey;
  const head = (seq: number, key = privateKey): object => {
    const h = { seq, hash: seq.toString(16).padStart(64, '0'), time: 1_700_000_000_000 + seq };
    return { ...h, sig: sign(null, Buffer.from(auditHeadSigningInput(h)), key).toString('base64') };
  };
  const keeper = new AuditHeadKeeper(path.join(dir, 'audit-head.json'), createPublicKey(privateKey));
  assert.equal(keeper.observe(undefined), 'absent');
  assert.equal(keeper.observe({ seq: 'x' }), 'malformed');
  assert.equal(keeper.observe(head(5)), 'kept');
  assert.equal(keeper.observe(head(5)), 'same');
  assert.equal(keeper.observe(head(9, other)), 'bad-signature');
  assert.equal(keeper.observe({ ...head(7), seq: 8 }), 'bad-signature', 'a seq changed after signing');
  assert.equal(keeper.observe(head(7)), 'kept');
  assert.equal(keeper.observe(head(6)), 'older');
  assert.equal(new AuditHeadKeeper(path.join(dir, 'audit-head.json'), null).current()?.seq, 7, 'kept across restarts');
});
