// The demo imports errand exactly as an app would; here 'errand' resolves to this repo's build.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { builtPackageAliases } from '../scripts/built-package.mjs'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: builtPackageAliases('The demo'),
  },
  worker: { format: 'es' },
  // The dev server pre-bundles errand/sw for the service worker (sw.ts), which no page imports.
  optimizeDeps: { include: ['errand/sw'] },
  // shell.json: the list of built files, which the service worker caches so the demo also loads offline.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', manifest: 'shell.json' },
})
