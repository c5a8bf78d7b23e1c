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
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
})
