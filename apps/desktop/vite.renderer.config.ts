/**
 * Vite build of the renderer (browser mode now, the Electron window later): relative asset paths so the
 * files work from any folder, no module-preload polyfill (it would fetch() at run time), everything
 * bundled locally: the UI must work with no network at all.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: path.join(here, 'src/renderer'),
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  clearScreen: false,
  publicDir: false,
  build: {
    outDir: path.join(here, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    modulePreload: { polyfill: false },
    // Small images stay files: the CSP allows data: images, but nothing needs inlining.
    assetsInlineLimit: 0,
    sourcemap: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
});
