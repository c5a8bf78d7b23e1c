import type { AttemptError } from './errors.js'
import { toJob, type Job, type JobRecord } from './job.js'

/** Why a queue closed. */
export type CloseReason = 'closed' | 'versionchange' | 'deleted' | 'terminated'

/**
 * Queue events and their payloads, untyped by job name. The client narrows `Job` to
 * the registry's payload and result types (`QueueEventMap<Jobs>`).
 */
export interface BaseEventMap<AnyJob = Job> {
  /** A job was added (in any tab). */
  added: { job: AnyJob }
  /** An attempt started: `job.attempt` is its number. */
  started: { job: AnyJob }
  /** A running job reported progress. */
  progress: { jobId: string; name: string; progress: number }
  /** An attempt failed and the job will run again at `job.runAt`. */
  retrying: { job: AnyJob; error: AttemptError }
  /** The job completed: `job.result` is set. */
  completed: { job: AnyJob }
  /** The job failed for good. */
  failed: { job: AnyJob; error: AttemptError }
  /** The job was cancelled. */
  cancelled: { job: AnyJob }
  /** Nothing is queued any more (jobs may still run or be delayed). */
  empty: Record<never, never>
  /** Nothing is queued or running (delayed jobs may wait for later). */
  idle: Record<never, never>
  /** The queue closed; further calls reject with `QUEUE_CLOSED`. */
  closed: { reason: CloseReason }
  /** A background write failed (the queue keeps going; the job will be retried or recovered). */
  error: { error: Error }
}

export type EventName = keyof BaseEventMap

/** One event as it travels between tabs. */
export type QueueMessage = { [K in EventName]: { type: K } & BaseEventMap[K] }[EventName]

/**
 * Control messages between tabs (not events), always posted. `nudge` stands in for an
 * `added` or `cancelled` event while a page knows of no other page: a page it has not heard
 * of yet (its hello still on the way) may lead, and must wake up or abandon a run. `lead`: a
 * page took the lead; what its predecessor committed and never announced (it closed or crashed
 * in between) is unseen in the store: every page with listeners tries to take it, and one
 * replays each outcome (client/outcomes.ts).
 */
export type ControlMessage =
  | { type: 'paused'; paused: boolean }
  | { type: 'lead' }
  | { type: 'nudge'; event: 'added' | 'cancelled'; job: Pick<Job, 'id' | 'state' | 'priority' | 'kind'> }

/** The event that announces what just happened to a job that finished an attempt: completed, failed, cancelled, or retrying. */
export function announcement(record: JobRecord): QueueMessage {
  const job = toJob(record)
  if (record.state === 'completed') return { type: 'completed', job }
  if (record.state === 'cancelled') return { type: 'cancelled', job }
  const error = record.errors[record.errors.length - 1] ?? { name: 'Error', message: 'unknown failure', stack: '', at: record.finishedAt ?? record.runAt }
  return { type: record.state === 'failed' ? 'failed' : 'retrying', job, error }
}
