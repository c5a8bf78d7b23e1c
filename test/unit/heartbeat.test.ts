import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { watchHeartbeat } from '../../src/scheduler/leader.js'

const LEASE = 3000

type Beat = { owner: string; at: number } | undefined

/** A follower watching `stored()`; returns how often it stole, and whether it may steal right now. */
function follower(stored: () => Beat) {
  let waiting = true
  const steal = vi.fn()
  const read = vi.fn(() => Promise.resolve(stored()))
  const stop = watchHeartbeat(read, { leaseMs: LEASE, waiting: () => waiting, steal })
  return { steal, read, stop, lead: () => void (waiting = false) }
}

/** Advances time and lets the reads started meanwhile settle. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms)

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

test('steals from a leader that got stuck before its first heartbeat', async () => {
  const { steal, stop } = follower(() => undefined)
  await elapse(LEASE)
  expect(steal).not.toHaveBeenCalled()
  await elapse(LEASE)
  expect(steal).toHaveBeenCalled()
  stop()
})

test('steals once the heartbeat has not changed for a lease', async () => {
  let beat: Beat = { owner: 'a', at: Date.now() }
  const { steal, stop } = follower(() => beat)
  for (let i = 0; i < 10; i++) {
    await elapse(LEASE / 3)
    beat = { owner: 'a', at: Date.now() }
  }
  expect(steal).not.toHaveBeenCalled()
  await elapse(2 * LEASE)
  expect(steal).toHaveBeenCalled()
  stop()
})

test('does not steal from a new leader whose predecessor left an old heartbeat', async () => {
  // The previous leader beat long ago; the new one beats a moment after it got the lock.
  let beat: Beat = { owner: 'gone', at: Date.now() - 10 * LEASE }
  const { steal, stop } = follower(() => beat)
  await elapse(LEASE / 2)
  beat = { owner: 'new', at: Date.now() }
  for (let i = 0; i < 10; i++) {
    await elapse(LEASE / 3)
    beat = { owner: 'new', at: Date.now() }
  }
  expect(steal).not.toHaveBeenCalled()
  stop()
})

test('a page that leads neither reads the heartbeat nor steals', async () => {
  const { steal, read, lead, stop } = follower(() => undefined)
  lead()
  await elapse(5 * LEASE)
  expect(read).not.toHaveBeenCalled()
  expect(steal).not.toHaveBeenCalled()
  stop()
})
