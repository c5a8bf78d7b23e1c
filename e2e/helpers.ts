// Shared by the e2e tests: the fixture app's origin, opening it in a page, and a guard
// that fails a test when a page threw an uncaught error.
import { writeFile } from 'node:fs/promises'
import { test as base, expect, type Page } from '@playwright/test'
import type { LedgerRecord } from './fixture/ledger-record'
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

/**
 * `test` with a browser of its own per test, launched for it and closed after it, instead of
 * the worker's shared one: for tests that crash renderers (CDP Page.crash) or stop service
 * workers (CDP ServiceWorker.stopWorker). In two full `npm test` runs Chromium died at a
 * service worker stop in a browser whose renderers an earlier file had crashed; alone, the
 * same tests never failed.
 */
export const isolatedTest = test.extend({
  // Launched as the shared one is (playwright.config.ts: the project's browser and flags).
  context: async ({ playwright, browserName, launchOptions, headless, baseURL }, use) => {
    const browser = await playwright[browserName].launch({ ...launchOptions, headless })
    try {
      await use(await browser.newContext(baseURL ? { baseURL } : {}))
    } finally {
      await browser.close()
    }
  },
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

/** Every execution of the fixture's `task` handler on `queue` so far, from the test server's ledger (e2e/ledger.ts). */
export async function readLedger(baseURL: string, queue: string): Promise<LedgerRecord[]> {
  const response = await fetch(`${baseURL}/ledger?queue=${encodeURIComponent(queue)}`)
  if (!response.ok) throw new Error(`GET /ledger answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { records: LedgerRecord[] }).records
}

/** Ledger records grouped by job id. */
export function executionsByJob(records: readonly LedgerRecord[]): Map<string, LedgerRecord[]> {
  const byJob = new Map<string, LedgerRecord[]>()
  for (const record of records) {
    const list = byJob.get(record.jobId)
    if (list) list.push(record)
    else byJob.set(record.jobId, [record])
  }
  return byJob
}

/**
 * Pairs of executions of one job that ran at the same time. An execution without `endedAt`
 * (its page or worker died) counts as the instant it started: when it stopped is unknown,
 * and "it was running when it started" is all the ledger can prove.
 */
export function overlappingExecutions(records: readonly LedgerRecord[]): [LedgerRecord, LedgerRecord][] {
  const overlaps: [LedgerRecord, LedgerRecord][] = []
  for (const runs of executionsByJob(records).values()) {
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        const a = runs[i]!
        const b = runs[j]!
        const aEnd = a.endedAt ?? a.startedAt
        const bEnd = b.endedAt ?? b.startedAt
        // Open intervals: touching ends (the same millisecond) are not "at once".
        if (a.startedAt < bEnd && b.startedAt < aEnd) overlaps.push([a, b])
      }
    }
  }
  return overlaps
}

/** A small seeded PRNG (mulberry32): the same seed gives the same fault schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** The seed of a randomised test: $ERRAND_E2E_SEED to replay one, else a fresh one. */
export function testSeed(): number {
  const given = process.env.ERRAND_E2E_SEED
  if (given !== undefined && given !== '') {
    const seed = Number(given)
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`ERRAND_E2E_SEED must be a non-negative integer, got ${given}.`)
    return seed
  }
  return Math.floor(Math.random() * 2 ** 31)
}
