// The README's service-worker setup under Vite's dev server: the fixture app served from
// source (`vite` dev server, e2e/fixture/vite.config.ts), its service worker registered as a
// module from /sw.ts. A request made while the API server is down completes once it is back.
import { fileURLToPath } from 'node:url'
import { createServer, type ViteDevServer } from 'vite'
import { expect, test, uniqueQueueName } from './helpers'
import { startNetServer, type NetServer } from '../scripts/net-server.mjs'

let dev: ViteDevServer
let api: NetServer
test.beforeAll(async () => {
  dev = await createServer({
    configFile: fileURLToPath(new URL('./fixture/vite.config.ts', import.meta.url)),
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    // Pre-bundled again on every run: Vite keys its cache on the lockfile, not on our dist/, so a
    // cached errand/sw from an earlier build (another schema version) would outlive a rebuild.
    optimizeDeps: { force: true },
    logLevel: 'warn',
  })
  await dev.listen()
  api = await startNetServer()
})
test.afterAll(async () => {
  await api?.close()
  await dev?.close()
})

test('under the Vite dev server the service worker from source sends network jobs', async ({ page }) => {
  test.setTimeout(60_000)
  const origin = dev.resolvedUrls!.local[0]!
  await page.goto(new URL('network.html', origin).href)
  await page.waitForFunction(() => 'errandNet' in window)
  expect(await page.evaluate((queue) => window.errandNet.open({ queue }), uniqueQueueName())).toEqual({ mode: 'sw' })
  await api.stop()
  const { id, sha256 } = await page.evaluate((u) => window.errandNet.request(u, { method: 'POST' }, { kind: 'text', size: 2048, seed: 'dev' }), `${api.url}/dev`)
  await api.start()
  await page.evaluate(() => window.errandNet.replay())
  expect(await page.evaluate((jobId) => window.errandNet.result(jobId), id)).toMatchObject({ status: 201 })
  expect(api.received.find((r) => r.status === 201)).toMatchObject({ sha256: sha256[0], authorization: 'Bearer e2e-secret-token' })
})
