import { expect, test } from 'vitest'
import { isJobTimeoutError, JobTimeoutError } from '../../src/index.js'
import { testQueue } from './helpers.js'

test('a busy-looping handler is killed by its timeout and the next job still runs', async () => {
  const queue = testQueue({ grace: 200 })
  const stuck = await queue.add('busyLoop', { ms: 60_000 }, { timeout: 200, attempts: 1 })
  const next = await queue.add('add', { a: 1, b: 1 })
  const error = await stuck.result().catch((e: unknown) => e)
  expect(error).toBeInstanceOf(JobTimeoutError)
  expect(isJobTimeoutError(error)).toBe(true)
  expect((error as JobTimeoutError).code).toBe('JOB_TIMEOUT')
  expect((error as JobTimeoutError).errors[0]!.message).toContain('ignored the abort signal')
  await expect(next.result()).resolves.toBe(2)
})

test('a handler that honours ctx.signal stops at its timeout without losing its worker', async () => {
  const queue = testQueue({ grace: 30_000 })
  const before = await (await queue.add('workerId', undefined)).result()
  const job = await queue.add('sleep', { ms: 60_000 }, { timeout: 100, attempts: 1 })
  const error = (await job.result().catch((e: unknown) => e)) as JobTimeoutError
  expect(error.name).toBe('JobTimeoutError')
  expect(error.errors[0]!.message).toBe('The job timed out after 100 ms.')
  // The same worker (grace is 30 s, so it was not replaced) runs the next job.
  await expect((await queue.add('workerId', undefined)).result()).resolves.toBe(before)
})

test('a timed-out attempt is retried while attempts remain', async () => {
  const queue = testQueue({ grace: 100 })
  const job = await queue.add('busyLoop', { ms: 60_000 }, { timeout: 100, attempts: 2, backoff: { type: 'fixed', delay: 0 } })
  const error = (await job.result().catch((e: unknown) => e)) as JobTimeoutError
  expect(error.attempts).toBe(2)
  expect(error.errors.map((e) => e.name)).toEqual(['JobTimeoutError', 'JobTimeoutError'])
})
