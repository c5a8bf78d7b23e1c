import { expect, test } from 'vitest'
import { testQueue } from './helpers.js'

test('progress events arrive in order on the queue and the handle, ending at 1', async () => {
  const queue = testQueue()
  const fromQueue: number[] = []
  const fromHandle: number[] = []
  queue.on('progress', ({ progress }) => fromQueue.push(progress))
  const job = await queue.add('report', { steps: 20 })
  job.on('progress', ({ progress }) => fromHandle.push(progress))
  await job.result()
  expect(fromQueue.length).toBeGreaterThan(1)
  expect(fromQueue).toEqual([...fromQueue].sort((a, b) => a - b))
  expect(fromQueue.at(-1)).toBe(1)
  expect(fromHandle).toEqual(fromQueue)
  expect((await job.get())?.progress).toBe(1)
})

test('log lines are stored in the order the handler wrote them, with timestamps', async () => {
  const queue = testQueue()
  const job = await queue.add('report', { steps: 50 })
  await job.result()
  const logs = await job.logs()
  expect(logs.map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `step ${i + 1}`))
  expect(logs.map((l) => l.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  for (let i = 1; i < logs.length; i++) expect(logs[i]!.at).toBeGreaterThanOrEqual(logs[i - 1]!.at)
})

test('logs are bounded per job: past logLimit one marker line says lines were dropped', async () => {
  const queue = testQueue({ logLimit: 10 })
  const job = await queue.add('report', { steps: 30 })
  await job.result()
  const logs = await job.logs()
  expect(logs).toHaveLength(11)
  expect(logs[9]!.message).toBe('step 10')
  expect(logs[10]!.message).toContain('log limit of 10 lines reached')
})

test("a promise a handler lets reject unheard goes in the job's logs; the job still completes", async () => {
  const queue = testQueue()
  const job = await queue.add('unheard', undefined)
  await expect(job.result()).resolves.toBe('done')
  const logs = await job.logs()
  expect(logs.map((l) => l.message)).toEqual([expect.stringMatching(/^Unhandled rejection in the worker: Error: nobody listened\n/)])
})
