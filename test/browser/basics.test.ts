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
