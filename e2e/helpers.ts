// Shared by the e2e tests: the fixture app's origin, opening it in a page, and a guard
// that fails a test when a page threw an uncaught error.
import { writeFile } from 'node:fs/promises'
import { test as base, expect, type Page } from '@playwright/test'
import type { OpenOptions } from './fixture/test-api'

export { expect }

export const test = base.extend<{ pageErrors: string[]; snapshotOnFailure: void }>({
  // The global setup starts the server and publishes its origin here.
  baseURL: async ({}, use) => {
    const url = process.env.ERRAND_E2E_URL
    if (!url) throw new Error('ERRAND_E2E_URL is not set: run the e2e tests with `npx playwright test`, whose global setup starts the fixture server.')
    await use(url)
  },
  // Every page of the test's context reports here; the test fails if any page threw.
  pageErrors: [
    async ({ context }, use) => {
      const errors: string[] = []
      const watch = (page: Page) => page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.stack ?? error.message}`))
      context.pages().forEach(watch)
      context.on('page', watch)
      await use(errors)
      expect(errors, 'uncaught errors in the fixture pages').toEqual([])
    },
    { auto: true },
  ],
  // When a test fails, attach what every page saw (events, stored jobs, Web Locks) to its report.
  snapshotOnFailure: [
    async ({ context }, use, testInfo) => {
      await use()
      if (testInfo.status === testInfo.expectedStatus) return
      for (const [i, page] of context.pages().entries()) {
        const snapshot = await Promise.race([
          page.evaluate((): Promise<unknown> => ('errandTest' in window ? window.errandTest.snapshot() : Promise.resolve('fixture page not loaded'))),
          new Promise<string>((resolve) => setTimeout(() => resolve('page did not answer within 5 s'), 5_000)),
        ]).catch((error: unknown) => `page could not be read: ${String(error)}`)
        const path = testInfo.outputPath(`page-${i}-snapshot.json`)
        await writeFile(path, JSON.stringify(snapshot, null, 2))
        await testInfo.attach(`page-${i}-snapshot.json`, { path, contentType: 'application/json' })
      }
    },
    { auto: true },
  ],
})

/** A queue name of its own per test, so no two tests ever share a database or lock. */
export function uniqueQueueName(): string {
  return `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** Loads the fixture page (unless it is already loaded) and opens the queue in it. */
export async function openFixture(page: Page, options: OpenOptions, { navigate = true } = {}): Promise<void> {
  if (navigate) await page.goto('/')
  await page.waitForFunction(() => 'errandTest' in window)
  await page.evaluate((o) => window.errandTest.open(o), options)
}
