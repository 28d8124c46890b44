import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { open } from 'lmdb';
import type { AuditRecord } from '@cerebro/shared/api/contract';
import { AuditLog, recordHash } from './audit-log';

const operator = { type: 'operator', name: 'alice' } as const;
const policy = { type: 'policy', name: 'autonomous' } as const;

/** A home with a log of `n` records, closed; returns the home. */
async function home(t: { after: (fn: () => void) => void }, n = 6): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-audit-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = AuditLog.open(dir);
  for (let i = 1; i <= n; i++) log.append(i % 2 ? operator : policy, i % 3 === 0 ? 'command' : 'proposal', { i, runbook: 'cpu-hog-stop', host: 'h1' });
  assert.equal(log.verify().ok, true);
  await log.close();
  return dir;
}

/** Edit the stored records directly in LMDB, as someone with access to the files would. */
async function tamper(dir: string, edit: (db: { get(k: number): AuditRecord; put(k: number, r: AuditRecord): void; del(k: number): void; putHead(v: string): void; head(): string }) => void): Promise<void> {
  const env = open({ path: path.join(dir, 'audit', 'log'), maxDbs: 4 });
  const records = env.openDB<string, number>({ name: 'records', encoding: 'string' });
  const meta = env.openDB<string, string>({ name: 'meta', encoding: 'string' });
  edit({
    get: (k) => JSON.parse(records.get(k) as string) as AuditRecord,
    put: (k, r) => records.putSync(k, JSON.stringify(r)),
    del: (k) => records.removeSync(k),
    putHead: (v) => meta.putSync('head', v),
    head: () => meta.get('head') as string,
  });
  await env.close();
}

async function verdict(dir: string): Promise<ReturnType<AuditLog['verify']>> {
  const log = AuditLog.open(dir, { readOnly: true });
  try {
    return log.verify();
  } finally {
    await log.close();
  }
}

test('an intact chain verifies, survives reopening, and keeps appending where it stopped', async (t) => {
  const dir = await home(t, 5);
  const log = AuditLog.open(dir);
  const r = log.append(operator, 'approval', { run: 'r1' });
  assert.equal(r.seq, 6);
  assert.equal(r.prevHash, log.list(5, 1)[0]?.hash);
  const v = log.verify();
  assert.deepEqual([v.ok, v.records, v.head?.seq, v.head?.signed], [true, 6, 6, true]);
  assert.deepEqual(log.tail(2).map((x) => x.seq), [5, 6]);
  await log.close();
});

test('editing a payload is detected at that record', async (t) => {
  const dir = await home(t);
  await tamper(dir, (db) => db.put(3, { ...db.get(3), payload: { i: 3, runbook: 'rm-rf', host: 'h1' } }));
  const v = await verdict(dir);
  assert.equal(v.ok, false);
  assert.equal(v.brokenSeq, 3);
  assert.match(v.reason, /does not match its hash/);
});

test('editing a payload and recomputing its hash breaks the link to the next record', async (t) => {
  const dir = await home(t);
  await tamper(dir, (db) => {
    const r = { ...db.get(3), actor: { type: 'operator', name: 'mallory' } } as AuditRecord;
    db.put(3, { ...r, hash: recordHash(r) });
  });
  const v = await verdict(dir);
  assert.equal(v.brokenSeq, 4);
  assert.match(v.reason, /prevHash .* is not the hash of record 3/);
});

test('rewriting the whole tail consistently is caught by the signed head', async (t) => {
  const dir = await home(t);
  await tamper(dir, (db) => {
    const r = { ...db.get(6), payload: 'forged' } as AuditRecord;
    db.put(6, { ...r, hash: recordHash(r) });
  });
  const v = await verdict(dir);
  assert.equal(v.brokenSeq, 6);
  assert.match(v.reason, /signed head vouches for/);
});

test('editing only the hash field, swapping records, and deleting a middle record are each detected', async (t) => {
  const a = await home(t);
  await tamper(a, (db) => db.put(2, { ...db.get(2), hash: 'f'.repeat(64) }));
  assert.equal((await verdict(a)).brokenSeq, 2);

  const b = await home(t);
  await tamper(b, (db) => {
    const r2 = db.get(2);
    const r3 = db.get(3);
    db.put(2, r3);
    db.put(3, r2);
  });
  const vb = await verdict(b);
  assert.equal(vb.brokenSeq, 2);
  assert.match(vb.reason, /reordered/);

  const c = await home(t);
  await tamper(c, (db) => db.del(4));
  const vc = await verdict(c);
  assert.equal(vc.brokenSeq, 4);
  assert.match(vc.reason, /missing/);
});

test('cutting records off the end is detected against the signed head; a head re-signed with another key is refused', async (t) => {
  const dir = await home(t);
  await tamper(dir, (db) => {
    db.del(6);
    db.del(5);
  });
  const v = await verdict(dir);
  assert.equal(v.brokenSeq, 5);
  assert.match(v.reason, /vouches for 6 records, the log ends at 4/);

  const forged = await home(t);
  await tamper(forged, (db) => {
    db.del(6);
    const last = db.get(5);
    const other = generateKeyPairSync('ed25519').privateKey;
    const head = { seq: 5, hash: last.hash, time: last.time };
    const sig = sign(null, Buffer.from(`cerebro-audit-head/v1\n${head.seq}\n${head.hash}\n${head.time}`), other).toString('base64');
    db.putHead(JSON.stringify({ ...head, sig }));
  });
  const vf = await verdict(forged);
  assert.equal(vf.ok, false);
  assert.match(vf.reason, /signature does not verify/);
  assert.equal(vf.head?.signed, false);
});
