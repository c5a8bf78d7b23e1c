import { describe, expect, test } from 'vitest'
import {
  ErrandError,
  isErrandError,
  isJobCancelledError,
  isJobFailedError,
  isJobTimeoutError,
  isStorageError,
  isUnrecoverableError,
  JobCancelledError,
  JobFailedError,
  JobTimeoutError,
  StorageError,
  toAttemptError,
  UnrecoverableError,
  type AttemptError,
} from '../../src/core/errors.js'

const AT = 1_700_000_000_000
const firstTry: AttemptError = { name: 'Error', message: 'offline', stack: '', at: AT - 1000 }
const lastTry: AttemptError = { name: 'TypeError', message: 'bad response', stack: '', at: AT }

const failedCtx = { jobId: 'job-1', jobName: 'sync', attempts: 2, errors: [firstTry, lastTry], cause: lastTry }

/** One instance of every errand error class. */
const samples = {
  ErrandError: new ErrandError('QUEUE_CLOSED', 'Queue "media" is closed.'),
  JobFailedError: new JobFailedError('Job "sync" failed after 2 attempts.', failedCtx),
  JobTimeoutError: new JobTimeoutError('Job "sync" timed out.', failedCtx),
  JobCancelledError: new JobCancelledError('job-1', 'sync'),
  StorageError: new StorageError('STORAGE', 'IndexedDB refused the write.'),
  UnrecoverableError: new UnrecoverableError('Empty file: nothing to do.'),
}
type SampleName = keyof typeof samples

/** What each guard says about each class: every row lists the classes it accepts. */
const accepts: Record<string, { guard: (value: unknown) => boolean; names: SampleName[] }> = {
  isErrandError: {
    guard: isErrandError,
    names: ['ErrandError', 'JobFailedError', 'JobTimeoutError', 'JobCancelledError', 'StorageError', 'UnrecoverableError'],
  },
  isJobFailedError: { guard: isJobFailedError, names: ['JobFailedError', 'JobTimeoutError'] },
  isJobTimeoutError: { guard: isJobTimeoutError, names: ['JobTimeoutError'] },
  isJobCancelledError: { guard: isJobCancelledError, names: ['JobCancelledError'] },
  isStorageError: { guard: isStorageError, names: ['StorageError'] },
  isUnrecoverableError: { guard: isUnrecoverableError, names: ['UnrecoverableError'] },
}

/** The error as it crosses a thread: plain data, prototype gone. */
function overTheWire(error: Error & { code?: string }): Record<string, unknown> {
  return structuredClone({ ...error, name: error.name, message: error.message, stack: error.stack ?? '' })
}

describe('error classes', () => {
  test('ErrandError carries its code, message, name and an empty context by default', () => {
    const error = new ErrandError('QUEUE_CLOSED', 'Queue "media" is closed. Open it again with openQueue().')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ErrandError')
    expect(error.code).toBe('QUEUE_CLOSED')
    expect(error.message).toBe('Queue "media" is closed. Open it again with openQueue().')
    expect(error.context).toStrictEqual({})
    expect(Object.keys(error)).not.toContain('cause')
  })

  test('ErrandError keeps the cause and the context it is given', () => {
    const cause = new DOMException('Quota exceeded', 'QuotaExceededError')
    const error = new ErrandError('QUOTA_EXCEEDED', 'No room left.', { cause, context: { queue: 'media' } })
    expect(error.cause).toBe(cause)
    expect(error.context).toStrictEqual({ queue: 'media' })
  })

  test('JobFailedError exposes the job, the attempts, every attempt error and the last one as cause', () => {
    const error = samples.JobFailedError
    expect(error).toBeInstanceOf(ErrandError)
    expect(error).toMatchObject({ name: 'JobFailedError', code: 'JOB_FAILED', jobId: 'job-1', jobName: 'sync', attempts: 2 })
    expect(error.errors).toStrictEqual([firstTry, lastTry])
    expect(error.cause).toBe(lastTry)
    expect(error.context).toStrictEqual({ jobId: 'job-1', jobName: 'sync', attempts: 2 })
  })

  test('JobTimeoutError is a JobFailedError with code JOB_TIMEOUT', () => {
    const error = samples.JobTimeoutError
    expect(error).toBeInstanceOf(JobFailedError)
    expect(error).toMatchObject({ name: 'JobTimeoutError', code: 'JOB_TIMEOUT', jobId: 'job-1', attempts: 2 })
  })

  test('JobCancelledError names the job in its message', () => {
    const error = samples.JobCancelledError
    expect(error).toMatchObject({ name: 'JobCancelledError', code: 'JOB_CANCELLED', jobId: 'job-1', jobName: 'sync' })
    expect(error.message).toBe('Job "sync" (job-1) was cancelled.')
    expect(error.context).toStrictEqual({ jobId: 'job-1', jobName: 'sync' })
  })

  test('StorageError keeps the code it is given', () => {
    expect(samples.StorageError).toMatchObject({ name: 'StorageError', code: 'STORAGE', message: 'IndexedDB refused the write.' })
  })

  test('UnrecoverableError has code UNRECOVERABLE and keeps its cause', () => {
    const cause = new Error('zero bytes')
    const error = new UnrecoverableError('Empty file: nothing to do.', { cause })
    expect(error).toMatchObject({ name: 'UnrecoverableError', code: 'UNRECOVERABLE', message: 'Empty file: nothing to do.' })
    expect(error.cause).toBe(cause)
  })
})

describe('guards', () => {
  const names = Object.keys(samples) as SampleName[]

  test.each(Object.keys(accepts))('%s accepts exactly its own classes', (guardName) => {
    const row = accepts[guardName]
    if (!row) throw new Error(`no row for ${guardName}`)
    const accepted = names.filter((name) => row.guard(samples[name]))
    expect(accepted).toStrictEqual(row.names)
  })

  test.each(Object.keys(accepts))('%s gives the same answers for errors that lost their prototype over structuredClone', (guardName) => {
    const row = accepts[guardName]
    if (!row) throw new Error(`no row for ${guardName}`)
    const plain = names.map((name) => overTheWire(samples[name]))
    for (const value of plain) expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    const accepted = names.filter((_, i) => row.guard(plain[i]))
    expect(accepted).toStrictEqual(row.names)
  })

  test('accept a subclass of the app\'s own under another name, and the HTTP status error of a network job, also as plain data', () => {
    class PermanentError extends UnrecoverableError {
      override name = 'PermanentError'
    }
    const permanent = new PermanentError('No such account.')
    expect([isUnrecoverableError(permanent), isErrandError(permanent), isJobFailedError(permanent)]).toStrictEqual([true, true, false])
    // Once it crossed a thread (a job's stored errors), its own name is all it has, and its code.
    expect(isUnrecoverableError(overTheWire(permanent))).toBe(true)
    expect(isUnrecoverableError({ name: 'PermanentError', message: 'x', code: 'STORAGE' })).toBe(false)
    expect(isErrandError({ name: 'HttpStatusError', message: 'POST /x answered 400.', code: 'HTTP_STATUS' })).toBe(true)
  })

  test('recognise a bare { name } object, the least that survives a thread', () => {
    expect(isJobFailedError({ name: 'JobFailedError' })).toBe(true)
    expect(isUnrecoverableError(structuredClone({ name: 'UnrecoverableError', message: 'x', stack: '' }))).toBe(true)
    expect(isErrandError(Object.assign(Object.create(null) as object, { name: 'StorageError' }))).toBe(true)
  })

  test.each([
    ['null', null],
    ['undefined', undefined],
    ['a string holding a class name', 'JobFailedError'],
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('boom')],
    ['an object without a name', { message: 'JobFailedError' }],
    ['an object whose name is not a string', { name: 42 }],
    ['a stalled attempt error', { name: 'JobStalledError', code: 'STALLED' }],
  ])('reject %s', (_label, value) => {
    for (const row of Object.values(accepts)) expect(row.guard(value)).toBe(false)
  })
})

describe('toAttemptError', () => {
  test('copies name, message and stack of an Error, without a code', () => {
    const error = new TypeError('Failed to fetch')
    const attempt = toAttemptError(error, AT)
    expect(attempt).toStrictEqual({ name: 'TypeError', message: 'Failed to fetch', stack: error.stack, at: AT })
    expect(Object.keys(attempt)).not.toContain('code')
  })

  test('keeps the code of an errand error', () => {
    const error = new UnrecoverableError('Bad input.')
    expect(toAttemptError(error, AT)).toStrictEqual({
      name: 'UnrecoverableError',
      message: 'Bad input.',
      stack: error.stack,
      code: 'UNRECOVERABLE',
      at: AT,
    })
  })

  test('keeps name and code of an error that arrived as plain data', () => {
    const wire = { name: 'ErrandError', code: 'UNKNOWN_JOB', message: 'No handler named "resize".', stack: '' }
    expect(toAttemptError(wire, AT)).toStrictEqual({ ...wire, at: AT })
  })

  test('reads message and code from any object, naming it Error', () => {
    expect(toAttemptError({ code: 'E_NET', message: 'offline' }, AT)).toStrictEqual({
      name: 'Error',
      message: 'offline',
      stack: '',
      code: 'E_NET',
      at: AT,
    })
  })

  test('drops a code that is not a string, such as a DOMException’s number', () => {
    const error = new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    expect(error.code).toBe(22)
    expect(toAttemptError(error, AT)).toStrictEqual({
      name: 'QuotaExceededError',
      message: 'The quota has been exceeded.',
      stack: error.stack ?? '',
      at: AT,
    })
  })

  test('turns a thrown string into an Error with that message', () => {
    expect(toAttemptError('boom', AT)).toStrictEqual({ name: 'Error', message: 'boom', stack: '', at: AT })
  })

  test.each([
    [42, '42'],
    [null, 'null'],
    [undefined, 'undefined'],
    [false, 'false'],
  ])('turns a thrown %o into an Error with message %o', (value, message) => {
    expect(toAttemptError(value, AT)).toStrictEqual({ name: 'Error', message, stack: '', at: AT })
  })

  test('uses the object’s string form when it has no message', () => {
    expect(toAttemptError({ status: 500 }, AT)).toStrictEqual({ name: 'Error', message: '[object Object]', stack: '', at: AT })
  })

  test('does not throw for an object without a prototype or a message', () => {
    const value = Object.assign(Object.create(null) as object, { status: 500 })
    expect(() => toAttemptError(value, AT)).not.toThrow()
  })

  test('returns plain data that survives structuredClone unchanged', () => {
    const attempt = toAttemptError(new UnrecoverableError('Bad input.'), AT)
    expect(structuredClone(attempt)).toStrictEqual(attempt)
  })
})
