// Bundles the collector into one self-contained file and the console core's CLI (npm run build).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// CommonJS dependencies call require(); an ESM bundle needs one.
const banner = { js: "import { createRequire as __cerebroCreateRequire } from 'node:module'; const require = __cerebroCreateRequire(import.meta.url);" };
const started = performance.now();

/** Leaves npm dependencies external but bundles the workspace's own TypeScript (@cerebro/*). */
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@cerebro/') ? undefined : { path: args.path, external: true }));
  },
};

await Promise.all([
  // The collector ships as one file: every dependency is bundled; optional native accelerators stay
  // external and fall back to their pure-JS paths when absent (msgpackr-extract, ws's bufferutil).
  build({
    entryPoints: [path.join(root, 'apps/collector/src/cli.ts')],
    outfile: path.join(root, 'apps/collector/dist/cerebro-collector.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner,
    external: ['msgpackr-extract', 'bufferutil', 'utf-8-validate', 'osx-temperature-sensor'],
    sourcemap: 'linked',
    logLevel: 'warning',
  }),
  // The console runs beside its node_modules (native lmdb), so packages stay external.
  build({
    entryPoints: [path.join(root, 'apps/desktop/src/core/cli.ts')],
    outfile: path.join(root, 'apps/desktop/dist/cerebro-console.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner,
    plugins: [externalDependencies],
    sourcemap: 'linked',
    logLevel: 'warning',
  }),
]);
process.stderr.write(`built collector and console in ${Math.round(performance.now() - started)} ms\n`);
