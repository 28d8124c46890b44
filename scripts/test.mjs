// `npm test`: typecheck every project, lint (import boundaries included), build the bundles the
// cross-process tests run, then every *.test.ts with node's test runner.
// `npm test -- unit` runs only the tests beside the code; `npm test -- integration` only test/;
// `npm test -- --fast` skips typecheck and lint; any other argument filters test files by substring.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const filters = args.filter((a) => !a.startsWith('--'));

function step(name, cmd, cmdArgs) {
  const t0 = performance.now();
  process.stderr.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  process.stderr.write(`== ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function findTests(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name === 'build' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findTests(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out;
}

const npx = path.join(root, 'node_modules/.bin');
if (!fast) {
  step('typecheck', path.join(npx, 'tsc'), ['-b']);
  step('lint', path.join(npx, 'eslint'), ['--max-warnings', '0', '.']);
}
step('build', process.execPath, [path.join(root, 'scripts/build.mjs')]);

let files = [...findTests(path.join(root, 'shared')), ...findTests(path.join(root, 'apps')), ...findTests(path.join(root, 'scripts')), ...findTests(path.join(root, 'test'))].sort();
if (filters.includes('unit')) files = files.filter((f) => !f.startsWith('test/'));
else if (filters.includes('integration')) files = files.filter((f) => f.startsWith('test/'));
const substrings = filters.filter((f) => f !== 'unit' && f !== 'integration');
if (substrings.length > 0) files = files.filter((f) => substrings.some((s) => f.includes(s)));
if (files.length === 0) {
  process.stderr.write('no test files matched\n');
  process.exit(1);
}
fs.mkdirSync(path.join(root, 'test/artifacts'), { recursive: true });
step(`tests (${files.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files]);
