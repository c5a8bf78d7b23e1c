// Builds the benchmark page into bench/page/dist (`npm run bench` does it).
// `errand` and `errand/worker` resolve to the BUILT package in <repo>/dist, not to src/,
// so the figures are those of what `npm publish` would ship.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { builtPackageAliases } from '../../scripts/built-package.mjs'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    alias: builtPackageAliases('The bench page'),
  },
  worker: { format: 'es' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    // Minified like an app's production build: the figures are for what users ship.
    minify: true,
    sourcemap: false,
  },
})
