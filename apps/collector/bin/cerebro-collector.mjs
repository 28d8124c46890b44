#!/usr/bin/env node
// Runs the bundled collector (one file, built by `npm run build`).
import { existsSync } from 'node:fs';
import v8 from 'node:v8';

// The daemon wakes once a second for under a millisecond of JavaScript: V8's optimising compiler costs more
// than it saves there. Measured side by side (docs/benchmarks.md, collector): without it the daemon uses
// ~7 % less CPU and ~6 MB less RSS. Set before the bundle is loaded, so nothing has been optimised yet.
v8.setFlagsFromString('--no-opt');

const bundle = new URL('../dist/cerebro-collector.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('cerebro-collector: the bundle is not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
await import(bundle.href);
