import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LogWriters } from './writers';

/** A real process appending to a real file (and a reader that only has it open for reading). */
test('the writer of a log file is the process holding it open for writing, not a reader', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-writers-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, '');
  const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(file)},'a');setInterval(()=>fs.writeSync(fd,'x\\n'),100);setTimeout(()=>{},30000)`], { stdio: 'ignore' });
  const reader = spawn(process.execPath, ['-e', `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(file)},'r');setTimeout(()=>{},30000)`], { stdio: 'ignore' });
  t.after(() => {
    writer.kill('SIGKILL');
    reader.kill('SIGKILL');
  });
  // This test process also holds the file open for writing: as the collector it is left out.
  const own = fs.openSync(file, 'a');
  t.after(() => fs.closeSync(own));
  const w = new LogWriters({ minScanGapMs: 0 });
  let found = null;
  for (let i = 0; i < 50 && found === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    found = w.of(file, Date.now() + i * 120_000);
  }
  assert.deepEqual(found, { unit: 'node', pid: writer.pid });
  const scans = w.scans;
  const now = Date.now() + 60 * 120_000;
  w.of(file, now);
  assert.equal(w.scans, scans + 1);
  assert.deepEqual(w.of(file, now + 1000), { unit: 'node', pid: writer.pid }, 'a fresh answer is reused');
  assert.equal(w.scans, scans + 1, 'no second scan within freshMs');
  assert.equal(w.of(path.join(dir, 'nobody.log'), now + 2000), null, 'a file nobody writes has no writer');
});

test("a file's first lines get their writer at once, even right after a scan for another file", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-writers-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [a, b] = [path.join(dir, 'a.log'), path.join(dir, 'b.log')];
  fs.writeFileSync(a, '');
  fs.writeFileSync(b, '');
  const writer = spawn(process.execPath, ['-e', `const fs=require('fs');fs.openSync(${JSON.stringify(a)},'a');fs.openSync(${JSON.stringify(b)},'a');setTimeout(()=>{},30000)`], { stdio: 'ignore' });
  t.after(() => writer.kill('SIGKILL'));
  // The default gap between scans (10 s): a.log is answered first...
  const w = new LogWriters();
  const t0 = Date.now();
  let found = null;
  for (let i = 0; i < 50 && found === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    found = w.of(a, t0 + i * 20_000);
  }
  assert.deepEqual(found, { unit: 'node', pid: writer.pid });
  const scans = w.scans;
  const now = t0 + 60 * 20_000;
  assert.deepEqual(w.of(a, now + 61_000), { unit: 'node', pid: writer.pid });
  assert.equal(w.scans, scans + 1, 'a stale answer: one scan');
  // ... then b.log gets its first line a second later, within the gap: scanned anyway.
  assert.deepEqual(w.of(b, now + 62_000), { unit: 'node', pid: writer.pid });
  assert.equal(w.scans, scans + 2);
  // A third file nobody writes: its first answer (none) at once too.
  const c = path.join(dir, 'c.log');
  fs.writeFileSync(c, '');
  assert.equal(w.of(c, now + 63_000), null);
  assert.equal(w.scans, scans + 3);
  assert.equal(w.of(c, now + 63_000 + 60_000), null);
  assert.equal(w.scans, scans + 4, 'stale and the gap over: scanned');
  // Stale again 5 s after that scan (a first answer moved it): the gap holds, the old answer is given.
  const d = path.join(dir, 'd.log');
  fs.writeFileSync(d, '');
  assert.equal(w.of(d, now + 63_000 + 115_000), null);
  assert.equal(w.scans, scans + 5, "d's first answer");
  assert.equal(w.of(c, now + 63_000 + 120_000), null);
  assert.equal(w.scans, scans + 5, 'c is stale, but the last scan was 5 s ago');
});
