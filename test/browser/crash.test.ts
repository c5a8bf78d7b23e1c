import { expect, test } from 'vitest'
import { testQueue } from './helpers.js'

test('a worker that closes itself mid-job fails only that attempt; the job is retried and completes', async () => {
  const queue = testQueue()
  const job = await queue.add('crash', { how: 'close', until: 2 }, { backoff: { type: 'fixed', delay: 0 } })
  await expect(job.result()).resolves.toEqual({ attempt: 2 })
  const stored = await job.get()
  expect(stored?.errors.map((e) => e.name)).toEqual(['WorkerCrashedError'])
  expect(stored?.errors[0]?.message).toContain('self.close()')
})

test('an uncaught error thrown inside the worker fails that attempt; the pool recovers', async () => {
  const queue = testQueue({ concurrency: 2 })
  const job = await queue.add('crash', { how: 'throw', until: 3 }, { backoff: { type: 'fixed', delay: 0 } })
  const other = await queue.add('add', { a: 20, b: 22 })
  await expect(job.result()).resolves.toEqual({ attempt: 3 })
  await expect(other.result()).resolves.toBe(42)
  const stored = await job.get()
  expect(stored?.errors.map((e) => e.name)).toEqual(['WorkerCrashedError', 'WorkerCrashedError'])
  expect(stored?.errors[0]?.message).toContain('uncaught in worker')
})

test('an unknown handler name fails at once with UNKNOWN_JOB, without retries', async () => {
  // A queue whose page has not learnt the worker's handler names yet accepts the name…
  const queue = testQueue()
  const job = await queue.add('nope' as 'noop', undefined, { attempts: 5 })
  const error = (await job.result().catch((e: unknown) => e)) as { name: string; attempts: number; errors: { code?: string }[] }
  // …and the worker refuses it: one attempt, code UNKNOWN_JOB.
  expect(error.name).toBe('JobFailedError')
  expect(error.attempts).toBe(1)
  expect(error.errors[0]?.code).toBe('UNKNOWN_JOB')
})
