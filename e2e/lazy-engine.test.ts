// The part of errand that runs jobs (scheduler, worker pool) is a chunk of its own, which a page
// loads when it takes the lead. A page that cannot load it (a deploy removed the file, the
// network failed) says so and lets another tab lead, which runs the jobs.
import { expect, openFixture, test, uniqueQueueName } from './helpers'

test('a page that cannot load the engine chunk reports NETWORK and lets another tab lead, which runs its jobs', async ({ context }) => {
  const queue = uniqueQueueName()
  const blocked = await context.newPage()
  let refused = 0
  await blocked.route(/\/engine-[^/]*\.js$/, (route) => {
    refused++
    return route.abort('failed')
  })
  await openFixture(blocked, { queue, concurrency: 1 })
  const id = await blocked.evaluate(() => window.errandTest.add('double', { n: 21 }))
  await expect
    .poll(() => blocked.evaluate(() => window.errandTest.events({ type: 'error' }).map((e) => e.error)))
    .toEqual([expect.objectContaining({ name: 'ErrandError', code: 'NETWORK', message: expect.stringContaining("Could not load errand's engine") })])
  expect(refused, 'the page asked for the engine chunk').toBeGreaterThan(0)
  expect(await blocked.evaluate((jobId) => window.errandTest.get(jobId), id)).toMatchObject({ state: 'queued' })

  // It let go of the lead: a page that loads the chunk takes it and runs the job, and the first page hears of it.
  const other = await context.newPage()
  await openFixture(other, { queue, concurrency: 1 })
  await expect(blocked.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)).resolves.toMatchObject({ job: { id, result: { doubled: 42 } } })
})
