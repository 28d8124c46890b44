/**
 * electron-vite configuration (main, preload, renderer) for development with an Electron binary
 * (`npx electron-vite dev -c apps/desktop/electron.vite.config.ts`, hot reload) and for packaging
 * machines. It writes the same layout as scripts/build.mjs (dist/main/index.js, dist/preload/index.cjs,
 * dist/renderer), so electron-builder.yml fits either. `npm run build` does not use it: esbuild builds
 * main and preload there (two small files, offline, no Electron binary needed), and builds the core's
 * utility-process entry, which this config leaves to it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import renderer from './vite.renderer.config';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: path.join(here, 'dist/main'),
      // Bundled like scripts/build.mjs does (ws, shared): the packaged main needs no node_modules.
      externalizeDeps: false,
      lib: { entry: path.join(here, 'src/main/index.ts'), formats: ['es'], fileName: () => 'index.js' },
      rollupOptions: { external: ['electron', 'bufferutil', 'utf-8-validate'] },
      sourcemap: true,
    },
  },
  preload: {
    build: {
      outDir: path.join(here, 'dist/preload'),
      // Sandboxed preloads cannot load node_modules: everything (shared/) is bundled into one CommonJS file.
      externalizeDeps: false,
      lib: { entry: path.join(here, 'src/preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
      rollupOptions: { external: ['electron/renderer'] },
      sourcemap: true,
    },
  },
  // The renderer is the same Vite build as browser mode's; electron-vite wants its entry named.
  renderer: { ...renderer, build: { ...renderer.build, rollupOptions: { input: path.join(here, 'src/renderer/index.html') } } },
});
