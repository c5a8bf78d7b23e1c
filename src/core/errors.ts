/**
 * Every error errand raises. One base class with a stable `code`, and a subclass per
 * failure a user handles. Prototypes are lost when an error crosses a thread
 * (postMessage, BroadcastChannel), so the `is*Error()` guards check `name`, not only
 * `instanceof`.
 */

/** Stable machine-readable codes carried by every {@link ErrandError}. */
export type ErrandErrorCode =
  | 'INVALID_OPTION'
  | 'DATA_CLONE'
  | 'UNKNOWN_JOB'
  | 'QUEUE_CLOSED'
  | 'QUEUE_CONFLICT'
  | 'QUOTA_EXCEEDED'
  | 'STORAGE'
  | 'NOT_FOUND'
  | 'INVALID_STATE'
  | 'TIMEOUT'
  | 'JOB_FAILED'
  | 'JOB_CANCELLED'
  | 'JOB_TIMEOUT'
  | 'STALLED'
  | 'WORKER_CRASHED'
  | 'UNRECOVERABLE'
  | 'HTTP_STATUS'
  | 'NETWORK'

/** What a failed attempt leaves in `job.errors`: plain data that survives any thread. */
export interface AttemptError {
  name: string
  message: string
  stack: string
  /** Set when the error carried an errand `code` (for example `UNKNOWN_JOB`). */
  code?: string
  /** Epoch ms when the attempt failed. */
  at: number
  /** Network jobs: the response that failed the attempt (code `HTTP_STATUS`); its body is read by content-type and cut at 64 KiB of text. */
  response?: { status: number; statusText: string; headers: Record<string, string>; body: unknown }
  /**
   * Network jobs: set on a `NETWORK` entry that used no attempt (no response at all: offline,
   * connection refused). Sends in a row that got no response are one entry: `times` counts
   * them and `at` is the latest, so a job waiting out hours offline does not grow.
   */
  times?: number
}

/** Base class of every error errand raises. */
export class ErrandError extends Error {
  override name = 'ErrandError'
  /** Stable code: match on this, never on the message. */
  readonly code: ErrandErrorCode
  /** Values that help locate the problem (job id, queue name, option…). */
  readonly context: Readonly<Record<string, unknown>>

  constructor(code: ErrandErrorCode, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.context = options.context ?? {}
  }
}

interface JobErrorContext {
  jobId: string
  jobName: string
  attempts: number
  /** Every failed attempt, oldest first. */
  errors: readonly AttemptError[]
  cause?: unknown
}

/** `job.result()` rejects with this when the job ended in `failed`. `cause` is the last attempt's error. */
export class JobFailedError extends ErrandError {
  override name = 'JobFailedError'
  readonly jobId: string
  readonly jobName: string
  /** How many times the job was started. */
  readonly attempts: number
  readonly errors: readonly AttemptError[]

  constructor(message: string, ctx: JobErrorContext, code: ErrandErrorCode = 'JOB_FAILED') {
    super(code, message, { cause: ctx.cause, context: { jobId: ctx.jobId, jobName: ctx.jobName, attempts: ctx.attempts } })
    this.jobId = ctx.jobId
    this.jobName = ctx.jobName
    this.attempts = ctx.attempts
    this.errors = ctx.errors
  }
}

/** `job.result()` rejects with this when the job's last attempt ran out of time. */
export class JobTimeoutError extends JobFailedError {
  override name = 'JobTimeoutError'
  constructor(message: string, ctx: JobErrorContext) {
    super(message, ctx, 'JOB_TIMEOUT')
  }
}

/** `job.result()` rejects with this when the job was cancelled (by `cancel()`, its `signal`, or `clear()`). */
export class JobCancelledError extends ErrandError {
  override name = 'JobCancelledError'
  readonly jobId: string
  readonly jobName: string
  constructor(jobId: string, jobName: string) {
    super('JOB_CANCELLED', `Job "${jobName}" (${jobId}) was cancelled.`, { context: { jobId, jobName } })
    this.jobId = jobId
    this.jobName = jobName
  }
}

/** IndexedDB refused a write or a read; `cause` is the original DOMException. */
export class StorageError extends ErrandError {
  override name = 'StorageError'
}

/**
 * Throw this from a handler to fail the job at once, skipping its remaining attempts.
 * @example
 * if (!input.file.size) throw new UnrecoverableError('Empty file: nothing to do.')
 */
export class UnrecoverableError extends ErrandError {
  override name = 'UnrecoverableError'
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('UNRECOVERABLE', message, options)
  }
}

/** An instance of `type` (a subclass too, such as your own of UnrecoverableError), or a copy named like one that lost its prototype crossing a thread. */
function is(value: unknown, type: abstract new (...args: never[]) => Error, names: readonly string[]): boolean {
  return value instanceof type || (typeof value === 'object' && value !== null && names.includes((value as { name?: unknown }).name as string))
}

const ERRAND_ERROR_NAMES = ['ErrandError', 'JobFailedError', 'JobTimeoutError', 'JobCancelledError', 'StorageError', 'UnrecoverableError', 'HttpStatusError']

/** True for any errand error, also one that lost its prototype crossing a thread. */
export const isErrandError = (value: unknown): value is ErrandError => is(value, ErrandError, ERRAND_ERROR_NAMES)
/** True for {@link JobFailedError} and its subclass {@link JobTimeoutError}. */
export const isJobFailedError = (value: unknown): value is JobFailedError => is(value, JobFailedError, ['JobFailedError', 'JobTimeoutError'])
export const isJobTimeoutError = (value: unknown): value is JobTimeoutError => is(value, JobTimeoutError, ['JobTimeoutError'])
export const isJobCancelledError = (value: unknown): value is JobCancelledError => is(value, JobCancelledError, ['JobCancelledError'])
export const isStorageError = (value: unknown): value is StorageError => is(value, StorageError, ['StorageError'])
/** Also true for a copy of your own subclass that crossed a thread (its own `name`): by its code. */
export const isUnrecoverableError = (value: unknown): value is UnrecoverableError =>
  is(value, UnrecoverableError, ['UnrecoverableError']) || (typeof value === 'object' && value !== null && (value as { code?: unknown }).code === 'UNRECOVERABLE')

/** An error as plain data, the way it crosses threads and is stored. */
export interface SerializedError {
  name: string
  message: string
  stack: string
  code?: string
}

function safeString(value: unknown): string {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value) // e.g. an object without a prototype
  }
}

/**
 * Turns anything thrown into plain `{ name, message, stack, code? }`. Errand errors must
 * cross threads this way: structuredClone keeps only the built-in error names and drops
 * `code`, so a cloned UnrecoverableError would arrive as a plain "Error".
 */
export function serializeError(error: unknown): SerializedError {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: safeString(error), stack: '' }
  const { name, message, stack, code } = error as Partial<Record<'name' | 'message' | 'stack' | 'code', unknown>>
  const out: SerializedError = {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : safeString(error),
    stack: typeof stack === 'string' ? stack : '',
  }
  if (typeof code === 'string') out.code = code
  return out
}

/** Turns anything thrown into the plain record kept in `job.errors`. */
export function toAttemptError(error: unknown, at: number): AttemptError {
  const out: AttemptError = { ...serializeError(error), at }
  const response = typeof error === 'object' && error !== null ? (error as { response?: AttemptError['response'] }).response : undefined
  if (typeof response === 'object' && response !== null) out.response = response
  return out
}
