/** Job handles: a job's result and events, wherever it runs. */
import { ErrandError, JobCancelledError, JobFailedError, JobTimeoutError, type AttemptError } from '../core/errors.js'
import type { EventName, QueueMessage } from '../core/events.js'
import { toJob, type Job, type JobRecord, type LogLine } from '../core/job.js'
import type { JobEventMap, JobHandle } from './types.js'

/** What a handle needs from its queue. */
export interface HandleHost {
  /** `payload: false`: the listener never reads `job.payload`. */
  on(type: EventName, listener: (message: QueueMessage) => void, payload: boolean): () => void
  /** The record, maybe without a payload kept apart: enough for a result. */
  read(id: string): Promise<JobRecord | undefined>
  /** The record with its payload. */
  get(id: string): Promise<JobRecord | undefined>
  cancel(id: string): Promise<boolean>
  logs(id: string): Promise<LogLine[]>
  /** Calls `listener` when this page meets another page (see Bus.onPeer()). */
  onPeer(listener: () => void): () => void
  /** Rejects when the queue closes. */
  closedSignal: AbortSignal
}

const TERMINAL = ['completed', 'failed', 'cancelled'] as const

export function createHandle<P, R, N extends string>(host: HandleHost, id: string, name: N): JobHandle<P, R, N> {
  let result: Promise<R> | undefined

  const waitForResult = (): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const stops: (() => void)[] = []
      const done = (record: Job | undefined): void => {
        if (!record || !TERMINAL.includes(record.state as (typeof TERMINAL)[number])) return
        stops.forEach((stop) => stop())
        if (record.state === 'completed') resolve(record.result as R)
        else reject(record.state === 'cancelled' ? new JobCancelledError(id, name) : failedError(record))
      }
      for (const type of TERMINAL) {
        stops.push(host.on(type, (message) => 'job' in message && message.job.id === id && done(message.job), false))
      }
      const onClose = (): void => {
        stops.forEach((stop) => stop())
        reject(new ErrandError('QUEUE_CLOSED', `The queue is closed: result() of job "${name}" (${id}) cannot be read from it. Re-attach with queue.job(id) after opening it again.`, { context: { jobId: id } }))
      }
      if (host.closedSignal.aborted) return onClose()
      host.closedSignal.addEventListener('abort', onClose, { once: true })
      stops.push(() => host.closedSignal.removeEventListener('abort', onClose))
      // A page met only now may have settled the job while it did not know this one: read again.
      stops.push(host.onPeer(() => void host.read(id).then((record) => record && done(toJob(record)), () => {})))
      // Subscribed first, then read: an outcome between the two is caught by either.
      host.read(id).then((record) => {
        if (record) done(toJob(record))
        else {
          stops.forEach((stop) => stop())
          reject(new ErrandError('NOT_FOUND', `Job ${id} does not exist (it was removed, or belongs to another queue).`, { context: { jobId: id } }))
        }
      }, (error: unknown) => {
        stops.forEach((stop) => stop())
        reject(error)
      })
    })

  return {
    id,
    name,
    result() {
      // Shared while pending; once settled, a new call reads again (the job may have been retried).
      result ??= waitForResult().finally(() => (result = undefined))
      return result
    },
    on(event, listener) {
      const type = event === 'progress' ? 'progress' : event
      return host.on(type, (message) => {
        if (message.type === 'progress') {
          if (message.jobId === id) (listener as (e: JobEventMap['progress']) => void)({ progress: message.progress })
        } else if ('job' in message && message.job.id === id) {
          ;(listener as (e: unknown) => void)(message)
        }
      }, true)
    },
    cancel: () => host.cancel(id),
    get: async () => {
      const record = await host.get(id)
      return record && (toJob(record) as Job<P, R>)
    },
    logs: () => host.logs(id),
  }
}

export function failedError(job: Job): JobFailedError {
  const last: AttemptError | undefined = job.errors[job.errors.length - 1]
  const cause = last && Object.assign(new Error(last.message), { name: last.name, stack: last.stack }, last.code ? { code: last.code } : {})
  const ctx = { jobId: job.id, jobName: job.name, attempts: job.attempt, errors: job.errors, cause }
  const why = last ? `${last.name}: ${last.message}` : 'no error recorded'
  const message = `Job "${job.name}" (${job.id}) failed after ${job.attempt} attempt${job.attempt === 1 ? '' : 's'}. Last error: ${why}`
  return last?.name === 'JobTimeoutError' ? new JobTimeoutError(message, ctx) : new JobFailedError(message, ctx)
}
