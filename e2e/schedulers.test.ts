// Two schedulers on one database at once: pages without Web Locks (deleted before any
// script runs) cannot elect a leader, so each schedules. Claims are single readwrite
// transactions, so no job may be claimed twice: with nothing crashing, the test server's
// ledger must show every job executed exactly once.
import { executionsByJob, expect, openFixture, readLedger, test, uniqueQueueName } from './helpers'

const JOBS = 200

test('two pages without Web Locks both schedule on one database and never run a job twice', async ({ context, baseURL }) => {
  test.setTimeout(120_000)
  await context.addInitScript(() => {
    delete (Navigator.prototype as { locks?: unknown }).locks
  })
  const queue = uniqueQueueName()
  const open = async (tab: string) => {
    const page = await context.newPage()
    await openFixture(page, { queue, concurrency: 2, tab })
    expect(await page.evaluate(() => ({ locks: typeof navigator.locks, inNavigator: 'locks' in navigator })), `${tab} has no Web Locks`).toEqual({ locks: 'undefined', inNavigator: false })
    return page
  }
  const pages = { P: await open('P'), Q: await open('Q') }

  // Both pages add at the same time, in batches, so both schedulers claim from the start.
  const add = async (page: (typeof pages)['P'], first: number) => {
    const ids: string[] = []
    for (let batch = 0; batch < JOBS / 2 / 10; batch++) {
      const payloads = Array.from({ length: 10 }, (_, i) => ({ n: first + batch * 10 + i, ms: 5 + ((first + batch * 10 + i) * 7) % 26 }))
      ids.push(...(await page.evaluate((p) => window.errandTest.addMany('task', p), payloads)))
    }
    return ids
  }
  const ids = (await Promise.all([add(pages.P, 0), add(pages.Q, JOBS / 2)])).flat()
  expect(new Set(ids).size).toBe(JOBS)

  for (const page of [pages.P, pages.Q]) {
    await expect
      .poll(() => page.evaluate(() => window.errandTest.counts()), { timeout: 60_000, message: 'every job completes' })
      .toMatchObject({ completed: JOBS, queued: 0, delayed: 0, running: 0, failed: 0 })
  }
  const jobs = await pages.P.evaluate(() => window.errandTest.all())
  const ledger = await readLedger(baseURL!, queue)
  const runs = executionsByJob(ledger)
  const perTab = { P: ledger.filter((e) => e.tab === 'P').length, Q: ledger.filter((e) => e.tab === 'Q').length }
  test.info().annotations.push({ type: 'executions', description: `${ledger.length} executions of ${JOBS} jobs: ${perTab.P} in P, ${perTab.Q} in Q` })

  // Both really scheduled (else this proved nothing about two schedulers).
  expect(perTab.P, 'jobs run by P').toBeGreaterThan(0)
  expect(perTab.Q, 'jobs run by Q').toBeGreaterThan(0)
  // Each job claimed once, executed once, by the page that recorded its result.
  expect(ledger).toHaveLength(JOBS)
  expect(jobs).toHaveLength(JOBS)
  for (const job of jobs) {
    const executions = runs.get(job.id) ?? []
    const label = `job ${job.id}: ${JSON.stringify(executions)}`
    expect(executions, label).toHaveLength(1)
    const result = job.result as { run: string; attempt: number; tab: string }
    expect(executions[0], label).toMatchObject({ run: result.run, tab: result.tab, attempt: 1, endedAt: expect.any(Number) })
    expect(job, label).toMatchObject({ state: 'completed', attempt: 1, stalls: 0, errors: [] })
  }
})
