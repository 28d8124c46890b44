import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileGlob, excludeMatcher, expandGlob } from './glob';

function tree(t: TestContext, files: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cerebro-glob-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), 'x\n');
  }
  return dir;
}

const rel = (dir: string, files: string[]): string[] => files.map((f) => path.relative(dir, f));

test('* ? [..] match within one directory level; ** matches any depth including none', (t) => {
  const dir = tree(t, ['a.log', 'b.log', 'c.txt', 'app1.log', 'app22.log', '.hidden.log', 'sub/d.log', 'sub/deep/e.log', 'sub/deep/f.txt']);
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/*.log`))), ['a.log', 'app1.log', 'app22.log', 'b.log']);
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/app?.log`))), ['app1.log']);
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/[ab].log`))), ['a.log', 'b.log']);
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/[!ab].txt`))), ['c.txt']);
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/**/*.log`))), ['a.log', 'app1.log', 'app22.log', 'b.log', 'sub/d.log', 'sub/deep/e.log']);
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/sub/*/*.txt`))), ['sub/deep/f.txt']);
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/c.txt`))), ['c.txt'], 'a literal path');
  assert.deepEqual(expandGlob(compileGlob(`${dir}/missing/*.log`)), [], 'a missing directory is no error');
  assert.deepEqual(rel(dir, expandGlob(compileGlob(`${dir}/.*.log`))), ['.hidden.log'], 'dot files only when the pattern starts with a dot');
});

test('bad patterns are refused with a message naming them', () => {
  assert.throws(() => compileGlob('var/log/*.log'), /"var\/log\/\*\.log" is not an absolute path/);
  assert.throws(() => compileGlob('/var/log/[ab.log'), /unclosed \[/);
  assert.throws(() => compileGlob('/var/log/**'), /ends in \*\*/);
});

test('exclude patterns match base names', () => {
  const excluded = excludeMatcher(['*.gz', 'secret-*']);
  assert.equal(excluded('/var/log/syslog.2.gz'), true);
  assert.equal(excluded('/var/log/secret-app.log'), true);
  assert.equal(excluded('/var/log/syslog'), false);
});
