import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runAction } from './registry';

function tempTree(t: { after: (fn: () => void) => void }): { root: string; allowed: string; outside: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-actions-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const allowed = path.join(root, 'allowed');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(allowed);
  fs.mkdirSync(outside);
  return { root, allowed, outside };
}

function file(p: string, ageMin: number, size = 100): void {
  fs.writeFileSync(p, 'x'.repeat(size));
  const t = (Date.now() - ageMin * 60_000) / 1000;
  fs.utimesSync(p, t, t);
}

test('delete-old-files deletes only files older than N matching the pattern, and never follows links', async (t) => {
  const { allowed, outside } = tempTree(t);
  file(path.join(allowed, 'old.log'), 120, 1000);
  file(path.join(allowed, 'old.dat'), 120);
  file(path.join(allowed, 'new.log'), 1);
  file(path.join(outside, 'victim.log'), 120);
  fs.symlinkSync(path.join(outside, 'victim.log'), path.join(allowed, 'link.log'));
  fs.symlinkSync(outside, path.join(allowed, 'linkdir'));
  const ctx = { policy: { allowedDirs: [allowed], scriptsDir: null }, timeoutMs: 5_000 };

  const dry = await runAction({ action: 'delete-old-files', params: { dir: allowed, olderThanMinutes: 60, pattern: '*.log', recursive: true, dryRun: true } }, ctx);
  assert.equal(dry.status, 'ok', dry.message);
  assert.deepEqual(dry.details?.['files'], [path.join(allowed, 'old.log')]);
  assert.ok(fs.existsSync(path.join(allowed, 'old.log')), 'a dry run deletes nothing');

  const r = await runAction({ action: 'delete-old-files', params: { dir: allowed, olderThanMinutes: 60, pattern: '*.log', recursive: true } }, ctx);
  assert.equal(r.status, 'ok', r.message);
  assert.equal(r.details?.['deleted'], 1);
  assert.equal(r.details?.['bytes'], 1000);
  assert.deepEqual(fs.readdirSync(allowed).sort(), ['link.log', 'linkdir', 'new.log', 'old.dat']);
  assert.ok(fs.existsSync(path.join(outside, 'victim.log')), 'the link target outside survives');
});

test('paths outside the allow-list, with "..", or escaping through a symlink are refused', async (t) => {
  const { allowed, outside } = tempTree(t);
  file(path.join(outside, 'victim.log'), 120);
  fs.symlinkSync(outside, path.join(allowed, 'escape'));
  const ctx = { policy: { allowedDirs: [allowed], scriptsDir: null }, timeoutMs: 5_000 };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['delete-old-files', { dir: outside, olderThanMinutes: 1 }, /outside the host's allowed directories/],
    ['delete-old-files', { dir: `${allowed}/../outside`, olderThanMinutes: 1 }, /climbs with '\.\.'/],
    ['delete-old-files', { dir: path.join(allowed, 'escape'), olderThanMinutes: 1 }, /resolves through a symlink/],
    ['delete-old-files', { dir: 'relative/dir', olderThanMinutes: 1 }, /absolute path/],
    ['truncate-log', { path: path.join(allowed, 'escape', 'victim.log') }, /resolves through a symlink/],
    ['rotate-log', { path: path.join(outside, 'victim.log') }, /outside the host's allowed directories/],
  ];
  for (const [action, params, why] of cases) {
    const r = await runAction({ action, params }, ctx);
    assert.equal(r.status, 'refused', `${action} ${JSON.stringify(params)}`);
    assert.equal(r.refusal, 'PATH_NOT_ALLOWED');
    assert.match(r.message, why);
  }
  const none = await runAction({ action: 'delete-old-files', params: { dir: allowed, olderThanMinutes: 1 } }, { ...ctx, policy: { allowedDirs: [], scriptsDir: null } });
  assert.match(none.message, /allows no directories/);
  assert.equal(fs.readFileSync(path.join(outside, 'victim.log'), 'utf8').length, 100);
});

test('truncate-log empties the file; rotate-log keeps N copies and a writer keeps appending to the live file', async (t) => {
  const { allowed } = tempTree(t);
  const log = path.join(allowed, 'app.log');
  fs.writeFileSync(log, 'a'.repeat(5000));
  const ctx = { policy: { allowedDirs: [allowed], scriptsDir: null }, timeoutMs: 5_000 };
  const tr = await runAction({ action: 'truncate-log', params: { path: log } }, ctx);
  assert.equal(tr.status, 'ok', tr.message);
  assert.equal(tr.details?.['bytesFreed'], 5000);
  assert.equal(fs.statSync(log).size, 0);

  const fd = fs.openSync(log, 'a');
  t.after(() => fs.closeSync(fd));
  for (let i = 1; i <= 4; i++) {
    fs.writeSync(fd, `generation ${i}\n`);
    const r = await runAction({ action: 'rotate-log', params: { path: log, keep: 2 } }, ctx);
    assert.equal(r.status, 'ok', r.message);
  }
  assert.deepEqual(fs.readdirSync(allowed).sort(), ['app.log', 'app.log.1', 'app.log.2']);
  assert.equal(fs.readFileSync(`${log}.1`, 'utf8'), 'generation 4\n');
  assert.equal(fs.readFileSync(`${log}.2`, 'utf8'), 'generation 3\n');
  fs.writeSync(fd, 'after\n');
  assert.equal(fs.readFileSync(log, 'utf8'), 'after\n', 'an O_APPEND writer goes on at the start of the truncated file');

  const renamed = await runAction({ action: 'rotate-log', params: { path: log, keep: 2, method: 'rename' } }, ctx);
  assert.equal(renamed.status, 'ok', renamed.message);
  assert.equal(fs.readFileSync(`${log}.1`, 'utf8'), 'after\n');
  assert.equal(fs.statSync(log).size, 0);
  fs.symlinkSync(log, path.join(allowed, 'alias.log'));
  const viaLink = await runAction({ action: 'truncate-log', params: { path: path.join(allowed, 'alias.log') } }, ctx);
  assert.equal(viaLink.refusal, 'PATH_NOT_ALLOWED');
  assert.match(viaLink.message, /is a symlink/);
});
