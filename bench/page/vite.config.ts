// Builds the benchmark page into bench/page/dist (`npm run bench` does it).
// `errand` and `errand/worker` resolve to the BUILT package in <repo>/dist, not to src/,
// so the figures are those of what `npm publish` would ship.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

const ENTRIES = {
  errand: here('../../dist/index.js'),
  'errand/worker': here('../../dist/worker.js'),
}

for (const [specifier, file] of Object.entries(ENTRIES)) {
  if (!existsSync(file)) throw new Error(`The bench page imports '${specifier}' from ${file}, which does not exist. Run \`npm run build\` first (npm run bench does).`)
}

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    // Exact matches only: 'errand/worker' must not become '<dist/index.js>/worker'.
    alias: Object.entries(ENTRIES).map(([specifier, file]) => ({ find: new RegExp(`^${specifier.replace('/', '\\/')}$`), replacement: file })),
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
