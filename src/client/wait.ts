/** `onIdle()` and `onEmpty()`: wait until the job counts satisfy a condition. */
import type { EventName, QueueMessage } from '../core/events.js'
import { countJobs, type UnfinishedCounts } from '../store/reads.js'
import type { Database } from '../store/schema.js'
import type { Bus } from './bus.js'

export interface WaitOptions {
  db: Database
  bus: Bus
  /** Given the counts of unfinished jobs only: counting finished ones walks everything the database keeps. */
  done: (counts: UnfinishedCounts) => boolean
  /** The CPU scheduler's events after which to count again. */
  events: EventName[]
  closed: AbortSignal
  closedError: () => Error
}

/** Outcomes of network jobs: the sender has no `idle` event of its own. */
export const NETWORK_ENDS: EventName[] = ['completed', 'failed', 'retrying']
/** Whether an event of NETWORK_ENDS is about a network job (CPU jobs have the scheduler's `idle`). */
export const isNetworkEnd = (message: QueueMessage): boolean => 'job' in message && message.job.kind === 'network'

/**
 * Resolves once `done(counts)` holds. Counts are read at the start, after the leader's
 * `idle` / `empty` transitions, and after network jobs end: reading after every CPU job
 * would make readonly transactions contend with the scheduler's writes.
 */
export function waitForCounts({ db, bus, done, events, closed, closedError }: WaitOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let checking = false
    let dirty = false
    const stops: (() => void)[] = []
    const finish = (error?: unknown): void => {
      stops.forEach((stop) => stop())
      if (error) reject(error)
      else resolve()
    }
    const check = async (): Promise<void> => {
      if (checking) return void (dirty = true)
      checking = true
      try {
        do {
          dirty = false
          if (done(await countJobs(db, { finished: false }))) return finish()
        } while (dirty)
      } catch (error) {
        finish(error)
      } finally {
        checking = false
      }
    }
    // Not counted as outcome listeners: waiting is not receiving the outcome.
    for (const type of events) stops.push(bus.on(type, () => void check(), { counted: false, payload: false }))
    const onNetwork = (message: QueueMessage): void => void (isNetworkEnd(message) && check())
    for (const type of NETWORK_ENDS) stops.push(bus.on(type, onNetwork, { counted: false, payload: false }))
    // A page met only now told this one nothing of what it did before (see Bus.onPeer()).
    stops.push(bus.onPeer(() => void check()))
    const onClose = (): void => finish(closedError())
    closed.addEventListener('abort', onClose, { once: true })
    stops.push(() => closed.removeEventListener('abort', onClose))
    void check()
  })
}
