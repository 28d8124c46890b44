// Bundles the collector into one self-contained file, the console core's CLI, the desktop shell (Electron
// main, preload, and the core's utility-process entry), and the renderer (Vite,
// apps/desktop/vite.renderer.config.ts) that the core serves in browser mode and the shell loads (npm run build).
// Main and preload are built with esbuild here, not electron-vite: they are two small files, this stays
// offline and needs no Electron binary; apps/desktop/electron.vite.config.ts builds the same for packaging.
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// CommonJS dependencies call require(); an ESM bundle needs one.
const banner = { js: "import { createRequire as __cerebroCreateRequire } from 'node:module'; const require = __cerebroCreateRequire(import.meta.url);" };
const started = performance.now();

/**
 * The collector encodes far more than it decodes, and msgpackr's native string extractor (msgpackr-extract)
 * only speeds up decoding while adding ~6 MB of RSS: stub it so msgpackr takes its pure-JS path.
 */
const noNativeMsgpackExtract = {
  name: 'no-native-msgpack-extract',
  setup(b) {
    b.onResolve({ filter: /^msgpackr-extract$/ }, () => ({ path: 'msgpackr-extract', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: "throw new Error('msgpackr-extract is not used by the collector');", loader: 'js' }));
  },
};

/** Leaves npm dependencies external but bundles the workspace's own TypeScript (@cerebro/*). */
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@cerebro/') ? undefined : { path: args.path, external: true }));
  },
};

const desktop = path.join(root, 'apps/desktop');

/** An ESM bundle for Node (collector, console CLI, core host, Electron main): the options they share. */
function nodeBundle(entry, outfile, extra) {
  return build({
    entryPoints: [path.join(root, entry)],
    outfile: path.join(root, outfile),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner,
    sourcemap: 'linked',
    logLevel: 'warning',
    ...extra,
  });
}

await Promise.all([
  // The collector ships as one file: every dependency is bundled; ws's optional native accelerators stay
  // external and fall back to their pure-JS paths when absent (bufferutil, utf-8-validate).
  nodeBundle('apps/collector/src/cli.ts', 'apps/collector/dist/cerebro-collector.mjs', {
    // @lydell/node-pty is native: the pty host child (terminals) loads it from node_modules beside the bundle.
    external: ['bufferutil', 'utf-8-validate', 'osx-temperature-sensor', '@lydell/node-pty'],
    plugins: [noNativeMsgpackExtract],
    // Minified: the daemon keeps its source text in memory for lazy compilation (~1 MB unminified).
    minify: true,
    legalComments: 'none',
  }),
  // The console runs beside its node_modules (native lmdb), so packages stay external.
  nodeBundle('apps/desktop/src/core/cli.ts', 'apps/desktop/dist/cerebro-console.mjs', { plugins: [externalDependencies] }),
  // The core as Electron's main process starts it (utilityProcess.fork): like the CLI, beside node_modules.
  nodeBundle('apps/desktop/src/core/host.ts', 'apps/desktop/dist/cerebro-core-host.mjs', { plugins: [externalDependencies] }),
  // The model host's worker thread (node-llama-cpp), started from beside the two bundles above.
  nodeBundle('apps/desktop/src/core/models/worker.ts', 'apps/desktop/dist/cerebro-model-worker.mjs', { plugins: [externalDependencies] }),
  // Electron main (ESM: apps/desktop is "type": "module"). Its few dependencies (ws) are bundled so the
  // packaged app needs no node_modules for main; 'electron' is provided by the runtime.
  nodeBundle('apps/desktop/src/main/index.ts', 'apps/desktop/dist/main/index.js', { target: 'node22', external: ['electron', 'bufferutil', 'utf-8-validate'] }),
  // The preload runs sandboxed: one CommonJS file (sandboxed preloads cannot be ES modules), no Node;
  // its require() provides 'electron/renderer' (and 'electron'), nothing from node_modules.
  build({
    entryPoints: [path.join(desktop, 'src/preload/index.ts')],
    outfile: path.join(desktop, 'dist/preload/index.cjs'),
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'cjs',
    external: ['electron/renderer'],
    sourcemap: 'linked',
    logLevel: 'warning',
  }),
]);
const bundled = performance.now();
// After esbuild: the renderer is the slow part and nothing above depends on it.
await viteBuild({ configFile: path.join(root, 'apps/desktop/vite.renderer.config.ts'), logLevel: 'warn' });
const done = performance.now();
process.stderr.write(`built collector, console and desktop shell in ${Math.round(bundled - started)} ms, renderer in ${Math.round(done - bundled)} ms\n`);
