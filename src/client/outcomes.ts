/**
 * Outcomes reach pages that were not open when they happened: the acknowledgement model.
 *
 * A finished job keeps an unseen mark (store/records.ts) until some page delivered its outcome to a
 * `queue.on('completed' | 'failed' | 'cancelled')` listener. The page that announces the
 * outcome, and any other tab that hears it while the announcing page had no listener (the
 * wire's `seen: false`), clears it in a batched write after delivery, never in the write
 * that records the outcome: a page that dies in between leaves it unseen, to be replayed.
 * A page with listeners takes every outcome still unseen (one transaction, so exactly one
 * page replays each) shortly after it opens and whenever such a listener is added; and those
 * of the last two leases when a page takes the lead (control message `lead`: the last leader
 * may have died between recording outcomes and announcing them). Only recent ones then: an
 * older unseen outcome (its acknowledgement failed) may have reached this page's listeners
 * live long ago, further back than the bus remembers, and would reach them twice.
 */
import { announcement, type EventName, type QueueMessage } from '../core/events.js'
import { acknowledge, takeUnseen } from '../store/jobs.js'
import type { Mark } from '../store/records.js'
import type { Database } from '../store/schema.js'
import type { Bus, WireMessage } from './bus.js'

export const OUTCOMES: readonly EventName[] = ['completed', 'failed', 'cancelled']

export interface Outcomes {
  /** Finished states this page has `queue.on()` listeners for right now. */
  listening(): Set<string>
  /** Acknowledges an outcome another tab announced unseen, if a listener here received it. */
  received(message: WireMessage): void
  /** Acknowledges an outcome this page just delivered, if a listener here received it. */
  delivered(message: QueueMessage): void
  /** Replays unseen outcomes (finished since `since`, if given) to this page's listeners, soon. */
  replay(since?: number): void
  /** Writes the pending acknowledgements now (the queue is closing). */
  flush(db: Database): Promise<void>
}

/** `database()` resolves undefined once the queue is closed. */
export function createOutcomes(bus: Bus, database: () => Promise<Database | undefined>): Outcomes {
  const report = (error: unknown): void => void bus.publish({ type: 'error', error: error as Error })
  const listening = (): Set<string> => new Set(OUTCOMES.filter((type) => bus.listeners(type) > 0))
  let acks: Mark[] = []
  let replaying: Promise<void> | undefined
  /** What the pending replay takes: outcomes since then, or all of them (undefined). */
  let replayFrom: number | undefined
  // Written after delivery, never with the outcome itself: a page that dies between the two
  // leaves the outcome unseen, to be replayed, rather than marked seen and never delivered.
  const acknowledgeSoon = (job: { id: string; finishedAt?: number }): void => {
    if (job.finishedAt === undefined) return // not an outcome: nothing to acknowledge
    if (acks.push({ id: job.id, at: job.finishedAt }) > 1) return
    setTimeout(() => {
      if (acks.length === 0) return // flushed meanwhile
      const ids = acks
      acks = []
      // Closing (no database here any more): put back for the close's flush() to write.
      database().then((db) => (db ? acknowledge(db, ids) : void acks.unshift(...ids))).catch(report)
    }, 50)
  }

  return {
    async flush(db) {
      const ids = acks
      acks = []
      if (ids.length) await acknowledge(db, ids)
    },
    listening,
    received(message) {
      if ('seen' in message && message.seen === false && 'job' in message && bus.listeners(message.type) > 0) acknowledgeSoon(message.job)
    },
    delivered(message) {
      if (OUTCOMES.includes(message.type) && 'job' in message && bus.listeners(message.type) > 0) acknowledgeSoon(message.job)
    },
    replay(since) {
      // A replay already pending takes the older of the two (undefined: everything).
      replayFrom = !replaying ? since : replayFrom === undefined || since === undefined ? undefined : Math.min(replayFrom, since)
      // Later than the current task: listeners added right after openQueue() are in place.
      replaying ??= new Promise<void>((resolve) => setTimeout(resolve))
        .then(async () => {
          replaying = undefined
          const from = replayFrom
          const states = listening()
          const db = states.size > 0 ? await database() : undefined
          if (!db) return
          for (const record of await takeUnseen(db, states, from)) bus.deliver(announcement(record))
        })
        .catch(report)
    },
  }
}

