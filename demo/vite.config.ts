// The demo imports errand exactly as an app would; here 'errand' resolves to this repo's build.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url))

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^errand\/worker$/, replacement: dist('worker.js') },
      { find: /^errand$/, replacement: dist('index.js') },
    ],
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
})
