// Review: cancel() aborts a running job but its run may go on for `grace` ms; retry()
// resets `attempt` to 0, so the next claim carries the same fencing token
// (owner, attempt = 1) as the abandoned run.
import { expect, test } from 'vitest'
import { testQueue } from './helpers.js'

test('cancel() then retry() of a running job: the abandoned run cannot settle the new attempt', async () => {
  const queue = testQueue({ concurrency: 1, grace: 5000 })
  const job = await queue.add('busyLoop', { ms: 800 }, { attempts: 1 })
  await new Promise<void>((resolve) => job.on('started', () => resolve()))
  await new Promise((resolve) => setTimeout(resolve, 500)) // the first run has ~300 ms left
  expect(await queue.cancel(job.id)).toBe(true)
  expect(await queue.retry(job.id)).toBe(true)
  const again = await queue.job(job.id)
  await expect(again!.result()).resolves.toBe('finished')
  const stored = await queue.get(job.id)
  // The retried attempt's own run takes 800 ms; its outcome cannot be in before that.
  expect(stored!.finishedAt! - stored!.startedAt!).toBeGreaterThanOrEqual(750)
})

test('cancel() then retry() of a running job never runs the job twice at the same time', async () => {
  const queue = testQueue({ concurrency: 2, grace: 5000 })
  // `report` sleeps without its signal: the cancelled run goes on until its grace ends.
  const job = await queue.add('report', { steps: 60 }, { attempts: 1 })
  await new Promise<void>((resolve) => job.on('started', () => resolve()))
  await new Promise((resolve) => setTimeout(resolve, 100))
  expect(await queue.cancel(job.id)).toBe(true)
  expect(await queue.retry(job.id)).toBe(true)
  await (await queue.job(job.id))!.result()
  await new Promise((resolve) => setTimeout(resolve, 600))
  const lines = await queue.logs(job.id)
  const firstRunEnd = lines.find((l) => l.message === 'step 60')!.at
  const secondRunStart = lines.filter((l) => l.message === 'step 1')[1]!.at
  expect(secondRunStart).toBeGreaterThanOrEqual(firstRunEnd)
})
