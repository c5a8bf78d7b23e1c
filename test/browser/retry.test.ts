import { expect, test } from 'vitest'
import { JobCancelledError, JobFailedError, isJobFailedError } from '../../src/index.js'
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

// README says "`result()` always reads the outcome from the store, whenever it is
// called", but a handle memoises its first result() promise: after retry() the same
// handle keeps rejecting with the old outcome.
test('result() called after retry() reports the new outcome', async () => {
  const queue = testQueue()
  await queue.pause()
  const job = await queue.add('add', { a: 2, b: 3 })
  await job.cancel()
  await expect(job.result()).rejects.toThrow(JobCancelledError)
  expect(await queue.retry(job.id)).toBe(true)
  await queue.start()
  await queue.onIdle()
  expect((await job.get())?.state).toBe('completed')
  await expect(job.result()).resolves.toBe(5)
})

// Guards against a past defect: cancel() aborts a running job but its run may go on for `grace` ms; retry()
// resets `attempt` to 0, so the next claim carries the same fencing token
// (owner, attempt = 1) as the abandoned run.
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
  // Running in the worker (its progress comes from there), not only handed to the pool: a run
  // cancelled before its worker is ready never starts.
  await new Promise<void>((resolve) => job.on('progress', () => resolve()))
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(await queue.cancel(job.id)).toBe(true)
  expect(await queue.retry(job.id)).toBe(true)
  await (await queue.job(job.id))!.result()
  await new Promise((resolve) => setTimeout(resolve, 600))
  const lines = await queue.logs(job.id)
  const firstRunEnd = lines.find((l) => l.message === 'step 60')!.at
  const secondRunStart = lines.filter((l) => l.message === 'step 1')[1]!.at
  expect(secondRunStart).toBeGreaterThanOrEqual(firstRunEnd)
})
