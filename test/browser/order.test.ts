import { expect, test } from 'vitest'
import { drain } from '../../src/testing.js'
import { testQueue } from './helpers.js'

test('runs 1,000 jobs of mixed priorities in exactly priority-then-FIFO order', async () => {
  const queue = testQueue()
  await queue.pause()
  const expected: { priority: number; index: number; id: string }[] = []
  // Added in several calls, single adds and batches mixed, as an app would.
  for (let batch = 0; batch < 10; batch++) {
    const items = Array.from({ length: 90 }, (_, i) => ({ name: 'noop' as const, payload: undefined, options: { priority: (batch * 7 + i * 13) % 5 - 2 } }))
    const handles = await queue.addAll(items)
    handles.forEach((handle, i) => expected.push({ priority: items[i]!.options.priority, index: expected.length, id: handle.id }))
    for (let i = 0; i < 10; i++) {
      const priority = (batch + i) % 3 - 1
      const handle = await queue.add('noop', undefined, { priority })
      expected.push({ priority, index: expected.length, id: handle.id })
    }
  }
  expect(expected).toHaveLength(1000)
  const started: string[] = []
  queue.on('started', ({ job }) => started.push(job.id))
  await queue.start()
  await drain(queue, { timeout: 60_000 })
  expected.sort((a, b) => a.priority - b.priority || a.index - b.index)
  expect(started).toEqual(expected.map((e) => e.id))
  expect((await queue.counts()).completed).toBe(1000)
})
