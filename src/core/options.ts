/**
 * Validation of every option a user passes. Messages follow one pattern:
 * Expected `attempts` to be an integer ≥ 1, got `0` (number).
 */
import { DEFAULT_BACKOFF, type Backoff } from './backoff.js'
import { ErrandError } from './errors.js'

/** Options of `queue.add()`; `defaults` of `openQueue()` take the same except `key`, `signal` and `transfer`. */
export interface JobOptions {
  /**
   * Smaller runs first; equal priorities run in the order added.
   * @default 0
   * @example queue.add('thumbnail', input, { priority: -1 }) // ahead of the default
   */
  priority?: number
  /**
   * ms to wait before the job may run.
   * @default 0
   * @example queue.add('report', input, { delay: 60_000 })
   */
  delay?: number
  /**
   * How many times the handler may run before the job fails (1 = no retries).
   * @default 3
   * @example queue.add('sync', input, { attempts: 5 })
   */
  attempts?: number
  /**
   * Delay between attempts; see `backoffDelay()` for the formula.
   * @default { type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0 }
   * @example queue.add('sync', input, { backoff: { type: 'fixed', delay: 500 } })
   */
  backoff?: Partial<Backoff>
  /**
   * ms one attempt may take; then `ctx.signal` aborts and, after a grace period, the worker is terminated. 0 = no limit.
   * @default 0
   * @example queue.add('thumbnail', input, { timeout: 30_000 })
   */
  timeout?: number
  /**
   * Idempotency key: while a job with this key is unfinished, `add()` returns that job instead of a new one.
   * @example queue.add('export', input, { key: `export:${userId}` })
   */
  key?: string
  /**
   * Cancels the job when aborted (before or while it runs).
   * @example queue.add('search', input, { signal: controller.signal })
   */
  signal?: AbortSignal
  /**
   * Hands the payload's ArrayBuffers over to errand, like postMessage()'s transfer list: they
   * are detached in your page when `add()` is called (reading them throws or shows 0 bytes).
   * A payload with 256 KiB of buffers or more then goes to the worker that runs it in this page
   * without being read back from IndexedDB: the hand-off takes about a millisecond instead of a read.
   * @default false
   * @example queue.add('hash', { file: buffer }, { transfer: true })
   */
  transfer?: boolean
}

export type JobDefaults = Omit<JobOptions, 'key' | 'signal' | 'transfer'>

/** Options with defaults applied: what a record is built from. */
export interface ResolvedJobOptions {
  priority: number
  delay: number
  attempts: number
  backoff: Backoff
  timeout: number
  key?: string
  signal?: AbortSignal
  transfer?: boolean
}

export const DEFAULT_ATTEMPTS = 3

function describe(value: unknown): string {
  let shown: string
  if (typeof value === 'string') shown = JSON.stringify(value)
  else if (typeof value === 'object' && value !== null) shown = Object.prototype.toString.call(value)
  else shown = String(value)
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`
}

export function invalidOption(name: string, expected: string, value: unknown): ErrandError {
  return new ErrandError('INVALID_OPTION', `Expected \`${name}\` to be ${expected}, got ${describe(value)}.`, {
    context: { option: name, value },
  })
}

export function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidOption(name, min === -Infinity ? 'an integer' : `an integer ≥ ${min}`, value)
  }
  return value
}

/** The longest a browser timer can wait (2³¹ − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647

export function checkDuration(name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value === Infinity) {
    throw invalidOption(name, `a finite number of ms ≥ ${min}`, value)
  }
  return value
}

/** A duration that arms one timer (a timeout, a grace period, a lease): at most {@link MAX_TIMER_MS}. */
export function checkTimer(name: string, value: unknown, min = 0): number {
  const ms = checkDuration(name, value, min)
  if (ms > MAX_TIMER_MS) throw invalidOption(name, `at most ${MAX_TIMER_MS} ms (about 24.8 days)`, value)
  return ms
}

export function checkKeys(name: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ErrandError('INVALID_OPTION', `Unknown option \`${name}${key}\`. Known options: ${allowed.join(', ')}.`, {
        context: { option: key },
      })
    }
  }
}

function checkObject(name: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOption(name, 'an object', value)
}

const JOB_OPTION_KEYS = ['priority', 'delay', 'attempts', 'backoff', 'timeout', 'key', 'signal', 'transfer'] as const
const BACKOFF_KEYS = ['type', 'delay', 'maxDelay', 'jitter'] as const

function resolveBackoff(value: unknown, base: Backoff): Backoff {
  if (value === undefined) return base
  checkObject('backoff', value)
  checkKeys('backoff.', value, BACKOFF_KEYS)
  const backoff = { ...base }
  if (value.type !== undefined) {
    if (value.type !== 'fixed' && value.type !== 'exponential') throw invalidOption('backoff.type', '"fixed" or "exponential"', value.type)
    backoff.type = value.type
  }
  if (value.delay !== undefined) backoff.delay = checkDuration('backoff.delay', value.delay)
  if (value.maxDelay !== undefined) backoff.maxDelay = checkDuration('backoff.maxDelay', value.maxDelay)
  if (value.jitter !== undefined) {
    const jitter = value.jitter
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) throw invalidOption('backoff.jitter', 'a number in [0, 1]', jitter)
    backoff.jitter = jitter
  }
  return backoff
}

/** Checks `options` (untrusted: plain JS callers pass anything) and applies `base`. Throws `INVALID_OPTION`. */
export function resolveJobOptions(options: unknown, base: ResolvedJobOptions, allowed: readonly string[] = JOB_OPTION_KEYS): ResolvedJobOptions {
  if (options === undefined) return base
  checkObject('options', options)
  checkKeys('', options, allowed)
  const out: ResolvedJobOptions = { ...base, backoff: resolveBackoff(options.backoff, base.backoff) }
  if (options.priority !== undefined) out.priority = checkInteger('priority', options.priority, -Infinity)
  if (options.delay !== undefined) out.delay = checkDuration('delay', options.delay)
  if (options.attempts !== undefined) out.attempts = checkInteger('attempts', options.attempts, 1)
  if (options.timeout !== undefined) out.timeout = checkTimer('timeout', options.timeout)
  if (options.key !== undefined) {
    if (typeof options.key !== 'string' || options.key === '') throw invalidOption('key', 'a non-empty string', options.key)
    out.key = options.key
  }
  if (options.signal !== undefined) {
    if (!(options.signal instanceof AbortSignal)) throw invalidOption('signal', 'an AbortSignal', options.signal)
    out.signal = options.signal
  }
  if (options.transfer !== undefined) {
    if (typeof options.transfer !== 'boolean') throw invalidOption('transfer', 'a boolean', options.transfer)
    if (options.transfer) out.transfer = true
  }
  return out
}

export const BASE_JOB_OPTIONS: ResolvedJobOptions = { priority: 0, delay: 0, attempts: DEFAULT_ATTEMPTS, backoff: DEFAULT_BACKOFF, timeout: 0 }

/** `defaults` of `openQueue()` resolved once, so each `add()` only checks its own options. */
export function resolveDefaults(defaults: unknown): ResolvedJobOptions {
  return resolveJobOptions(defaults, BASE_JOB_OPTIONS, ['priority', 'delay', 'attempts', 'backoff', 'timeout'])
}

export function checkJobName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalidOption('name', 'a non-empty job name (string)', name)
  return name
}
