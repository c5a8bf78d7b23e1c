// Builds the bench page's service worker into bench/page/dist/sw.js: one classic script
// with errand/sw and the baseline's workbox-background-sync inlined (the README's Vite guide, step 2).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { builtPackageAliases } from '../../scripts/built-package.mjs'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  logLevel: 'warn',
  resolve: { alias: builtPackageAliases('The bench service worker') },
  // Library mode keeps `process.env.NODE_ENV` as is; workbox (the baseline) reads it.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: here('dist'),
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    lib: { entry: here('sw.ts'), formats: ['iife'], name: 'errandBenchServiceWorker', fileName: () => 'sw.js' },
  },
})
