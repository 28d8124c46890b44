import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeptFile, SourceReadError, readSmallFile } from './read';

test('KeptFile re-reads a rewritten file from offset 0 and grows its buffer', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cerebro-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'stat');
  writeFileSync(path, 'short\n');
  const f = new KeptFile(path, 4);
  assert.equal(f.read(), 'short\n');
  const long = 'x'.repeat(20_000) + '\n';
  writeFileSync(path, long);
  assert.equal(f.read(), long);
  writeFileSync(path, 'again\n');
  assert.equal(f.read(), 'again\n');
  f.close();
});

test('KeptFile on this machine keeps reading live /proc/stat', () => {
  const f = new KeptFile('/proc/stat', 64);
  const a = f.read();
  const b = f.read();
  f.close();
  assert.match(a, /^cpu /);
  assert.match(b, /^cpu /);
});

test('KeptFile errors say which file and why; readOptional gives null for a missing file', () => {
  const f = new KeptFile('/nonexistent/diskstats');
  assert.throws(() => f.read(), (err: unknown) => {
    assert.ok(err instanceof SourceReadError, 'a SourceReadError');
    assert.match(err.message, /^couldn't read \/nonexistent\/diskstats: ENOENT/);
    return true;
  });
  assert.equal(f.readOptional(), null);
});

test('readSmallFile: content, cap, and null for a vanished process', () => {
  assert.match(readSmallFile(`/proc/${process.pid}/stat`) ?? '', new RegExp(`^${process.pid} \\(`));
  assert.equal(readSmallFile('/proc/self/cmdline', 3)?.length, 3);
  assert.equal(readSmallFile('/proc/999999999/stat'), null);
});
