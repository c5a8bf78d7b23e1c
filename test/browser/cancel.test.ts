import { expect, test } from 'vitest'
import { JobCancelledError, isJobCancelledError } from '../../src/index.js'
import { countTransactions, testQueue } from './helpers.js'

test('cancels a queued job: it never starts and result() rejects with JobCancelledError', async () => {
  const queue = testQueue()
  await queue.pause()
  const started: string[] = []
  queue.on('started', ({ job }) => started.push(job.id))
  const job = await queue.add('add', { a: 1, b: 2 })
  const result = job.result()
  expect(await job.cancel()).toBe(true)
  const error = await result.catch((e: unknown) => e)
  expect(error).toBeInstanceOf(JobCancelledError)
  expect(isJobCancelledError(error)).toBe(true)
  expect((error as JobCancelledError).code).toBe('JOB_CANCELLED')
  await queue.start()
  await queue.onIdle()
  expect(started).toEqual([])
  expect((await job.get())?.state).toBe('cancelled')
  // Cancelling a finished job does nothing.
  expect(await job.cancel()).toBe(false)
})

test('cancels a running job: its signal aborts, it ends `cancelled`, and the next job runs', async () => {
  const queue = testQueue()
  const firstStarted = new Promise<void>((resolve) => queue.on('started', () => resolve()))
  const job = await queue.add('sleep', { ms: 60_000 })
  const next = await queue.add('add', { a: 3, b: 4 })
  await firstStarted
  expect(await queue.cancel(job.id)).toBe(true)
  await expect(job.result()).rejects.toThrow(JobCancelledError)
  await expect(next.result()).resolves.toBe(7)
  const stored = await job.get()
  expect(stored?.state).toBe('cancelled')
  expect(stored?.errors).toEqual([])
})

test('an aborted `signal` option cancels the job', async () => {
  const queue = testQueue()
  const controller = new AbortController()
  const job = await queue.add('sleep', { ms: 60_000 }, { signal: controller.signal })
  await new Promise<void>((resolve) => job.on('started', () => resolve()))
  controller.abort()
  await expect(job.result()).rejects.toThrow(JobCancelledError)
})

test('a `signal` that aborts after its job ended touches nothing: the job keeps its outcome, and no write is made', async () => {
  const queue = testQueue()
  const controller = new AbortController()
  const job = await queue.add('add', { a: 1, b: 2 }, { signal: controller.signal })
  await expect(job.result()).resolves.toBe(3)
  await new Promise((resolve) => setTimeout(resolve, 50)) // the outcome's event has reached this page
  const writes = await countTransactions(async () => {
    controller.abort()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }, (_stores, mode) => mode === 'readwrite')
  expect(writes).toBe(0)
  expect((await job.get())?.state).toBe('completed')
})

test('clear() cancels every job that has not started', async () => {
  const queue = testQueue()
  await queue.pause()
  const jobs = await Promise.all([queue.add('noop', undefined), queue.add('noop', undefined, { delay: 60_000 })])
  expect(await queue.clear()).toBe(2)
  for (const job of jobs) await expect(job.result()).rejects.toThrow(JobCancelledError)
  expect(await queue.counts()).toMatchObject({ queued: 0, delayed: 0, cancelled: 2 })
})

// A job handed to a worker has its start written within a few ms: clear() in that window must
// not take it for a job that has not started.
test('clear() right as a job starts leaves that job running; it completes', async () => {
  const queue = testQueue()
  await (await queue.add('noop', undefined)).result() // the worker is up
  const cleared = new Promise<number>((resolve) => queue.on('started', () => resolve(queue.clear())))
  const job = await queue.add('sleep', { ms: 100 })
  expect(await cleared).toBe(0)
  await expect(job.result()).resolves.toEqual({ slept: 100, attempt: 1 })
})

test('remove() deletes a job and its logs; result() then rejects with NOT_FOUND', async () => {
  const queue = testQueue()
  const job = await queue.add('report', { steps: 3 })
  await job.result()
  expect(await job.logs()).toHaveLength(3)
  expect(await queue.remove(job.id)).toBe(true)
  expect(await queue.get(job.id)).toBeUndefined()
  expect(await queue.logs(job.id)).toEqual([])
  const again = await queue.job(job.id)
  expect(again).toBeUndefined()
  expect(await queue.remove(job.id)).toBe(false)
})

// Guards against a past defect: an AbortSignal that aborts while add() is writing is never seen.
test('a signal aborted while add() is in flight still cancels the job (or add() rejects)', async () => {
  const queue = testQueue()
  await queue.pause() // keep the job queued: only the signal may end it
  const controller = new AbortController()
  const adding = queue.add('sleep', { ms: 60_000 }, { signal: controller.signal })
  controller.abort() // after validation, before the strict commit resolves
  const outcome = await adding.then(
    (job) => ({ job }),
    (error: unknown) => ({ error }),
  )
  if ('error' in outcome) {
    // Rejecting is an acceptable answer too, if it is the cancel and nothing stays queued.
    expect(outcome.error).toMatchObject({ code: 'JOB_CANCELLED' })
    expect(await queue.list({ state: 'queued' })).toEqual([])
    return
  }
  await expect.poll(async () => (await outcome.job.get())?.state).toBe('cancelled')
  await expect(outcome.job.result()).rejects.toThrow(JobCancelledError)
})

test('result() of 300 handles asked at once (read in one batch): each gets its own outcome, a removed one NOT_FOUND', async () => {
  const queue = testQueue()
  const handles = await queue.addAll(Array.from({ length: 300 }, (_, i) => ({ name: 'add' as const, payload: { a: i, b: 1 } })))
  await Promise.all(handles.map((h) => h.result()))
  const gone = handles[150]!
  await queue.remove(gone.id)
  // Finished jobs: every result() resolves from the batched read, none from an event.
  const results = await Promise.allSettled(handles.map((h) => h.result()))
  results.forEach((r, i) => {
    if (i === 150) expect(r.status === 'rejected' && (r.reason as { code?: string }).code).toBe('NOT_FOUND')
    else expect(r.status === 'fulfilled' && r.value).toBe(i + 1)
  })
  expect((await Promise.all(handles.slice(0, 3).map((h) => h.get()))).map((j) => j?.result)).toEqual([1, 2, 3])
})
