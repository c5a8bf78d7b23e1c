// Hidden tabs: Chrome throttles main-thread timers in background tabs (to once a minute
// after five minutes). Headless pages are never hidden, so the throttling is simulated:
// every main-thread timer of 100 ms or more is stretched to a minute. The leader's timers
// live in its clock worker, so delays, backoff and lease renewal still fire on time.
import { openDB } from 'idb'
import { afterEach, expect, test } from 'vitest'
import { databaseName } from '../../src/store/schema.js'
import { testQueue } from './helpers.js'

const realSetTimeout = globalThis.setTimeout
const realSetInterval = globalThis.setInterval
function throttleMainThreadTimers(): void {
  const stretch = (ms: number | undefined) => ((ms ?? 0) >= 100 ? 60_000 : ms)
  globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => realSetTimeout(fn, stretch(ms), ...args)) as typeof setTimeout
  globalThis.setInterval = ((fn: () => void, ms?: number, ...args: unknown[]) => realSetInterval(fn, stretch(ms), ...args)) as typeof setInterval
}
afterEach(() => {
  globalThis.setTimeout = realSetTimeout
  globalThis.setInterval = realSetInterval
})

test('with main-thread timers throttled, a delayed job and a backed-off retry still run on time', async () => {
  const queue = testQueue()
  await (await queue.add('noop', undefined)).result() // the leader and its clock are up
  throttleMainThreadTimers()
  const started = performance.now()
  const delayed = await queue.add('record', { label: 'later' }, { delay: 300 })
  const flaky = await queue.add('flaky', { succeedOn: 2 }, { backoff: { type: 'fixed', delay: 300 } })
  await expect(delayed.result()).resolves.toMatchObject({ label: 'later' })
  await expect(flaky.result()).resolves.toEqual({ attempt: 2 })
  // Throttled main-thread timers would have taken a minute.
  expect(performance.now() - started).toBeLessThan(30_000)
})

test('with main-thread timers throttled, the leader still renews its leases (other tabs would take it for dead otherwise)', async () => {
  // Renewed every third of a lease: only two renewals more than a lease apart (a second, on a loaded machine) fail this; throttled, they are a minute apart.
  // Throttled before the queue starts: its renewal timer is set up when it takes the lead.
  throttleMainThreadTimers()
  const queue = testQueue({ lease: 1000 })
  await (await queue.add('noop', undefined)).result()
  const job = await queue.add('sleep', { ms: 5000 }) // still running when read, with 3 s to spare
  await new Promise<void>((resolve) => job.on('started', () => resolve()))
  await new Promise((resolve) => realSetTimeout(resolve, 2000))
  // Raw read: the lease is internal, not part of the public Job.
  const db = await openDB(databaseName(queue.name))
  const record = (await db.get('jobs', job.id)) as { state: string; leaseExpiresAt: number }
  db.close()
  expect(record.state).toBe('running')
  expect(record.leaseExpiresAt).toBeGreaterThan(Date.now())
  await expect(job.result()).resolves.toEqual({ slept: 5000, attempt: 1 })
})
