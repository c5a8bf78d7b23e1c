import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { throttle } from '../../src/dashboard/live.js'

beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }))
afterEach(() => void vi.useRealTimers())

/** A throttled task that takes `ms` (on the fake clock) and counts its runs; gap 250 ms, up to `maxGap`. */
function slowTask(ms: number, maxGap?: number) {
  const runs: number[] = []
  const throttled = throttle(
    async () => {
      runs.push(performance.now())
      await new Promise((resolve) => setTimeout(resolve, ms))
    },
    250,
    (error) => {
      throw error
    },
    maxGap,
  )
  return { runs, throttled }
}

test('a quick read runs again one gap after the last one started', async () => {
  const { runs, throttled } = slowTask(5)
  throttled.request()
  await vi.advanceTimersByTimeAsync(10)
  throttled.request()
  await vi.advanceTimersByTimeAsync(300)
  expect(runs).toEqual([0, 250])
  throttled.stop()
})

test('a slow read (a large store) waits ten times its duration before the next, so the queue gets the rest of the time', async () => {
  const { runs, throttled } = slowTask(100, 5000)
  throttled.request()
  await vi.advanceTimersByTimeAsync(100) // the first read ends at 100
  throttled.request()
  await vi.advanceTimersByTimeAsync(850)
  expect(runs).toEqual([0]) // not at 250: the gap is 10 × 100 ms
  await vi.advanceTimersByTimeAsync(100)
  expect(runs).toEqual([0, 1000])
  throttled.stop()
})

test('a slow read waits at most maxGap; without maxGap the gap stays fixed', async () => {
  const capped = slowTask(1000, 5000)
  capped.throttled.request()
  await vi.advanceTimersByTimeAsync(1000)
  capped.throttled.request()
  await vi.advanceTimersByTimeAsync(5000)
  expect(capped.runs).toEqual([0, 5000]) // not at 10,000
  capped.throttled.stop()
  await vi.advanceTimersByTimeAsync(1000)
  const fixed = slowTask(1000)
  const from = performance.now()
  fixed.throttled.request()
  await vi.advanceTimersByTimeAsync(1000)
  fixed.throttled.request()
  await vi.advanceTimersByTimeAsync(1)
  expect(fixed.runs.map((at) => at - from)).toEqual([0, 1000]) // at once: the gap of 250 ms passed during the run
  fixed.throttled.stop()
})

test('requests while a read runs fold into one later run', async () => {
  const { runs, throttled } = slowTask(5)
  throttled.request()
  await vi.advanceTimersByTimeAsync(1) // running now
  for (let i = 0; i < 5; i++) throttled.request()
  await vi.advanceTimersByTimeAsync(1000)
  expect(runs).toEqual([0, 250])
  throttled.stop()
})
