import { openDB } from 'idb'
import { expect, test } from 'vitest'
import { createTestQueue } from '../../src/testing.js'
import { countTransactions, fixtureWorker, testQueue } from './helpers.js'
import type { Jobs } from './fixtures/jobs.worker.js'

const startedOnce = (queue: ReturnType<typeof testQueue>) => new Promise<void>((resolve) => queue.on('started', () => resolve()))

test('a job interrupted mid-run (queue closed) runs again in the next queue with attempt 2', async () => {
  const name = `lease-${crypto.randomUUID()}`
  const first = createTestQueue<Jobs>({ name, worker: fixtureWorker, concurrency: 1 })
  const job = await first.add('sleep', { ms: 300 })
  await startedOnce(first)
  await first.close()

  const second = createTestQueue<Jobs>({ name, worker: fixtureWorker, concurrency: 1 })
  const again = await second.job(job.id)
  await expect(again!.result()).resolves.toEqual({ slept: 300, attempt: 2 })
  const stored = await second.get(job.id)
  expect(stored).toMatchObject({ state: 'completed', attempt: 2, stalls: 1 })
  expect(stored?.errors.map((e) => [e.name, e.code])).toEqual([['JobStalledError', 'STALLED']])
})

test('a job that stalls more than maxStalls times fails with code STALLED', async () => {
  const name = `stall-${crypto.randomUUID()}`
  let id = ''
  for (let run = 0; run < 2; run++) {
    const queue = createTestQueue<Jobs>({ name, worker: fixtureWorker, concurrency: 1, maxStalls: 1 })
    if (run === 0) id = (await queue.add('sleep', { ms: 60_000 })).id
    await startedOnce(queue)
    await queue.close()
  }
  const last = createTestQueue<Jobs>({ name, worker: fixtureWorker, concurrency: 1, maxStalls: 1 })
  const handle = await last.job(id)
  const error = (await handle!.result().catch((e: unknown) => e)) as { name: string; errors: { code?: string }[] }
  expect(error.name).toBe('JobFailedError')
  expect(error.errors.map((e) => e.code)).toEqual(['STALLED', 'STALLED'])
  expect((await last.get(id))?.state).toBe('failed')
})

test('a running job keeps its lease renewed past the lease duration and is not run twice', async () => {
  const queue = testQueue({ lease: 300 })
  const started: number[] = []
  queue.on('started', ({ job }) => started.push(job.attempt))
  const job = await queue.add('sleep', { ms: 1200 })
  await expect(job.result()).resolves.toEqual({ slept: 1200, attempt: 1 })
  expect(started).toEqual([1])
  expect((await job.get())?.stalls).toBe(0)
})

// A running job no scheduler runs (a stale leader started it after losing the lock, then died): the live
// leader is asleep on an idle queue, and must wake when that job's lease expires to run it again.
test('the leader wakes up when a lease it does not hold expires, on an idle queue', async () => {
  const queue = testQueue({ lease: 600 }) // renewed every 200 ms
  const job = await queue.add('add', { a: 1, b: 1 })
  await job.result()
  await queue.onIdle()
  const db = await openDB(`errand:${queue.name}`)
  try {
    const { finishedAt: _f, result: _r, ...record } = (await db.get('jobs', job.id)) as Record<string, unknown>
    await db.put('jobs', { ...record, state: 'running', owner: 'a-dead-leader', leaseExpiresAt: Date.now() + 300 })
  } finally {
    db.close()
  }
  await expect.poll(async () => (await job.get())?.state, { timeout: 3000 }).toBe('completed')
  expect(await job.get()).toMatchObject({ attempt: 2, stalls: 1, result: 2 })
})

// A network job's lapsed lease is its sender's to recover (the page's or the service worker's):
// the CPU leader must not wake up for it every third of a lease.
test('a lapsed lease of a network job does not wake the leader', async () => {
  const queue = testQueue({ lease: 600 }) // renewed every 200 ms
  await (await queue.add('add', { a: 1, b: 1 })).result()
  await queue.onIdle()
  const db = await openDB(`errand:${queue.name}`)
  try {
    const request = await queue.request(location.href, undefined, { delay: 60_000 }) // never sent by this test
    const { dueAt: _delayedOnly, ...record } = (await db.get('jobs', request.id)) as Record<string, unknown>
    await db.put('jobs', { ...record, state: 'running', owner: 'a-dead-sender', leaseExpiresAt: Date.now() - 1000 })
  } finally {
    db.close()
  }
  const turns = await countTransactions(() => new Promise((resolve) => setTimeout(resolve, 1000)), (stores) => stores.includes('logs'))
  expect(turns).toBe(0)
})
