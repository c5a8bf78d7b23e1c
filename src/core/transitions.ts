/**
 * Job state transitions as pure functions over records: the store calls them inside its
 * transactions, tests call them directly. Each returns a new record; none reads a clock.
 *
 *   queued ──claim──▶ running ──start──▶ running (startedAt set) ──complete──▶ completed
 *   (the scheduler writes claim and start together: until then its claim is a row of store `claims`)
 *   running, not started ──release──▶ queued (as if never claimed)
 *   delayed ─promote─▶ queued      running ──fail──▶ delayed (retry) | failed
 *   running ──stall──▶ queued | failed (STALLED)      running (network) ──offline──▶ queued (attempt not counted)
 *   any unfinished ──cancel──▶ cancelled;   failed | cancelled ──retry──▶ queued
 */
import { backoffDelay } from './backoff.js'
import { toAttemptError, type AttemptError } from './errors.js'
import type { JobRecord } from './job.js'

function withoutLease(record: JobRecord): JobRecord {
  const { leaseExpiresAt: _lease, owner: _owner, ...rest } = record
  return rest
}

function finished(record: JobRecord, now: number): JobRecord {
  const { activeKey: _activeKey, ...rest } = withoutLease(record)
  return { ...rest, finishedAt: now, unseenAt: now }
}

/** The outcome was delivered to a listener: no page needs to replay it. */
export function seen(record: JobRecord): JobRecord {
  const { unseenAt: _unseenAt, ...rest } = record
  return rest
}

/**
 * Leases a job to `owner` for its next attempt. `startedAt` stays unset until the job
 * is really handed to an executor (`start`): a claimed job may wait in the leader's
 * memory for a free worker, and if the leader dies then, nothing ran.
 */
export function claim(record: JobRecord, owner: string, now: number, leaseMs: number): JobRecord {
  const { startedAt: _previous, ...rest } = record
  return { ...rest, state: 'running', attempt: record.attempt + 1, claims: record.claims + 1, progress: 0, owner, leaseExpiresAt: now + leaseMs }
}

/** Records when the claimed attempt was handed to an executor. */
export function start(record: JobRecord, at: number): JobRecord {
  return { ...record, startedAt: at }
}

/** Gives back a claimed job that never started, as if it had not been claimed. */
export function release(record: JobRecord): JobRecord {
  const { startedAt: _startedAt, ...rest } = withoutLease(record)
  return { ...rest, state: 'queued', attempt: Math.max(0, record.attempt - 1) }
}

export function complete(record: JobRecord, result: unknown, now: number): JobRecord {
  return { ...finished(record, now), state: 'completed', progress: 1, result }
}

/** Errors that end a job at once, whatever attempts are left. */
export function isFinalError(error: AttemptError): boolean {
  return error.name === 'UnrecoverableError' || error.code === 'UNRECOVERABLE' || error.code === 'UNKNOWN_JOB'
}

/**
 * A failed attempt: retry after backoff while attempts remain, else `failed`. `final` fails
 * at once (a 4xx response); `notBefore` delays the retry at least until then (`Retry-After`).
 */
export function fail(record: JobRecord, error: unknown, now: number, random: number = Math.random(), how: { final?: boolean; notBefore?: number } = {}): JobRecord {
  const attemptError = toAttemptError(error, now)
  const errors = [...record.errors, attemptError]
  const used = record.attempt - record.stalls
  if (how.final || isFinalError(attemptError) || used >= record.maxAttempts) {
    return { ...finished(record, now), state: 'failed', errors }
  }
  const runAt = Math.max(now + backoffDelay(record.backoff, used, random), how.notBefore ?? 0)
  return { ...withoutLease(record), state: runAt > now ? 'delayed' : 'queued', runAt, errors }
}

/**
 * The executor vanished (tab closed, page reloaded, leader lost): run again, unless the
 * job has stalled more than `maxStalls` times, which marks a poison job. (A claim that
 * never started is released instead: see `release`.)
 */
export function stall(record: JobRecord, now: number, maxStalls: number): JobRecord {
  const stalls = record.stalls + 1
  const error: AttemptError = {
    name: 'JobStalledError',
    message: `Attempt ${record.attempt} stopped without an outcome (its page or worker went away before the lease expired).`,
    stack: '',
    code: 'STALLED',
    at: now,
  }
  const errors = [...record.errors, error]
  if (stalls > maxStalls) return { ...finished(record, now), state: 'failed', stalls, errors }
  return { ...withoutLease(record), state: 'queued', stalls, errors }
}

/**
 * A network job could not reach the server (no network, connection refused): back to the
 * queue with the attempt not counted, the error kept for inspection. The sender stops
 * sending until the next trigger, so this does not spin. Sightings in a row are one entry
 * (`times`, the latest `at`): triggers while offline probe with the same few jobs again. Not
 * across a retry(), which sets `runAt` after the last sighting (an offline job keeps its own).
 */
export function offline(record: JobRecord, error: unknown, now: number): JobRecord {
  const last = record.errors.at(-1)
  const again = last?.times !== undefined && last.at >= record.runAt
  const entry: AttemptError = { ...toAttemptError(error, now), times: again ? last.times! + 1 : 1 }
  return { ...release(record), errors: [...(again ? record.errors.slice(0, -1) : record.errors), entry] }
}

/** When a send of this job last got no response, if that is its last error (an entry with `times`, see offline()). */
export const refusedAt = (record: JobRecord): number | undefined => {
  const last = record.errors.at(-1)
  return last?.times === undefined ? undefined : last.at
}

/**
 * The job to probe the network with, of the next queued ones (in queue order): the one tried
 * longest ago, counting a job whose send got no response as tried then and any other as tried
 * when it became due (`runAt`); the first of equals. So probes take turns: a job the browser
 * blocks by itself (CORS) looks like no network, and must not keep every job behind it
 * waiting; and jobs that were never refused keep their order among themselves.
 */
export function probeWith(queued: readonly JobRecord[]): JobRecord[] {
  let best: JobRecord | undefined
  const tried = (record: JobRecord): number => refusedAt(record) ?? record.runAt
  for (const record of queued) if (!best || tried(record) < tried(best)) best = record
  return best ? [best] : []
}

export function cancel(record: JobRecord, now: number): JobRecord {
  return { ...finished(record, now), state: 'cancelled' }
}

export function promote(record: JobRecord): JobRecord {
  return { ...record, state: 'queued' }
}

/**
 * A finished job back to `queued` with a fresh attempt budget; its error history stays. The
 * fencing token moves on: a claim of the job from before it finished can never apply to it again
 * (a claim not written yet is checked against `claims` alone, see store/turn.ts).
 */
export function retry(record: JobRecord, now: number): JobRecord {
  const { finishedAt: _finishedAt, startedAt: _startedAt, result: _result, unseenAt: _unseenAt, ...rest } = record
  const back: JobRecord = { ...rest, state: 'queued', attempt: 0, claims: record.claims + 1, stalls: 0, progress: 0, runAt: now }
  if (record.key !== undefined) back.activeKey = record.key
  return back
}
