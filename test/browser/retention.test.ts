// Retention (`keep`) and storage reporting.
import { expect, test } from 'vitest'
import { testQueue } from './helpers.js'

test('keep.count prunes the oldest finished jobs and their logs beyond the count, in the background', async () => {
  const queue = testQueue({ keep: { completed: { count: 3 } } })
  const jobs = []
  for (let i = 0; i < 8; i++) jobs.push(await queue.add('report', { steps: 1 }))
  for (const job of jobs) await job.result()
  await expect.poll(() => queue.counts().then((c) => c.completed), { timeout: 5000 }).toBe(3)
  const kept = await queue.list({ state: 'completed' })
  expect(kept.map((j) => j.id)).toEqual(jobs.slice(-3).map((j) => j.id))
  expect(await queue.logs(jobs[0]!.id)).toEqual([])
  expect(await queue.logs(jobs[7]!.id)).toHaveLength(1)
})

test('keep.count keeps the latest outcomes: a job created first that finished last (a retry) is kept over older outcomes', async () => {
  const queue = testQueue({ keep: { completed: { count: 2 } } })
  await queue.pause()
  const first = await queue.add('add', { a: 1, b: 1 })
  await queue.cancel(first.id)
  await queue.start()
  const [b, c] = await Promise.all([queue.add('add', { a: 2, b: 2 }), queue.add('add', { a: 3, b: 3 })])
  await Promise.all([b.result(), c.result()])
  expect(await queue.retry(first.id)).toBe(true)
  await expect((await queue.job(first.id))!.result()).resolves.toBe(2)
  await expect.poll(() => queue.counts().then((n) => n.completed), { timeout: 5000 }).toBe(2)
  expect((await queue.list({ state: 'completed' })).map((j) => j.id).sort()).toEqual([first.id, c.id].sort())
})

test('keep.age prunes finished jobs older than age; other states and unruled states are kept', async () => {
  const queue = testQueue({ keep: { failed: { age: 0 } } })
  const failed = await queue.add('unrecoverable', undefined)
  const done = await queue.add('add', { a: 1, b: 1 })
  await failed.result().catch(() => {})
  await done.result()
  await expect.poll(() => queue.get(failed.id), { timeout: 5000 }).toBeUndefined()
  expect((await queue.get(done.id))?.state).toBe('completed')
})

test('keep.age reaches an old outcome behind 100 jobs created before it that finished after it (long delays)', async () => {
  const queue = testQueue({ keep: { completed: { age: 3500 } } })
  // Created first, finished last: they fill the first batch retention reads, and stay within the age.
  const late = await queue.addAll(Array.from({ length: 100 }, (_, i) => ({ name: 'add' as const, payload: { a: i, b: 0 }, options: { delay: 4000 } })))
  const early = await queue.add('add', { a: 1, b: 1 })
  await early.result()
  await Promise.all(late.map((job) => job.result()))
  // Retention runs a second after the late ones settle: `early` finished 4 s before them, past the age; they are within it.
  await expect.poll(() => queue.get(early.id), { timeout: 5000 }).toBeUndefined()
  expect((await queue.counts()).completed).toBe(100)
})

test('keep is validated like every option', () => {
  expect(() => testQueue({ keep: { completed: { count: -1 } } })).toThrow('Expected `keep.completed.count` to be an integer ≥ 0, got `-1` (number).')
  expect(() => testQueue({ keep: { done: {} } as never })).toThrow('Unknown option `keep.done`')
})

test('storage() reports usage, quota and persistence; persist() asks for persistence', async () => {
  const queue = testQueue()
  await queue.add('noop', undefined)
  const info = await queue.storage()
  expect(info.usage).toBeGreaterThan(0)
  expect(info.quota).toBeGreaterThan(info.usage)
  expect(typeof info.persisted).toBe('boolean')
  // Headless Chromium answers false either way: count the asks (the real persist() still answers).
  const persist = navigator.storage.persist.bind(navigator.storage)
  const answers: boolean[] = []
  navigator.storage.persist = async () => {
    const answer = await persist()
    answers.push(answer)
    return answer
  }
  try {
    const granted = await queue.persist()
    expect(answers).toEqual([granted])
  } finally {
    delete (navigator.storage as Partial<StorageManager>).persist // back to the prototype's
  }
  expect(navigator.storage.persist).toBe(StorageManager.prototype.persist)
})
