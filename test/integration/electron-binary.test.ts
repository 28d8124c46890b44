/**
 * How `npm start` and the desktop e2e test find an Electron binary (scripts/electron-binary.mjs): the
 * way the electron package would, but by reading its files rather than requiring it, so a missing binary
 * gives a reason instead of a download attempt. Fake Electron folders (an executable script) stand in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findElectron } from '../../scripts/electron-binary.mjs';
import { tempDir } from '../helpers/cerebro';

function fakeRepo(dir: string, pathTxt: string | null, distFile: string | null): string {
  const pkg = path.join(dir, 'repo/node_modules/electron');
  fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  if (pathTxt !== null) fs.writeFileSync(path.join(pkg, 'path.txt'), pathTxt);
  if (distFile !== null) fs.writeFileSync(path.join(pkg, 'dist', distFile), '#!/bin/sh\n', { mode: 0o755 });
  return path.join(dir, 'repo');
}

test('ELECTRON_OVERRIDE_DIST_PATH wins, and must hold an executable', (t) => {
  const dir = tempDir(t);
  const repo = fakeRepo(dir, 'electron', null);
  const dist = path.join(dir, 'electron-v45');
  fs.mkdirSync(dist);
  assert.equal(findElectron({ ELECTRON_OVERRIDE_DIST_PATH: dist }, repo).path, null, 'an empty folder is no Electron');
  fs.writeFileSync(path.join(dist, 'electron'), 'not executable', { mode: 0o644 });
  const notExec = findElectron({ ELECTRON_OVERRIDE_DIST_PATH: dist }, repo);
  assert.equal(notExec.path, null);
  assert.match(notExec.path === null ? notExec.reason : '', /ELECTRON_OVERRIDE_DIST_PATH is set but .* is not an executable/);
  fs.chmodSync(path.join(dist, 'electron'), 0o755);
  assert.equal(findElectron({ ELECTRON_OVERRIDE_DIST_PATH: dist }, repo).path, path.join(dist, 'electron'));
});

test("without the override, the binary path.txt names under the package's dist/", (t) => {
  const dir = tempDir(t);
  assert.equal(findElectron({}, fakeRepo(path.join(dir, 'a'), 'electron', 'electron')).path, path.join(dir, 'a/repo/node_modules/electron/dist/electron'));
  const named = findElectron({}, fakeRepo(path.join(dir, 'b'), 'electron', null));
  assert.match(named.path === null ? named.reason : '', /path\.txt names electron, but node_modules\/electron\/dist has no such executable/);
  const none = findElectron({}, fakeRepo(path.join(dir, 'c'), null, null));
  assert.match(none.path === null ? none.reason : '', /no Electron binary/);
});
