import { describe, expect, test } from 'vitest'
import { DEFAULT_BACKOFF } from '../../src/core/backoff.js'
import { ErrandError } from '../../src/core/errors.js'
import { BASE_JOB_OPTIONS, checkJobName, resolveDefaults, resolveJobOptions, type ResolvedJobOptions } from '../../src/core/options.js'

function thrownBy(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('Expected the call to throw, but it returned.')
}

/** Asserts `run` throws an `INVALID_OPTION` ErrandError with exactly `message`. */
function expectInvalid(run: () => unknown, message: string): ErrandError {
  const error = thrownBy(run)
  expect(error).toBeInstanceOf(ErrandError)
  expect(error).toMatchObject({ name: 'ErrandError', code: 'INVALID_OPTION', message })
  return error as ErrandError
}

const resolve = (options: unknown): ResolvedJobOptions => resolveJobOptions(options, BASE_JOB_OPTIONS)

describe('resolveJobOptions: valid input', () => {
  test('returns the base options when no options are given', () => {
    expect(resolve(undefined)).toStrictEqual({ priority: 0, delay: 0, attempts: 3, backoff: DEFAULT_BACKOFF, timeout: 0 })
    expect(resolve({})).toStrictEqual({ priority: 0, delay: 0, attempts: 3, backoff: DEFAULT_BACKOFF, timeout: 0 })
  })

  test('applies every given option over the base', () => {
    const signal = new AbortController().signal
    const resolved = resolve({ priority: -1, delay: 60_000, attempts: 5, timeout: 30_000, key: 'export:42', signal })
    expect(resolved).toStrictEqual({
      priority: -1,
      delay: 60_000,
      attempts: 5,
      backoff: DEFAULT_BACKOFF,
      timeout: 30_000,
      key: 'export:42',
      signal,
    })
    expect(resolved.signal).toBe(signal)
  })

  test('merges a partial backoff into the base backoff', () => {
    expect(resolve({ backoff: { type: 'fixed', delay: 500 } }).backoff).toStrictEqual({
      type: 'fixed',
      delay: 500,
      maxDelay: 3_600_000,
      jitter: 0,
    })
  })

  test('accepts the edges: zero delay and timeout, attempts 1, jitter 0 and 1, zero maxDelay', () => {
    expect(resolve({ delay: 0, timeout: 0, attempts: 1, backoff: { jitter: 1, maxDelay: 0 } })).toStrictEqual({
      priority: 0,
      delay: 0,
      attempts: 1,
      backoff: { type: 'exponential', delay: 1000, maxDelay: 0, jitter: 1 },
      timeout: 0,
    })
    expect(resolve({ backoff: { jitter: 0 } }).backoff.jitter).toBe(0)
  })

  test('accepts fractional durations in ms', () => {
    expect(resolve({ delay: 1.5, timeout: 0.25 })).toMatchObject({ delay: 1.5, timeout: 0.25 })
  })

  test('treats an option set to undefined as not given', () => {
    expect(resolve({ priority: undefined, attempts: undefined, backoff: undefined, key: undefined })).toStrictEqual(BASE_JOB_OPTIONS)
  })

  test('leaves the base options and the default backoff unchanged', () => {
    const base = structuredClone(BASE_JOB_OPTIONS)
    resolve({ attempts: 9, backoff: { type: 'fixed', delay: 1, maxDelay: 2, jitter: 0.5 } })
    expect(BASE_JOB_OPTIONS).toStrictEqual(base)
    expect(DEFAULT_BACKOFF).toStrictEqual({ type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0 })
  })
})

describe('resolveJobOptions: invalid input', () => {
  test.each([
    [{ attempts: 0 }, 'Expected `attempts` to be an integer ≥ 1, got `0` (number).'],
    [{ attempts: -3 }, 'Expected `attempts` to be an integer ≥ 1, got `-3` (number).'],
    [{ attempts: 2.5 }, 'Expected `attempts` to be an integer ≥ 1, got `2.5` (number).'],
    [{ attempts: '3' }, 'Expected `attempts` to be an integer ≥ 1, got `"3"` (string).'],
    [{ attempts: Infinity }, 'Expected `attempts` to be an integer ≥ 1, got `Infinity` (number).'],
    [{ attempts: NaN }, 'Expected `attempts` to be an integer ≥ 1, got `NaN` (number).'],
  ])('rejects attempts that are not an integer ≥ 1: %o', (options, message) => {
    expectInvalid(() => resolve(options), message)
  })

  test.each([
    [{ priority: 1.5 }, 'Expected `priority` to be an integer, got `1.5` (number).'],
    [{ priority: NaN }, 'Expected `priority` to be an integer, got `NaN` (number).'],
    [{ priority: -Infinity }, 'Expected `priority` to be an integer, got `-Infinity` (number).'],
    [{ priority: null }, 'Expected `priority` to be an integer, got `null` (null).'],
    [{ priority: 'high' }, 'Expected `priority` to be an integer, got `"high"` (string).'],
  ])('rejects a priority that is not an integer: %o', (options, message) => {
    expectInvalid(() => resolve(options), message)
  })

  test.each([
    [{ delay: -1 }, 'Expected `delay` to be a finite number of ms ≥ 0, got `-1` (number).'],
    [{ delay: NaN }, 'Expected `delay` to be a finite number of ms ≥ 0, got `NaN` (number).'],
    [{ delay: Infinity }, 'Expected `delay` to be a finite number of ms ≥ 0, got `Infinity` (number).'],
    [{ delay: -Infinity }, 'Expected `delay` to be a finite number of ms ≥ 0, got `-Infinity` (number).'],
    [{ delay: '1000' }, 'Expected `delay` to be a finite number of ms ≥ 0, got `"1000"` (string).'],
    [{ timeout: -5 }, 'Expected `timeout` to be a finite number of ms ≥ 0, got `-5` (number).'],
    [{ timeout: Infinity }, 'Expected `timeout` to be a finite number of ms ≥ 0, got `Infinity` (number).'],
    [{ timeout: NaN }, 'Expected `timeout` to be a finite number of ms ≥ 0, got `NaN` (number).'],
  ])('rejects a delay or timeout that is negative, NaN, infinite or not a number: %o', (options, message) => {
    expectInvalid(() => resolve(options), message)
  })

  test.each([
    [{ key: '' }, 'Expected `key` to be a non-empty string, got `""` (string).'],
    [{ key: 42 }, 'Expected `key` to be a non-empty string, got `42` (number).'],
    [{ key: null }, 'Expected `key` to be a non-empty string, got `null` (null).'],
  ])('rejects a key that is not a non-empty string: %o', (options, message) => {
    expectInvalid(() => resolve(options), message)
  })

  test('takes `transfer` as a boolean, and only true is kept', () => {
    expect(resolve({ transfer: true }).transfer).toBe(true)
    expect(resolve({ transfer: false })).not.toHaveProperty('transfer')
    expectInvalid(() => resolve({ transfer: 1 }), 'Expected `transfer` to be a boolean, got `1` (number).')
  })

  test('rejects a signal that only looks like an AbortSignal', () => {
    expectInvalid(() => resolve({ signal: { aborted: false } }), 'Expected `signal` to be an AbortSignal, got `[object Object]` (object).')
  })

  test('rejects an AbortController passed where its signal belongs', () => {
    expectInvalid(() => resolve({ signal: new AbortController() }), 'Expected `signal` to be an AbortSignal, got `[object AbortController]` (object).')
  })

  test.each([
    [{ backoff: 'fixed' }, 'Expected `backoff` to be an object, got `"fixed"` (string).'],
    [{ backoff: null }, 'Expected `backoff` to be an object, got `null` (null).'],
    [{ backoff: [1000] }, 'Expected `backoff` to be an object, got `[object Array]` (object).'],
    [{ backoff: { type: 'linear' } }, 'Expected `backoff.type` to be "fixed" or "exponential", got `"linear"` (string).'],
    [{ backoff: { delay: -1 } }, 'Expected `backoff.delay` to be a finite number of ms ≥ 0, got `-1` (number).'],
    [{ backoff: { delay: NaN } }, 'Expected `backoff.delay` to be a finite number of ms ≥ 0, got `NaN` (number).'],
    [{ backoff: { maxDelay: Infinity } }, 'Expected `backoff.maxDelay` to be a finite number of ms ≥ 0, got `Infinity` (number).'],
    [{ backoff: { jitter: 1.5 } }, 'Expected `backoff.jitter` to be a number in [0, 1], got `1.5` (number).'],
    [{ backoff: { jitter: -0.1 } }, 'Expected `backoff.jitter` to be a number in [0, 1], got `-0.1` (number).'],
    [{ backoff: { jitter: NaN } }, 'Expected `backoff.jitter` to be a number in [0, 1], got `NaN` (number).'],
    [{ backoff: { jitter: '0.5' } }, 'Expected `backoff.jitter` to be a number in [0, 1], got `"0.5"` (string).'],
  ])('rejects a bad backoff: %o', (options, message) => {
    expectInvalid(() => resolve(options), message)
  })

  test.each([
    [null, 'Expected `options` to be an object, got `null` (null).'],
    [5, 'Expected `options` to be an object, got `5` (number).'],
    ['urgent', 'Expected `options` to be an object, got `"urgent"` (string).'],
    [[], 'Expected `options` to be an object, got `[object Array]` (object).'],
  ])('rejects options that are not an object: %o', (options, message) => {
    expectInvalid(() => resolve(options), message)
  })

  test('rejects an unknown option and lists the known ones', () => {
    const error = expectInvalid(
      () => resolve({ retries: 3 }),
      'Unknown option `retries`. Known options: priority, delay, attempts, backoff, timeout, key, signal, transfer.',
    )
    expect(error.context).toStrictEqual({ option: 'retries' })
  })

  test('rejects an unknown backoff field and lists the known ones', () => {
    expectInvalid(() => resolve({ backoff: { factor: 2 } }), 'Unknown option `backoff.factor`. Known options: type, delay, maxDelay, jitter.')
  })

  test('names the option and the value in the error context', () => {
    const error = expectInvalid(() => resolve({ attempts: 0 }), 'Expected `attempts` to be an integer ≥ 1, got `0` (number).')
    expect(error.context).toStrictEqual({ option: 'attempts', value: 0 })
  })
})

describe('resolveDefaults', () => {
  test('gives the library defaults when openQueue() has no defaults', () => {
    expect(resolveDefaults(undefined)).toStrictEqual({ priority: 0, delay: 0, attempts: 3, backoff: DEFAULT_BACKOFF, timeout: 0 })
  })

  test('applies queue defaults over the library defaults', () => {
    expect(resolveDefaults({ attempts: 5, timeout: 10_000, backoff: { jitter: 0.2 } })).toStrictEqual({
      priority: 0,
      delay: 0,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0.2 },
      timeout: 10_000,
    })
  })

  test('lets add() options override queue defaults, merging the backoff field by field', () => {
    const defaults = resolveDefaults({ attempts: 5, priority: 1, backoff: { type: 'fixed', delay: 200 } })
    expect(resolveJobOptions({ priority: 2, backoff: { delay: 50 } }, defaults)).toStrictEqual({
      priority: 2,
      delay: 0,
      attempts: 5,
      backoff: { type: 'fixed', delay: 50, maxDelay: 3_600_000, jitter: 0 },
      timeout: 0,
    })
  })

  test.each(['key', 'signal', 'transfer'])('rejects %s, which only add() accepts', (option) => {
    expectInvalid(
      () => resolveDefaults({ [option]: 'x' }),
      `Unknown option \`${option}\`. Known options: priority, delay, attempts, backoff, timeout.`,
    )
  })

  test('validates defaults with the same messages as add()', () => {
    expectInvalid(() => resolveDefaults({ attempts: 0 }), 'Expected `attempts` to be an integer ≥ 1, got `0` (number).')
    expectInvalid(() => resolveDefaults({ delay: -1 }), 'Expected `delay` to be a finite number of ms ≥ 0, got `-1` (number).')
  })
})

describe('checkJobName', () => {
  test('returns a non-empty name as it is', () => {
    expect(checkJobName('thumbnail')).toBe('thumbnail')
  })

  test.each([
    ['', 'Expected `name` to be a non-empty job name (string), got `""` (string).'],
    [undefined, 'Expected `name` to be a non-empty job name (string), got `undefined` (undefined).'],
    [42, 'Expected `name` to be a non-empty job name (string), got `42` (number).'],
    [null, 'Expected `name` to be a non-empty job name (string), got `null` (null).'],
  ])('rejects %o as a job name', (name, message) => {
    expectInvalid(() => checkJobName(name), message)
  })
})
