/**
 * electron-builder.yml, validated without electron-builder: it cannot be installed or run here (it
 * downloads Electron and its packaging tools at build time, and this machine reaches no network but the
 * npm registry; see README "Desktop app"). Parsed with `yaml`, it must name the app, target an AppImage
 * and a .deb, point at folders that exist, and ship files that the build produced, including the entry
 * that apps/desktop/package.json names.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cerebro';

interface BuilderConfig {
  appId?: unknown;
  productName?: unknown;
  electronVersion?: unknown;
  directories?: { app?: unknown; output?: unknown; buildResources?: unknown };
  files?: unknown;
  asar?: unknown;
  linux?: { target?: unknown; category?: unknown; maintainer?: unknown };
  deb?: { depends?: unknown };
}

const config = parse(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

function ensureBuilt(): void {
  if (fs.existsSync(path.join(ROOT, 'apps/desktop/dist/main/index.js')) && fs.existsSync(path.join(ROOT, 'apps/desktop/dist/renderer/index.html'))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

/** Files under `dir`, relative, with forward slashes. */
function walk(dir: string, base = dir, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, base, out);
    else out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

/** The glob subset the config uses: `**` (any depth), `*` (within a name), literal paths. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('**')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

test('electron-builder.yml names the app and targets AppImage and deb on Linux', () => {
  assert.match(String(config.appId), /^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*){2,}$/, 'appId is reverse-DNS');
  assert.equal(config.productName, 'CEREBRO');
  const targets = (config.linux?.target as unknown[] | undefined)?.map((t) => (typeof t === 'string' ? t : (t as { target?: string }).target));
  assert.deepEqual(targets?.slice().sort(), ['AppImage', 'deb']);
  assert.equal(typeof config.linux?.category, 'string');
  assert.match(String(config.linux?.maintainer), /<.+@.+>/, 'a .deb needs a maintainer with an address');
  assert.ok(Array.isArray(config.deb?.depends) && config.deb.depends.length > 0);
  assert.equal(config.asar, true, 'the app ships in an asar archive');
  const require = createRequire(import.meta.url);
  assert.equal(config.electronVersion, (require('electron/package.json') as { version: string }).version, 'packaged with the Electron the app is tested with');
});

test('its directories exist and the output stays out of the sources', () => {
  const app = path.join(ROOT, String(config.directories?.app));
  assert.ok(fs.existsSync(path.join(app, 'package.json')), `directories.app (${app}) holds a package.json`);
  assert.ok(fs.statSync(path.join(ROOT, String(config.directories?.buildResources))).isDirectory(), 'directories.buildResources exists');
  const output = String(config.directories?.output);
  assert.ok(!path.isAbsolute(output) && !output.startsWith('..'), 'output is inside the repository');
  assert.ok(!output.startsWith('apps/') && !output.startsWith('shared/') && !output.startsWith(String(config.directories?.app)), 'output is not inside the app or the sources it packs');
  const ignore = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8');
  assert.ok(ignore.split('\n').some((l) => l.trim().replace(/^\//, '').replace(/\/$/, '') === output.split('/')[0]), `${output} is git-ignored`);
});

test('after a build every file pattern matches, and the entry, preload, renderer and core are shipped', () => {
  ensureBuilt();
  const app = path.join(ROOT, String(config.directories?.app));
  const files = config.files as string[];
  assert.ok(Array.isArray(files) && files.every((f) => typeof f === 'string'));
  const present = walk(app).filter((f) => !f.startsWith('node_modules/'));
  const include = files.filter((f) => !f.startsWith('!')).map((f) => ({ glob: f, re: globToRegExp(f) }));
  const exclude = files.filter((f) => f.startsWith('!')).map((f) => globToRegExp(f.slice(1)));
  for (const { glob, re } of include) assert.ok(present.some((f) => re.test(f)), `files: "${glob}" matches nothing in ${config.directories?.app} after the build`);
  const shipped = present.filter((f) => include.some(({ re }) => re.test(f)) && !exclude.some((re) => re.test(f)));

  const entry = (JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as { main?: string }).main;
  assert.ok(entry, 'apps/desktop/package.json names the main entry');
  for (const needed of [entry, 'dist/preload/index.cjs', 'dist/renderer/index.html', 'dist/cerebro-core-host.mjs', 'package.json']) {
    assert.ok(shipped.includes(needed), `${needed} is shipped`);
  }
  assert.ok(shipped.some((f) => /^dist\/renderer\/assets\/.+\.js$/.test(f)), 'the renderer bundle is shipped');
  assert.deepEqual(shipped.filter((f) => f.endsWith('.map') || f.startsWith('src/')), [], 'no sources or source maps');
});
