import { expect, test } from 'vitest'
import { testQueue } from './helpers.js'

test('a delayed job waits in `delayed` and never starts before its runAt', async () => {
  const queue = testQueue()
  const job = await queue.add('record', { label: 'later' }, { delay: 400 })
  const stored = await job.get()
  expect(stored?.state).toBe('delayed')
  const result = await job.result()
  expect(result.startedAt).toBeGreaterThanOrEqual(stored!.runAt)
  expect(stored!.runAt - stored!.createdAt).toBe(400)
})

test('a job added without delay runs before an earlier-added delayed one', async () => {
  const queue = testQueue()
  const later = await queue.add('record', { label: 'later' }, { delay: 300 })
  const now = await queue.add('record', { label: 'now' })
  const [a, b] = await Promise.all([later.result(), now.result()])
  expect(b.startedAt).toBeLessThan(a.startedAt)
})
