/**
 * apps/desktop/electron.vite.config.ts builds, offline and without an Electron binary, the same layout
 * scripts/build.mjs writes (main ESM, sandbox-ready CommonJS preload, renderer), so development with
 * `electron-vite dev` and packaging machines get the app the tests check. Built into a temp folder: the
 * repository's dist/ stays scripts/build.mjs's.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, tempDir } from '../helpers/cerebro';

test('electron-vite builds main, preload and renderer from its config, offline', { timeout: 120_000 }, (t) => {
  const out = tempDir(t, 'cerebro-evite-');
  const cli = path.join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js');
  const r = spawnSync(process.execPath, [cli, 'build', '-c', 'apps/desktop/electron.vite.config.ts', '--outDir', out, '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8', timeout: 100_000 });
  assert.equal(r.status, 0, `electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
  for (const file of ['main/index.js', 'preload/index.cjs', 'renderer/index.html']) assert.ok(fs.existsSync(path.join(out, file)), `${file} built`);
  const preload = fs.readFileSync(path.join(out, 'preload/index.cjs'), 'utf8');
  assert.deepEqual([...new Set([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]))], ['electron/renderer'], 'the preload needs nothing a sandbox lacks');
  assert.match(fs.readFileSync(path.join(out, 'main/index.js'), 'utf8'), /from ["']electron["']/, 'main is an ES module importing electron');
});
