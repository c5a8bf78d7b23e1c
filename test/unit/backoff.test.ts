import { afterEach, describe, expect, test, vi } from 'vitest'
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from '../../src/core/backoff.js'

const exponential = (overrides: Partial<Backoff> = {}): Backoff => ({ ...DEFAULT_BACKOFF, ...overrides })
const fixed = (overrides: Partial<Backoff> = {}): Backoff => ({ ...DEFAULT_BACKOFF, type: 'fixed', ...overrides })

/** Delays after failed attempts 1..count. */
const delays = (backoff: Backoff, count: number, random = 0): number[] =>
  Array.from({ length: count }, (_, i) => backoffDelay(backoff, i + 1, random))

afterEach(() => {
  vi.restoreAllMocks()
})

describe('defaults', () => {
  test('the default backoff is exponential from one second, capped at one hour, without jitter', () => {
    expect(DEFAULT_BACKOFF).toStrictEqual({ type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0 })
  })

  test('the default backoff waits 1 s, 2 s, 4 s, 8 s after the first four failures', () => {
    expect(delays(DEFAULT_BACKOFF, 4)).toStrictEqual([1000, 2000, 4000, 8000])
  })

  test('the default backoff reaches its one-hour cap after the thirteenth failure', () => {
    expect(backoffDelay(DEFAULT_BACKOFF, 12, 0)).toBe(2_048_000)
    expect(backoffDelay(DEFAULT_BACKOFF, 13, 0)).toBe(3_600_000)
    expect(backoffDelay(DEFAULT_BACKOFF, 40, 0)).toBe(3_600_000)
  })
})

describe('fixed backoff', () => {
  test('waits the same delay after every failed attempt', () => {
    expect(delays(fixed({ delay: 500 }), 5)).toStrictEqual([500, 500, 500, 500, 500])
  })

  test('is cut down to maxDelay when the delay is longer', () => {
    expect(delays(fixed({ delay: 10_000, maxDelay: 3000 }), 3)).toStrictEqual([3000, 3000, 3000])
  })
})

describe('exponential backoff', () => {
  test('waits the base delay after the first failed attempt', () => {
    expect(backoffDelay(exponential({ delay: 250 }), 1, 0)).toBe(250)
  })

  test('doubles the delay after each further failed attempt', () => {
    expect(delays(exponential({ delay: 250 }), 6)).toStrictEqual([250, 500, 1000, 2000, 4000, 8000])
  })

  test('never waits longer than maxDelay', () => {
    expect(delays(exponential({ delay: 1000, maxDelay: 5000 }), 6)).toStrictEqual([1000, 2000, 4000, 5000, 5000, 5000])
  })

  test('stays at maxDelay even when 2^attempt overflows to Infinity', () => {
    expect(backoffDelay(exponential({ delay: 1000, maxDelay: 60_000 }), 2000, 0)).toBe(60_000)
  })

  test('retries at once with a zero delay', () => {
    expect(delays(exponential({ delay: 0 }), 3)).toStrictEqual([0, 0, 0])
  })

  test('keeps a zero delay at zero however many attempts failed', () => {
    // 0 × 2^1100 is 0 × Infinity, which is NaN unless the formula guards against it.
    expect(backoffDelay(exponential({ delay: 0 }), 1100, 0)).toBe(0)
  })
})

describe('jitter', () => {
  test('removes jitter × random of the delay', () => {
    expect(backoffDelay(fixed({ delay: 1000, jitter: 0.5 }), 1, 0.5)).toBe(750)
    expect(backoffDelay(fixed({ delay: 1000, jitter: 0.25 }), 1, 0.4)).toBe(900)
  })

  test('leaves the delay whole when random is 0', () => {
    expect(backoffDelay(exponential({ delay: 1000, jitter: 1 }), 3, 0)).toBe(4000)
  })

  test('only ever shortens a delay, by at most jitter × 100 %', () => {
    const backoff = exponential({ delay: 1000, jitter: 0.3 })
    const randoms = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999]
    const shown = randoms.map((random) => backoffDelay(backoff, 3, random))
    expect(shown).toStrictEqual([4000, 3880, 3700, 3400, 3100, 2920, 2800])
    for (const delay of shown) {
      expect(delay).toBeLessThanOrEqual(4000)
      expect(delay).toBeGreaterThanOrEqual(4000 * 0.7)
    }
  })

  test('applies after the maxDelay cap, so a capped delay is shortened too', () => {
    expect(backoffDelay(exponential({ delay: 1000, maxDelay: 5000, jitter: 0.5 }), 10, 0.5)).toBe(3750)
  })

  test('with full jitter can shorten a delay to nothing', () => {
    expect(backoffDelay(fixed({ delay: 1000, jitter: 1 }), 1, 0.9999)).toBe(0)
  })

  test('rounds the delay to whole milliseconds', () => {
    expect(backoffDelay(fixed({ delay: 1000, jitter: 0.3 }), 1, 0.3333)).toBe(900)
    expect(backoffDelay(fixed({ delay: 999, jitter: 0.5 }), 1, 0.5)).toBe(749)
  })

  test('draws from Math.random when no random is passed', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    expect(backoffDelay(fixed({ delay: 1000, jitter: 1 }), 1)).toBe(500)
  })
})
