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

test('a page opened after a job completed gets the queue.on("completed") callback no page had delivered', async ({ context }) => {
  const queue = uniqueQueueName()
  // The page that runs the job listens to no outcome: nobody sees the completion live.
  const first = await context.newPage()
  await openFixture(first, { queue, listen: ['started'] })
  const id = await first.evaluate(() => window.errandTest.add('double', { n: 1 }))
  expect(await first.evaluate((jobId) => window.errandTest.result(jobId), id)).toEqual({ doubled: 2 })
  await first.close()

  const later = await context.newPage()
  await openFixture(later, { queue, worker: false })
  const replayed = await later.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)
  expect(replayed.job).toMatchObject({ id, state: 'completed', result: { doubled: 2 } })
  await later.close()

  // Delivered once: the page after that gets no callback for it.
  const third = await context.newPage()
  await openFixture(third, { queue, worker: false })
  await third.waitForTimeout(300)
  expect(await third.evaluate((jobId) => window.errandTest.events({ type: 'completed', jobId }), id)).toEqual([])
})

test('an outcome another open tab delivered live is not replayed to a page opened later', async ({ context }) => {
  const queue = uniqueQueueName()
  const leader = await context.newPage()
  await openFixture(leader, { queue, listen: ['started'] })
  const watcher = await context.newPage()
  await openFixture(watcher, { queue, worker: false })
  const id = await leader.evaluate(() => window.errandTest.add('double', { n: 3 }))
  await watcher.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)
  await leader.close()
  await watcher.waitForTimeout(200) // the watcher's acknowledgement is written in the background
  await watcher.close()

  const later = await context.newPage()
  await openFixture(later, { queue, worker: false })
  await later.waitForTimeout(300)
  expect(await later.evaluate((jobId) => window.errandTest.events({ type: 'completed', jobId }), id)).toEqual([])
})
