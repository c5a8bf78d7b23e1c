import { expect, test } from 'vitest'
import { countTransactions, testQueue } from './helpers.js'

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
  // The leader is up first (it loads its engine when it takes the lead, which a loaded machine can
  // stretch past the delay): the delay then runs out with the scheduler running, as the test means.
  await (await queue.add('noop', undefined)).result()
  const later = await queue.add('record', { label: 'later' }, { delay: 300 })
  const now = await queue.add('record', { label: 'now' })
  const [a, b] = await Promise.all([later.result(), now.result()])
  expect(b.startedAt).toBeLessThan(a.startedAt)
})

// Browser timers overflow past 2^31 − 1 ms (≈ 24.8 days) and fire at once: long delays
// are slept in steps, and a single timer (timeout, grace, lease) longer than that is refused.
const THIRTY_DAYS = 30 * 24 * 3600 * 1000

test('a job delayed by 30 days leaves the leader asleep, not turning in a loop', async () => {
  const queue = testQueue()
  await queue.add('noop', undefined, { delay: THIRTY_DAYS })
  await queue.onIdle()
  await new Promise((resolve) => setTimeout(resolve, 200))
  const transactions = await countTransactions(() => new Promise((resolve) => setTimeout(resolve, 500)))
  expect(transactions).toBeLessThan(5)
})

test('a timeout longer than a browser timer can wait is refused at add(), not fired at once', async () => {
  const queue = testQueue()
  await expect(queue.add('sleep', { ms: 100 }, { timeout: THIRTY_DAYS })).rejects.toMatchObject({
    code: 'INVALID_OPTION',
    message: 'Expected `timeout` to be at most 2147483647 ms (about 24.8 days), got `2592000000` (number).',
  })
  const job = await queue.add('sleep', { ms: 100 }, { timeout: 2_147_483_647, attempts: 1 })
  await expect(job.result()).resolves.toEqual({ slept: 100, attempt: 1 })
})

test('a request delayed by 30 days leaves the page asleep, not turning in a loop', async () => {
  const queue = testQueue()
  await queue.request(`${location.origin}/later`, { method: 'POST', body: 'x' }, { delay: THIRTY_DAYS })
  await new Promise((resolve) => setTimeout(resolve, 200))
  const transactions = await countTransactions(() => new Promise((resolve) => setTimeout(resolve, 500)))
  expect(transactions).toBeLessThan(5)
})
