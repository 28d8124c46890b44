#!/usr/bin/env node
// Runs the bundled collector (one file, built by `npm run build`).
import { existsSync } from 'node:fs';
const bundle = new URL('../dist/cerebro-collector.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('cerebro-collector: the bundle is not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
await import(bundle.href);
