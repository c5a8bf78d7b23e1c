// A reload in the middle of a job: the lock is released, the reloaded page leads, finds
// the job still `running` under the old owner, treats it as stalled and runs it again.
import { expect, openFixture, test, uniqueQueueName } from './helpers'

test('a job interrupted by a reload runs again and completes on the reloaded page', async ({ page }) => {
  const queue = uniqueQueueName()
  await openFixture(page, { queue, concurrency: 1 })

  // About 1.5 s of work; the first attempt is made to outlast the reload, so the reload
  // always lands mid-run (no race against a slow machine).
  const id = await page.evaluate(() => window.errandTest.add('crunch', { ms: 1500, firstAttemptMs: 10 * 60_000 }))
  // Progress comes from the handler itself: the job is really running in a worker.
  await page.evaluate((jobId) => window.errandTest.waitForEvent('progress', jobId), id)
  const started = await page.evaluate((jobId) => window.errandTest.events({ type: 'started', jobId }), id)
  expect(started.map((e) => e.job?.attempt)).toEqual([1])
  // The store learns that the attempt started (startedAt) in the scheduler's next turn; until
  // then an interrupted claim counts as never started and is released, not stalled. Reload
  // only once the start is durable, so the stall below is what must happen.
  await expect
    .poll(() => page.evaluate((jobId) => window.errandTest.get(jobId), id))
    .toMatchObject({ state: 'running', attempt: 1, stalls: 0, errors: [], startedAt: expect.any(Number) })

  await page.reload()
  await openFixture(page, { queue, concurrency: 1 }, { navigate: false })

  // The queue.on('completed') callback registered by the NEW page fires for that job.
  const completed = await page.evaluate((jobId) => window.errandTest.waitForEvent('completed', jobId), id)
  expect(completed.job).toMatchObject({ id, state: 'completed', attempt: 2 })

  const result = await page.evaluate((jobId) => window.errandTest.result(jobId), id)
  expect(result).toEqual({ ms: 1500, attempt: 2 })

  const stored = await page.evaluate((jobId) => window.errandTest.get(jobId), id)
  expect(stored).toMatchObject({ state: 'completed', attempt: 2, stalls: 1, progress: 1, result: { ms: 1500, attempt: 2 } })
  expect(stored?.errors).toHaveLength(1)
  expect(stored?.errors[0]).toMatchObject({ name: 'JobStalledError', code: 'STALLED' })

  // What the new page saw, in order: the stall (as a retry), attempt 2 starting, completion.
  const seen = await page.evaluate((jobId) => window.errandTest.events({ jobId }), id)
  const order = seen.filter((e) => e.type !== 'progress').map((e) => `${e.type}:${e.job?.attempt}`)
  expect(order).toEqual(['retrying:1', 'started:2', 'completed:2'])
  expect(seen.find((e) => e.type === 'retrying')?.error).toMatchObject({ name: 'JobStalledError', code: 'STALLED' })
  expect(await page.evaluate(() => window.errandTest.events({ type: 'error' }))).toEqual([])

  // Logs are written before the outcome, so the second attempt's line is there.
  const logs = await page.evaluate((jobId) => window.errandTest.logs(jobId), id)
  expect(logs.map((l) => l.message)).toContain(`crunch attempt 2 of job ${id}`)
})
