import { expect, test, vi } from 'vitest'
import { createTestQueue } from '../../src/testing.js'
import { testQueue, within } from './helpers.js'

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
  expect(stored?.errors[0]?.message).toContain('uncaught Error: uncaught in worker')
  // Where it was thrown: the worker's own stack of the error.
  expect(stored?.errors[0]?.stack).toMatch(/^Error: uncaught in worker\n\s+at /)
})

test("an error that a finished job's leftover timer throws fails no other job, and is logged on the page", async () => {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    const queue = testQueue({ concurrency: 1 })
    const first = await queue.add('leaveThrow', { ms: 0 })
    // Queued behind it, on the same worker: handed over while that timer fires.
    const next = await queue.add('add', { a: 20, b: 22 }, { attempts: 1 })
    await expect(first.result()).resolves.toBe('left')
    await expect(next.result()).resolves.toBe(42)
    await vi.waitFor(() => expect(logged).toHaveBeenCalledWith(expect.stringMatching(/while no job ran there; no job failed\. Clear timers and listeners before a handler returns\. Error: left behind by leaveThrow\n/)))
  } finally {
    logged.mockRestore()
  }
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

test('a job whose payload the worker cannot read (an RTCCertificate) fails with DATA_CLONE instead of hanging', async () => {
  const queue = testQueue()
  const certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams)
  const job = await queue.add('echo', { certificate }, { attempts: 1 })
  const settled = await within(job.result().catch((e: unknown) => e), 5000)
  expect(settled).toMatchObject({ name: 'JobFailedError', attempts: 1, errors: [{ code: 'DATA_CLONE' }] })
})

// Guards against a past defect: a worker module that never calls serveJobs() (a forgotten line, a wrong file)
// never says it is ready; a job without a timeout then stays `running` forever
// and result() never settles.
test('a worker that never calls serveJobs() fails the job instead of hanging it', async () => {
  const source = URL.createObjectURL(new Blob(['// a worker module that forgot serveJobs(jobs)\n'], { type: 'text/javascript' }))
  const queue = createTestQueue({ worker: () => new Worker(source, { type: 'module' }), concurrency: 1, startTimeout: 1000, defaults: { attempts: 1 } })
  const job = await queue.add('anything', undefined)
  const settled = await within(job.result().then(() => 'resolved', () => 'rejected'), 5000)
  expect(settled).toBe('rejected')
})

test('a poison job that kills its worker every time fails after its attempts instead of looping', async () => {
  const queue = testQueue({ concurrency: 1 })
  const started: number[] = []
  queue.on('started', ({ job }) => started.push(job.attempt))
  const poison = await queue.add('crash', { how: 'close', until: Number.POSITIVE_INFINITY }, { attempts: 3, backoff: { type: 'fixed', delay: 0 } })
  const error = (await poison.result().catch((e: unknown) => e)) as { name: string; attempts: number; errors: { name: string }[] }
  expect(error.name).toBe('JobFailedError')
  expect(error.attempts).toBe(3)
  expect(error.errors.map((e) => e.name)).toEqual(['WorkerCrashedError', 'WorkerCrashedError', 'WorkerCrashedError'])
  expect(started).toEqual([1, 2, 3])
  // The pool is fine afterwards.
  await expect((await queue.add('add', { a: 1, b: 2 })).result()).resolves.toBe(3)
})
