// Builds the demo's service worker into demo/dist/sw.js: one classic script with errand/sw
// and its dependencies inlined (the README's Vite guide, step 2).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { builtPackageAliases } from '../scripts/built-package.mjs'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: { alias: builtPackageAliases('The demo service worker') },
  build: {
    outDir: here('dist'),
    emptyOutDir: false, // next to the app's own build
    target: 'es2022',
    lib: { entry: here('sw.ts'), formats: ['iife'], name: 'errandDemoServiceWorker', fileName: () => 'sw.js' },
  },
})
