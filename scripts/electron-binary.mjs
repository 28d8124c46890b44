// Finds an Electron binary WITHOUT triggering the electron package's download: `require('electron')`
// downloads when its binary is missing (it cannot here), so this reads what that package would use,
// without calling it. Shared by `npm start` (scripts/start.mjs) and the desktop e2e test.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** How to provide one, for messages. */
export const ELECTRON_HINT = 'to open it, set ELECTRON_OVERRIDE_DIST_PATH to a folder holding an Electron 45 build';

function executable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The Electron executable to run, the same one the electron package would pick:
 * `$ELECTRON_OVERRIDE_DIST_PATH/<path.txt or "electron">`, else `node_modules/electron/dist/<path.txt>`.
 * Returns `{ path }`, or `{ path: null, reason }` saying what is missing.
 */
export function findElectron(env = process.env, repoRoot = root) {
  const pkg = path.join(repoRoot, 'node_modules/electron');
  let named = null;
  try {
    named = fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim() || null;
  } catch {
    named = null;
  }
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const file = path.resolve(override, named ?? 'electron');
    return executable(file) ? { path: file } : { path: null, reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${file} is not an executable` };
  }
  if (named) {
    const file = path.join(pkg, 'dist', named);
    if (executable(file)) return { path: file };
    return { path: null, reason: `node_modules/electron/path.txt names ${named}, but node_modules/electron/dist has no such executable (its download needs the internet)` };
  }
  return { path: null, reason: 'no Electron binary (the electron package downloads it on first use, which needs the internet)' };
}
