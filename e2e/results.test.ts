// Results outlive the page that ran the job: BroadcastChannel carries events to the other
// tabs, and the store (the truth) gives the outcome to a page opened later.
import { expect, openFixture, test, uniqueQueueName } from './helpers'

test('a job completed on one page is seen completed, with its result, by a page opened afterwards', async ({ context }) => {
  const queue = uniqueQueueName()
  const first = await context.newPage()
  await openFixture(first, { queue })
  const id = await first.evaluate(() => window.errandTest.add('double', { n: 21 }))
  expect(await first.evaluate((jobId) => window.errandTest.result(jobId), id)).toEqual({ doubled: 42 })
  await first.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)
  await first.close()

  // This page has no worker: it only watches, it can never run the job itself.
  const later = await context.newPage()
  await openFixture(later, { queue, worker: false })
  const stored = await later.evaluate((jobId) => window.errandTest.get(jobId), id)
  expect(stored).toMatchObject({ id, name: 'double', state: 'completed', attempt: 1, stalls: 0, errors: [], result: { doubled: 42 } })
  expect(await later.evaluate((jobId) => window.errandTest.result(jobId), id)).toEqual({ doubled: 42 })
  expect(await later.evaluate(() => window.errandTest.counts())).toMatchObject({ completed: 1, queued: 0, running: 0 })
})

test('a job added in one tab runs once and its completed callback fires in every open tab', async ({ context }) => {
  const queue = uniqueQueueName()
  const first = await context.newPage()
  await openFixture(first, { queue })
  // Opened second, same options: it waits for the lock while the first tab leads.
  const second = await context.newPage()
  await openFixture(second, { queue })

  const id = await second.evaluate(() => window.errandTest.add('double', { n: 5 }))
  for (const page of [second, first]) {
    const completed = await page.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)
    expect(completed.job).toMatchObject({ id, state: 'completed', attempt: 1, result: { doubled: 10 } })
    // One run, announced to both tabs (locally in the leader, over BroadcastChannel in the other).
    expect(await page.evaluate((jobId) => window.errandTest.events({ type: 'started', jobId }).length, id)).toBe(1)
    expect(await page.evaluate((jobId) => window.errandTest.result(jobId), id)).toEqual({ doubled: 10 })
  }
})

test('a page opened after a job completed gets the queue.on("completed") callback for it', async ({ context }) => {
  // Known gap: DESIGN.md promises `queue.on('completed')` for "any job, any tab, also those
  // finished while no page was open", but src/client/bus.ts only delivers live events and
  // nothing replays finished jobs to a page that opens later. Remove test.fail() once it does.
  test.fail()
  const queue = uniqueQueueName()
  const first = await context.newPage()
  await openFixture(first, { queue })
  const id = await first.evaluate(() => window.errandTest.add('double', { n: 1 }))
  await first.evaluate((jobId) => window.errandTest.result(jobId), id)
  await first.close()

  const later = await context.newPage()
  await openFixture(later, { queue })
  await expect
    .poll(() => later.evaluate((jobId) => window.errandTest.events({ type: 'completed', jobId }).length, id), { timeout: 3_000 })
    .toBe(1)
})
