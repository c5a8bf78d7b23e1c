import type { AttemptError } from './errors.js'
import type { Backoff } from './backoff.js'

/** Where a job is in its life. See DESIGN.md for the transitions. */
export type JobState = 'queued' | 'delayed' | 'running' | 'completed' | 'failed' | 'cancelled'

export const JOB_STATES: readonly JobState[] = ['queued', 'delayed', 'running', 'completed', 'failed', 'cancelled']
export const FINISHED_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled']

export const isFinished = (state: JobState): boolean => FINISHED_STATES.includes(state)

export type JobKind = 'cpu' | 'network'

/**
 * A job as stored in IndexedDB (store `jobs`). Optional fields are absent, never
 * `undefined`, so that records without them stay out of the sparse indexes.
 */
export interface JobRecord {
  id: string
  name: string
  kind: JobKind
  /** Absent from the stored record when `payloadApart` (then it is in store `payloads`). */
  payload: unknown
  /**
   * The payload holds at least APART_BYTES of binary data, so it is kept in its own row of
   * store `payloads` (key: the job id): claims, start marks and outcomes rewrite the record
   * without copying it (store/records.ts `stored()`), and events carry it only to pages
   * that listen (client/bus.ts).
   */
  payloadApart?: true
  state: JobState
  /** Smaller runs first. */
  priority: number
  /** FIFO order inside a priority. */
  seq: number
  /** Epoch ms before which the job does not run. */
  runAt: number
  /** How many times the job was started (since the last `retry()`). */
  attempt: number
  /**
   * The fencing token: one more with each claim written, and with each `retry()`. Unlike
   * `attempt` it never goes back (not on `retry()`, not on release), so a late run of an
   * earlier claim can never pass for the current one.
   */
  claims: number
  /** How many of those starts ended because the executor vanished (lease expired). */
  stalls: number
  maxAttempts: number
  backoff: Backoff
  /** ms per attempt; 0 means no limit. */
  timeout: number
  /** Idempotency key given at `add()`. */
  key?: string
  /** Same as `key` while the job is unfinished: the unique index that dedupes. */
  activeKey?: string
  /**
   * Set by the transition that finishes the job: no page has delivered this outcome to a
   * `queue.on()` listener yet. The store moves it to its own store `unseen` (store/records.ts)
   * and never keeps it on the stored record, so acknowledging never rewrites the job.
   */
  unseenAt?: number
  /** Last reported progress in [0, 1]. */
  progress: number
  result?: unknown
  errors: AttemptError[]
  /**
   * Set by the store on every write, from the fields above (store/records.ts `stored()`):
   * `[kind, priority, seq]` only while queued, `runAt` only while delayed. The indexes `next`
   * and `due` are on them, so they hold only the jobs they are for, and a job that starts or
   * finishes writes no entry in them: IndexedDB pays per index entry on every put.
   */
  nextKey?: [JobKind, number, number]
  dueAt?: number
  /** Set only while running (sparse index: running-by-lease). */
  leaseExpiresAt?: number
  /** The queue instance holding the lease. */
  owner?: string
  createdAt: number
  startedAt?: number
  finishedAt?: number
}

/** A job as the public API shows it: a snapshot, safe to keep. */
export interface Job<P = unknown, R = unknown> {
  readonly id: string
  readonly name: string
  readonly kind: JobKind
  readonly payload: P
  readonly state: JobState
  readonly priority: number
  readonly runAt: number
  readonly attempt: number
  readonly maxAttempts: number
  readonly stalls: number
  readonly backoff: Readonly<Backoff>
  readonly timeout: number
  readonly key?: string
  readonly progress: number
  /** Set once the job completed. */
  readonly result?: R
  /** One entry per failed attempt, oldest first. */
  readonly errors: readonly AttemptError[]
  readonly createdAt: number
  readonly startedAt?: number
  readonly finishedAt?: number
}

/** Payloads with at least this many bytes of ArrayBuffers in them are kept apart from their record (`payloadApart`). */
export const APART_BYTES = 256 * 1024

/** Jobs made by toJob() from a record whose payload is kept apart: their `payload` may still have to be read (see client/bus.ts). */
const apart = new WeakSet<Job>()

/** True when `job`'s payload is kept apart from its record, so a snapshot may lack it until read. */
export const isPayloadApart = (job: Job): boolean => apart.has(job)

/** Notes that `job` (received from another tab) has its payload kept apart. */
export function markPayloadApart<J extends Job>(job: J): J {
  apart.add(job)
  return job
}

/** The one converter between the stored record and the public `Job`. */
export function toJob<P, R>(record: JobRecord): Job<P, R> {
  const { activeKey: _activeKey, owner: _owner, leaseExpiresAt: _lease, seq: _seq, unseenAt: _unseen, claims: _claims, nextKey: _next, dueAt: _due, payloadApart, ...job } = record
  return (payloadApart ? markPayloadApart(job as Job) : job) as Job<P, R>
}

/** One line of a job's logs (store `logs`, key `[jobId, seq]`). */
export interface LogRecord {
  jobId: string
  seq: number
  at: number
  message: string
}

/** What `queue.logs(id)` returns. */
export interface LogLine {
  readonly seq: number
  readonly at: number
  readonly message: string
}
