import { createServer } from 'node:net'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'
import { CHROMIUM_ARGS, chromiumPath } from './scripts/chromium.mjs'

const browserProject = process.argv.some((arg) => arg.includes('browser')) || !process.argv.includes('--project')

/** A free port on 127.0.0.1, picked now, for the browser tests' server. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

const browserPort = browserProject ? await freePort() : undefined

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: { index: 'src/index.ts', worker: 'src/worker.ts', sw: 'src/sw.ts', testing: 'src/testing.ts', dashboard: 'src/dashboard.ts' },
      formats: ['es'],
    },
  },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // A loaded 2-core machine (the browser and e2e suites run side by side) can take
          // longer than the 1 s default to show what the test waits for.
          expect: { poll: { timeout: 5_000 } },
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            // Resolved lazily: `vitest --project unit` must not need a browser.
            provider: playwright({ launchOptions: browserProject ? { executablePath: chromiumPath(), args: CHROMIUM_ARGS } : {} }),
            instances: [{ browser: 'chromium' }],
            api: { host: '127.0.0.1', ...(browserPort ? { port: browserPort } : {}), strictPort: false },
          },
        },
      },
    ],
  },
})
