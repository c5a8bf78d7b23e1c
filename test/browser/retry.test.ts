import { expect, test } from 'vitest'
import { isJobFailedError, JobFailedError } from '../../src/index.js'
import { testQueue } from './helpers.js'

test('retries a failing job with exponential backoff and completes on the third attempt', async () => {
  const queue = testQueue()
  const retrying: number[] = []
  queue.on('retrying', ({ job }) => retrying.push(job.attempt))
  const job = await queue.add('flaky', { succeedOn: 3 }, { attempts: 5, backoff: { type: 'exponential', delay: 100 } })
  await expect(job.result()).resolves.toEqual({ attempt: 3 })
  expect(retrying).toEqual([1, 2])

  const stored = await job.get()
  expect(stored?.attempt).toBe(3)
  expect(stored?.errors.map((e) => e.message)).toEqual(['attempt 1 fails', 'attempt 2 fails'])
  // The handler logs when each attempt starts: the gaps follow the schedule 100 ms, then 200 ms.
  const starts = (await job.logs()).map((line) => Number(line.message.split(' at ')[1]))
  expect(starts).toHaveLength(3)
  expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(100)
  expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(200)
  // Each retry waited in `delayed` until runAt = failure time + backoff.
  expect(stored!.errors[1]!.at - stored!.errors[0]!.at).toBeGreaterThanOrEqual(100)
})

test('fails after its last attempt with every attempt’s error kept', async () => {
  const queue = testQueue()
  const failed: string[] = []
  queue.on('failed', ({ job, error }) => failed.push(`${job.id}:${error.message}`))
  const job = await queue.add('flaky', { succeedOn: 99 }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } })
  const error = await job.result().catch((e: unknown) => e)
  expect(error).toBeInstanceOf(JobFailedError)
  expect(isJobFailedError(error)).toBe(true)
  const failure = error as JobFailedError
  expect(failure.code).toBe('JOB_FAILED')
  expect(failure.attempts).toBe(2)
  expect(failure.errors.map((e) => e.message)).toEqual(['attempt 1 fails', 'attempt 2 fails'])
  expect(failure.errors[0]!.stack).toContain('attempt 1 fails')
  expect((failure.cause as Error).message).toBe('attempt 2 fails')
  expect(failed).toEqual([`${job.id}:attempt 2 fails`])
  expect((await job.get())?.state).toBe('failed')
})

test('an UnrecoverableError fails the job at once, skipping its retries', async () => {
  const queue = testQueue()
  const job = await queue.add('unrecoverable', undefined, { attempts: 5 })
  const error = (await job.result().catch((e: unknown) => e)) as JobFailedError
  expect(error.name).toBe('JobFailedError')
  expect(error.attempts).toBe(1)
  expect(error.errors[0]).toMatchObject({ name: 'UnrecoverableError', message: 'bad input: never retry' })
})

test('retry() puts a failed job back with a fresh attempt budget', async () => {
  const queue = testQueue()
  const started: number[] = []
  queue.on('started', ({ job }) => started.push(job.attempt))
  const job = await queue.add('flaky', { succeedOn: 99 }, { attempts: 1 })
  await expect(job.result()).rejects.toThrow(JobFailedError)
  expect(await queue.retry(job.id)).toBe(true)
  expect((await job.get())?.state).not.toBe('failed')
  const again = await queue.job(job.id)
  await expect(again!.result()).rejects.toThrow(JobFailedError)
  // It ran once more, counting attempts from 1 again; both failures are kept.
  expect(started).toEqual([1, 1])
  expect((await job.get())?.errors.map((e) => e.message)).toEqual(['attempt 1 fails', 'attempt 1 fails'])
  expect(await queue.retry('no-such-id')).toBe(false)
})
