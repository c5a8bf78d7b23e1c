// The demo's e2e tests: each test gets its own demo server (the real one, `startDemoServer`
// from demo/server/server.mjs) on a random port with a fresh upload folder, serving the
// BUILT demo (`npm run build:demo`) under its Content-Security-Policy. A test fails if a page
// threw, or if the browser reported any CSP violation.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as base, expect, type Page } from '@playwright/test'
import { startDemoServer, type DemoServer } from '../../demo/server/server.mjs'

export { expect }

const ROOT = fileURLToPath(new URL('../../demo/dist', import.meta.url))

export const test = base.extend<{ demo: DemoServer; guard: void }>({
  demo: async ({}, use) => {
    if (!existsSync(join(ROOT, 'sw.js'))) throw new Error(`The demo is not built (no ${ROOT}/sw.js). Run \`npm run build && npm run build:demo\` first, or \`npm run test:e2e\`.`)
    const uploadsDir = await mkdtemp(join(tmpdir(), 'errand-demo-e2e-'))
    const server = await startDemoServer({ root: ROOT, uploadsDir })
    await use(server)
    await server.close()
    await rm(uploadsDir, { recursive: true, force: true })
  },
  baseURL: async ({ demo }, use) => use(demo.url),
  guard: [
    async ({ context }, use) => {
      const errors: string[] = []
      const watch = (page: Page): void => {
        page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.stack ?? error.message}`))
        page.on('console', (message) => {
          if (/Content.Security.Policy/i.test(message.text())) errors.push(`CSP: ${message.text()}`)
        })
      }
      context.pages().forEach(watch)
      context.on('page', watch)
      // Init scripts come from the browser's debugger protocol, not the page: the CSP does not apply to them.
      await context.addInitScript(() => {
        addEventListener('securitypolicyviolation', (event) => console.error(`Content-Security-Policy violation: ${event.violatedDirective} ${event.blockedURI}`))
      })
      await use()
      expect(errors, 'uncaught errors or CSP violations in the demo pages').toEqual([])
    },
    { auto: true },
  ],
})

/** Opens the demo and waits until its service worker controls the page (uploads go through it). */
export async function openDemo(page: Page): Promise<void> {
  const response = await page.goto('/')
  expect(response?.headers()['content-security-policy']).toBe("default-src 'self'; script-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'")
  await expect(page.locator('#mode')).toHaveAttribute('data-mode', 'sw', { timeout: 15_000 })
}
