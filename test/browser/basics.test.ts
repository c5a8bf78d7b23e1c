import { expect, test } from 'vitest'
import { drain } from '../../src/testing.js'
import { testQueue } from './helpers.js'

test('runs a job in a worker and resolves its result', async () => {
  const queue = testQueue()
  const job = await queue.add('add', { a: 2, b: 3 })
  await expect(job.result()).resolves.toBe(5)
  const stored = await queue.get(job.id)
  expect(stored?.state).toBe('completed')
  expect(stored?.attempt).toBe(1)
  await drain(queue)
})

// As postMessage() does: what add() queues is the payload as it was when add() was called.
test('a payload changed right after add() (not awaited) runs as it was when added', async () => {
  const queue = testQueue()
  const payload = { n: 1 }
  const first = queue.add('echo', payload) // the database is still opening
  payload.n = 2
  await first
  const second = queue.add('echo', payload) // open now: the store copies it in this task
  const keyed = queue.add('echo', payload, { key: `k-${crypto.randomUUID()}` }) // a key is looked up first
  payload.n = 3
  const results = await Promise.all([first, second, keyed].map(async (job) => (await job).result()))
  expect(results).toEqual([{ n: 1 }, { n: 2 }, { n: 2 }])
})
